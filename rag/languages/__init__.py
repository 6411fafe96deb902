"""Per-language knowledge as data: one TOML file per language in this folder (`en.toml`, `nl.toml`, ...).

A new file here is a new language for every module that asks, with no code change. The modules
read it through `get`, `all_languages` and the unions below; nothing here decides anything.
It does not detect languages (see lang.py).
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
EXTRA_ENV = "RAG_LANGUAGES"  # a folder of further language files (tests, a user's own language)


@dataclass(frozen=True)
class Language:
    """What the answer path knows of one language; every field but code and name may be left out of its file."""

    code: str
    name: str
    question_words: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()

    @property
    def function_words(self) -> frozenset[str]:
        """Words that say which language a short question is in and nothing about its topic."""
        return self.question_words | self.stopwords


def _load(path: Path) -> Language:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    sets = {k: frozenset(w.lower() for w in v) for k, v in data.items() if isinstance(v, list)}
    return Language(code=data["code"], name=data["name"], **sets)


def _folders() -> list[Path]:
    extra = os.environ.get(EXTRA_ENV)
    return [HERE] + ([Path(extra)] if extra else [])


@functools.cache
def _table(folders: tuple[Path, ...]) -> dict[str, Language]:
    return {lang.code: lang for folder in folders for lang in map(_load, sorted(folder.glob("*.toml")))}


def all_languages() -> dict[str, Language]:
    """Every known language by code: this folder's files, then those of $RAG_LANGUAGES (which may override)."""
    return _table(tuple(_folders()))


def get(code: str) -> Language | None:
    return all_languages().get(code)


def stopwords() -> frozenset[str]:
    """Function words of every known language (a question and its sources are often in different ones)."""
    return frozenset().union(*(lang.function_words for lang in all_languages().values()))
