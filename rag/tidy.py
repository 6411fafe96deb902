"""Cleans a model's reply of what is noise rather than a claim, before and after its citations are checked.

Before: the file names of the sources shown in the prompt (copied from its source headers) and a
dangling "according to" that names nobody ("According to, Microsoft …"). After: a sentence saying the sources don't give the
answer ("The price is not mentioned in the text."), a sentence about the sources rather than the
question ("This information is found in source [?].") that no passage supports, and a sentence
in another language than the question's when the answer has one in the right language. The phrases
come from the language files (rag/languages/*.toml). A claim that no passage supports is kept and
marked (see citations.py); this module never adds words.
"""

from __future__ import annotations

import functools
import re
from pathlib import PurePosixPath

from . import lang, languages

STEM_PREFIX = 6  # characters of a file's stem that make a shortened name of it
MIN_WORDS = 5  # shorter sentences can't be told apart by language reliably


@functools.cache
def _patterns(table: tuple[languages.Language, ...]) -> dict[str, re.Pattern[str]]:
    """The phrase patterns over every known language (rag/languages/*.toml): an answer may mix them."""

    def alt(field: str) -> str:
        return "|".join(dict.fromkeys(x for lang in table for x in getattr(lang, field)))

    return {
        # "According to, …", "Laut [1], …": an attribution that names nobody.
        "dangling": re.compile(
            rf"\b(?:{alt('attribution')})(?:\s+(?:{alt('articles')})?\s*(?:{alt('source_nouns')})?\s*"
            rf"(?:{alt('source_prepositions')})?)?\s*(?:\[[^\]]*\]\s*)*[,:]\s*",
            re.I,
        ),
        # Words that make a sentence about the sources ("Dit is gegeven in de bron"), not about the question.
        "meta": re.compile(rf"\b({alt('meta_words')})\b", re.I),
        # A sentence saying the sources don't give the answer: how a model told to answer from them says "not
        # found" in words. Passive or about the sources only, so that a fact stated in the negative ("Microsoft
        # did not invest more") is not taken for one.
        "absent": re.compile("|".join(x for lang in table for x in lang.silence), re.I),
    }


def _known() -> dict[str, re.Pattern[str]]:
    return _patterns(tuple(languages.all_languages().values()))


def file_names(sources: list[str]) -> re.Pattern[str] | None:
    """The names under which the prompt showed its sources, optionally in parentheses: the path, the file name,
    and, for a stem that is not a plain word, any word starting with its first characters (the model shortens
    "004_85b4fb37c10d1e96" to "004_85b"; "report" of report.pdf stays a word)."""
    names: set[str] = set()
    for source in sources:
        path = PurePosixPath(source)
        names |= {re.escape(source), re.escape(path.name)}
        if not path.stem.isalpha() and len(path.stem) >= STEM_PREFIX:
            names.add(re.escape(path.stem[:STEM_PREFIX]) + r"[\w.-]*")
    if not names:
        return None
    alts = "|".join(sorted(names, key=len, reverse=True))
    return re.compile(rf"\s*\(?(?<![\w/.-])(?:[\w.-]+/)*(?:{alts})(?![\w-])\)?")


_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+")  # a list item's number or bullet
_OPEN_END = re.compile(r"[^\s.!?:;,]\s*$")  # a line that ends without closing its sentence


def _lines_as_sentences(reply: str) -> str:
    """A list item or a paragraph ends its sentence, its number or bullet dropped: "adalah:\n\n1. New York Times
    [1]\n\nThis source…" was read as a sentence "adalah: 1." and an English one that held the name (qa q51)."""
    lines = reply.split("\n")
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)  # the last line with text
    out = []
    for i, line in enumerate(lines):
        item = _ITEM.match(line)
        body = line[item.end() :] if item else line
        paragraph = i + 1 < len(lines) and not lines[i + 1].strip()
        if (item or paragraph) and i < last and _OPEN_END.search(body):
            body = body.rstrip() + "."
        out.append(body)
    return "\n".join(out)


def scrub(reply: str, sources: list[str] | None = None) -> str:
    """The reply without the shown sources' file names and dangling "according to" phrases, list numbers and
    bullets, its lines and paragraphs ending their sentences, sentence case restored."""
    names = file_names(sources or [])
    text = _lines_as_sentences(reply)
    text = names.sub("", text) if names else text
    text = _known()["dangling"].sub(
        lambda m: "" if m.start() == 0 or text[m.start() - 2 : m.start()].strip() in ".!?" else " ", text
    )
    text = re.sub(r"(^|[.!?]\s+)([a-zà-ÿ])", lambda m: m[1] + m[2].upper(), text.strip())
    return re.sub(r"\s{2,}", " ", text)


def is_meta(sentence: str) -> bool:
    """True for a sentence that talks about the sources ("This is stated in source 1.")."""
    return bool(_known()["meta"].search(sentence))


def says_absent(sentence: str) -> bool:
    """True for a sentence that says the sources don't give something ("The price is not mentioned in the text.")."""
    return bool(_known()["absent"].search(sentence))


def foreign(sentence: str, language: str) -> bool:
    """True for a sentence of MIN_WORDS words or more written in another language than `language`."""
    words = re.findall(r"[^\W\d_]+", sentence)
    return len(words) >= MIN_WORDS and lang.detect(sentence) != language
