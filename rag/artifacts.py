"""Finds the artefacts that make an answer look broken, so `rag eval` can count them (target: none).

Kinds: an empty citation mark ("[]", "[ , ]"), a dangling "according to" that names nobody
("according to, …", "laut [1]."), a sentence in another language than the question's, a
sentence marked unsupported ("[?]"), and a file name leaked from the prompt ("seeds/004_85b…").
It only reports; it does not repair answers (see citations.py).
"""

from __future__ import annotations

import re

from . import lang

_EMPTY_MARK = re.compile(r"\[[\s,;.]*\]")
_DANGLING = re.compile(
    r"\b(according to|volgens|laut|gemäß|zufolge|menurut|berdasarkan)\s*(?:\[[^\]]*\]\s*)*(?=[,.;:!?]|$)", re.I
)
_FILE = re.compile(r"\b[\w-]+/[\w.-]*\d{3}_[0-9a-f]{3,}|\b\d{3}_[0-9a-f]{6,}")
_MARKS = re.compile(r"\[[^\[\]]*\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
MIN_WORDS = 5  # shorter sentences can't be told apart by language reliably


def foreign_sentences(text: str, language: str) -> list[str]:
    """Sentences of at least MIN_WORDS words detected as a language other than `language`."""
    out = []
    for sentence in _SENTENCE.split(_MARKS.sub(" ", text)):
        if len(re.findall(r"[^\W\d_]+", sentence)) >= MIN_WORDS and lang.detect(sentence) != language:
            out.append(sentence.strip())
    return out


def find(text: str, language: str) -> dict[str, int]:
    """Artefact counts by kind for one answer written for a question in `language`."""
    return {
        "empty_mark": len(_EMPTY_MARK.findall(text)),
        "dangling_according_to": len(_DANGLING.findall(text)),
        "other_language": len(foreign_sentences(text, language)),
        "unsupported_mark": text.count("[?]"),
        "file_name": len(_FILE.findall(text)),
    }
