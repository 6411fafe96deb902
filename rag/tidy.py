"""Cleans a model's reply of what is noise rather than a claim, before and after its citations are checked.

Before: file names copied from the prompt's source headers, and a dangling "according to" that
names nobody ("According to, Microsoft …"). After: a sentence saying the sources don't give the
answer ("The price is not mentioned in the text."), a sentence about the sources rather than the
question ("This information is found in source [?].") that no passage supports, and a sentence
in another language than the question's when the answer has one in the right language. A claim
that no passage supports is kept and marked (see citations.py); this module never adds words.
"""

from __future__ import annotations

import re

from . import lang

_FILE = re.compile(r"\s*\(?\b(?:[\w-]+/)*\d{3}_[0-9a-f]{3,}(?:\.\w+)?\b\)?")
_DANGLING = re.compile(
    r"\b(?:according to|volgens|laut|gemäß|menurut|berdasarkan)"
    r"(?:\s+(?:the|de|het|die|der|den|dem|das|an|a|een|sebuah)?\s*"
    r"(?:information|source|sources|article|document|informatie|bron|bronnen|artikel|informationen|quelle|quellen|"
    r"informasi|sumber|dokumen)?\s*(?:in|from|van|uit|in|aus|von|dari|di)?)?\s*(?:\[[^\]]*\]\s*)*[,:]\s*",
    re.I,
)
# Words that make a sentence about the sources ("Dit is gegeven in de bron"), not about the question.
_META = re.compile(
    r"\b(source|sources|article|document|documents|text|bron|bronnen|artikel|tekst|document|quelle|quellen|"
    r"artikel|text|dokument|dokumente|sumber|dokumen|teks)\b",
    re.I,
)
# A sentence saying the sources don't give the answer: how a model told to answer from them says "not found"
# in words (the prompt no longer offers it a NOT_FOUND token). Passive or about the sources only, so that a
# fact stated in the negative ("Microsoft did not invest more") is not taken for one.
_ABSENT = re.compile(
    r"\b(?:is|are|was|were|has not been|have not been|isn't|aren't|wasn't|weren't)\s+not\s+"
    r"(?:explicitly\s+|directly\s+|specifically\s+)?(?:mentioned|provided|given|stated|specified|disclosed|included|available)\b|"
    r"\b(?:isn't|aren't|wasn't|weren't)\s+(?:mentioned|provided|given|stated|specified|disclosed)\b|"
    r"\bno (?:information|mention|data|details?)\b|"
    r"\b(?:text|sources?|documents?|articles?|context)\s+(?:does|do|did)\s*(?:not|n't)\b|"
    r"\b(?:wordt|worden|werd|is|zijn)\s+(?:\w+\s+){0,3}niet\s+(?:vermeld|gegeven|genoemd|gespecificeerd|bekendgemaakt)\b|"
    r"\bgeen (?:informatie|gegevens|vermelding)\b|"
    r"\b(?:wird|werden|wurde|wurden|ist|sind)\s+(?:\w+\s+){0,3}nicht\s+(?:erwähnt|angegeben|genannt|enthalten)\b|"
    r"\bkeine (?:Angaben?|Informationen?|Hinweise?)\b|"
    r"\btidak\s+(?:disebutkan|diberikan|dijelaskan|tersedia|dinyatakan)\b|"
    r"\btidak ada (?:informasi|data|keterangan)\b",
    re.I,
)
MIN_WORDS = 5  # shorter sentences can't be told apart by language reliably


def scrub(reply: str) -> str:
    """The reply without file names and dangling "according to" phrases, sentence case restored."""
    text = _FILE.sub("", reply)
    text = _DANGLING.sub(
        lambda m: "" if m.start() == 0 or text[m.start() - 2 : m.start()].strip() in ".!?" else " ", text
    )
    text = re.sub(r"(^|[.!?]\s+)([a-zà-ÿ])", lambda m: m[1] + m[2].upper(), text.strip())
    return re.sub(r"\s{2,}", " ", text)


def is_meta(sentence: str) -> bool:
    """True for a sentence that talks about the sources ("This is stated in source 1.")."""
    return bool(_META.search(sentence))


def says_absent(sentence: str) -> bool:
    """True for a sentence that says the sources don't give something ("The price is not mentioned in the text.")."""
    return bool(_ABSENT.search(sentence))


def foreign(sentence: str, language: str) -> bool:
    """True for a sentence of MIN_WORDS words or more written in another language than `language`."""
    words = re.findall(r"[^\W\d_]+", sentence)
    return len(words) >= MIN_WORDS and lang.detect(sentence) != language
