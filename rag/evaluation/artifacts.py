"""Finds the artefacts that make an answer look broken, so `rag eval` can count them (target: none).

Kinds: an empty citation mark ("[]", "[ , ]"), a dangling "according to" that names nobody
("according to, …", "laut [1]."), a sentence in another language than the question's, a
sentence marked unsupported ("[?]"), a source's file name leaked from the prompt, a name
repeated within one short sentence ("Microsoft hat Microsoft für das Team … bezahlt") and a sentence
that copies half the question. It only reports; it does not repair answers (see citations.py).
"""

from __future__ import annotations

import functools
import re

from .. import lang, languages, tidy

_EMPTY_MARK = re.compile(r"\[[\s,;.]*\]")
_MARKS = re.compile(r"\[[^\[\]]*\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
MIN_WORDS = 5  # shorter sentences can't be told apart by language reliably
REPEAT_WORDS = 25  # in a sentence up to this long, a name written twice close together is a garble, not style
REPEAT_GAP = 6  # words between the two
_NAME = re.compile(r"[A-Z][\w-]{2,}")
_WORDS = re.compile(r"\w+")


def foreign_sentences(text: str, language: str) -> list[str]:
    """Sentences of at least MIN_WORDS words detected as a language other than `language`."""
    out = []
    for sentence in _SENTENCE.split(_MARKS.sub(" ", text)):
        if len(re.findall(r"[^\W\d_]+", sentence)) >= MIN_WORDS and lang.detect(sentence) != language:
            out.append(sentence.strip())
    return out


@functools.cache
def _dangling(attribution: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"\b({'|'.join(attribution)})\s*(?:\[[^\]]*\]\s*)*(?=[,.;:!?]|$)", re.I)


def file_names(text: str, sources: list[str]) -> int:
    """How often the answer names a source file (its path, file name or stem, as tidy.scrub strips them)."""
    names = tidy.file_names(sources)
    return len(names.findall(text)) if names else 0


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(_MARKS.sub(" ", text)) if s.strip()]


def repeated_names(text: str) -> list[str]:
    """Sentences of at most REPEAT_WORDS words that write one capitalised name twice, at most REPEAT_GAP words
    apart: a subject repeated as its own object ("Microsoft hat Microsoft … bezahlt", "Microsoft is not the
    primary leader of Microsoft AI")."""
    out = []
    for sentence in _sentences(text):
        words = _WORDS.findall(sentence)
        if len(words) > REPEAT_WORDS:
            continue
        seen: dict[str, int] = {}
        for i, w in enumerate(words):
            if _NAME.fullmatch(w):
                if w in seen and i - seen[w] - 1 <= REPEAT_GAP:
                    out.append(sentence)
                    break
                seen[w] = i
    return out


def copies_question(text: str, question: str) -> list[str]:
    """Sentences sharing a run of at least half the question's words (five at least) with it, in order."""
    q = [w.lower() for w in _WORDS.findall(question)]
    need = max(5, len(q) // 2)
    grams = {tuple(q[i : i + need]) for i in range(len(q) - need + 1)}
    out = []
    for sentence in _sentences(text):
        w = [x.lower() for x in _WORDS.findall(sentence)]
        if any(tuple(w[i : i + need]) in grams for i in range(len(w) - need + 1)):
            out.append(sentence)
    return out


def find(text: str, language: str, question: str = "", sources: list[str] | None = None) -> dict[str, int]:
    """Artefact counts by kind for one answer written for `question` in `language` from `sources` (file names)."""
    return {
        "empty_mark": len(_EMPTY_MARK.findall(text)),
        "dangling_according_to": len(_dangling(languages.union("attribution")).findall(text)),
        "other_language": len(foreign_sentences(text, language)),
        "unsupported_mark": text.count("[?]"),
        "file_name": file_names(text, sources or []),
        "repeated_name": len(repeated_names(text)),
        "copies_question": len(copies_question(text, question)) if question else 0,
    }
