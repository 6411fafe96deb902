"""Per-language knowledge as data: one TOML file per language in this folder (`en.toml`, `nl.toml`, ...).

A new file here (or in the folder `$RAG_LANGUAGES` names) is a new language for every module that
asks, with no code change: question words, function words, refusal phrases, follow-up openers,
number words, guard phrases, attribution and silence phrases. The modules read it through `get`,
`all_languages` and `union`; nothing here decides anything. It does not detect languages (lang.py).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
EXTRA_ENV = "RAG_LANGUAGES"  # a folder of further language files (tests, a user's own language)


@dataclass(frozen=True)
class Language:
    """What the answer path knows of one language; every field but code and name may be left out of its file.
    Sets are lowercased; tuples keep the file's order (regular-expression alternatives are tried in it)."""

    code: str
    name: str
    question_words: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()
    refusal: str = ""
    closest: str = ""
    number_questions: str = ""  # a regular expression of question words asking for a figure
    name_questions: str = ""  # ... asking for a name
    person_questions: str = ""  # ... asking who (a name, never a thing: "which goal" is a name question too)
    followup_openers: tuple[str, ...] = ()
    anaphors: frozenset[str] = frozenset()
    anaphor_exceptions: tuple[tuple[str, ...], ...] = ()  # (word before, word): not pointing back
    possessives: frozenset[str] = frozenset()
    possessive_suffixes: tuple[str, ...] = ()
    content_free: frozenset[str] = frozenset()
    noun_determiners: frozenset[str] = frozenset()
    guard_ignore: tuple[str, ...] = ()
    guard_targets: tuple[str, ...] = ()
    guard_phrases: tuple[str, ...] = ()
    role_labels: tuple[str, ...] = ()
    attribution: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    source_nouns: tuple[str, ...] = ()
    source_prepositions: tuple[str, ...] = ()
    meta_words: tuple[str, ...] = ()
    silence: tuple[str, ...] = ()
    ambiguous_one: tuple[str, ...] = ()
    hundred_compounds: tuple[str, ...] = ()
    scale_compounds: tuple[str, ...] = ()
    number_words: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (value, words): "2" two, "e9" billion

    @property
    def function_words(self) -> frozenset[str]:
        """Words that say which language a short question is in and nothing about its topic."""
        return self.question_words | self.stopwords


def _value(field: dataclasses.Field, value: object) -> object:
    if field.name == "number_words":
        return tuple((str(k), tuple(v)) for k, v in dict(value).items())
    if isinstance(field.default, frozenset):
        return frozenset(str(w).lower() for w in value)
    if isinstance(field.default, tuple):
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return value


def _load(path: Path) -> Language:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    fields = {f.name: f for f in dataclasses.fields(Language)}
    return Language(**{k: _value(fields[k], v) for k, v in data.items() if k in fields})


def _folders() -> list[Path]:
    extra = os.environ.get(EXTRA_ENV)
    return [HERE] + ([Path(extra)] if extra else [])


ORDER = ("en", "nl", "de", "id")  # the built-in languages first, in this order; others after, by file name


@functools.cache
def _table(folders: tuple[Path, ...]) -> dict[str, Language]:
    found = {lang.code: lang for folder in folders for lang in map(_load, sorted(folder.glob("*.toml")))}
    return dict(sorted(found.items(), key=lambda kv: (ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER), kv[0])))


def all_languages() -> dict[str, Language]:
    """Every known language by code: this folder's files, then those of $RAG_LANGUAGES (which may override)."""
    return _table(tuple(_folders()))


def get(code: str) -> Language | None:
    return all_languages().get(code)


def union(field: str) -> tuple[str, ...]:
    """One field of every known language, in language order, each value once (for one pattern over them all:
    an answer in one language often quotes a source in another)."""
    out: dict[str, None] = {}
    for lang in all_languages().values():
        out.update(dict.fromkeys(getattr(lang, field)))
    return tuple(out)


def stopwords() -> frozenset[str]:
    """Function words of every known language (a question and its sources are often in different ones)."""
    return frozenset().union(*(lang.function_words for lang in all_languages().values()))
