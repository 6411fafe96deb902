"""What kind of answer a factoid question asks for (a number or a name), and whether a sentence offers one.

Sentence selection uses it to prefer, among equally relevant sentences, the ones that hold
the asked-for kind of answer: "How much…" wants a figure, "Which analyst…" a name. It knows
question words of the corpus languages (en, nl, de, id) only and does not parse grammar;
a question it cannot type gets no preference.
"""

from __future__ import annotations

import re
from typing import Literal

from . import numbers

Kind = Literal["number", "name"]

# (number, name) question words per language; the first in the question decides ("Which company
# raised doubts about how much compute…" asks for a name), the longer at a tie ("which year").
_WORDS = {
    "en": (r"how (much|many|long|large|big|high)|what (percentage|share|amount)|when|(what|which) (year|month)",
           r"who|whom|which|what (company|bank|firm)"),
    "nl": (r"hoeveel|hoe (lang|groot|hoog)|wanneer|welke? (jaar|maand)", r"wie|welke?"),
    "de": (r"wie (viel|viele|vielen|lange|hoch|gro(ß|ss))|wann|welche[ms] (jahr|monat)", r"wer|wen|wem|welche[rsmn]?"),
    "id": (r"berapa|kapan", r"siapa|mana"),
}  # fmt: skip
_PATTERNS = {
    code: (re.compile(rf"\b({num})\b", re.I), re.compile(rf"\b({name})\b", re.I))
    for code, (num, name) in _WORDS.items()
}
_WORD = re.compile(r"\w+")


def kind(question: str, language: str) -> Kind | None:
    """'number', 'name' or None, from the question words of `language` (English ones if unknown)."""
    number, name = _PATTERNS.get(language, _PATTERNS["en"])
    found = [
        (m.start(), -len(m[0]), kind)
        for pattern, kind in ((number, "number"), (name, "name"))
        if (m := pattern.search(question))
    ]
    return min(found)[2] if found else None


def offers(sentence: str, wanted: Kind | None, question: str) -> bool:
    """True if the sentence holds a figure (or a capitalised word, past its first) the question lacks."""
    if wanted is None:
        return False
    asked = {w.lower() for w in _WORD.findall(question)}
    words = _WORD.findall(sentence)
    if wanted == "number":
        return numbers.has_figure(" ".join(w for w in words if w.lower() not in asked))
    # German capitalises every noun, so this is loose there; it still never favours a sentence
    # whose only names are the ones the question already gave.
    return any(len(w) > 1 and w[0].isupper() and w.lower() not in asked for w in words[1:])
