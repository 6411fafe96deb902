"""What kind of answer a factoid question asks for (a number or a name), and whether a sentence offers one.

Sentence selection uses it to prefer, among equally relevant sentences, the ones that hold
the asked-for kind of answer: "How much…" wants a figure, "Which analyst…" a name; and an answer
to a question that asks for a figure but states none, or asks who but names nobody, is not taken (answer.py). It knows
the question words of the language files (rag/languages/) only and does not parse grammar;
a question it cannot type gets no preference.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from . import citations, grounds, languages, numbers

Kind = Literal["number", "name"]


@functools.cache
def _compiled(lang: languages.Language) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(rf"\b({lang.number_questions})\b", re.I), re.compile(rf"\b({lang.name_questions})\b", re.I)


def _patterns(language: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(number, name) patterns of the language's question words (rag/languages/*.toml), English ones if it has
    none. The first in the question decides ("Which company raised doubts about how much compute…" asks for a
    name), the longer at a tie ("which year")."""
    lang = languages.get(language)
    if lang is None or not (lang.number_questions or lang.name_questions):
        lang = languages.get("en")
    return _compiled(lang)


_WORD = re.compile(r"\w+")


def kind(question: str, language: str) -> Kind | None:
    """'number', 'name' or None, from the question words of `language` (English ones if unknown)."""
    number, name = _patterns(language)
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


def lacks_figure(answer: str, question: str, language: str, relevant: list[str]) -> bool:
    """True if `question` asks for a number and `answer` (its [n] markers aside) states no figure of its own that
    one of the `relevant` sentences (those about the question) holds: it then answers something else
    ("What is Microsoft's current share price?" -> lease cancellations, or an investment sum)."""
    if kind(question, language) != "number":
        return False
    stated = numbers.figures(citations.strip_markers(answer)) - numbers.figures(question, lenient=True)
    return not stated & set().union(*(numbers.figures(t, lenient=True) for t in relevant))


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def other_year(answer: str, question: str, language: str) -> bool:
    """True if `question` asks for a number about a year and `answer` (its [n] markers aside) names years, none of
    them the question's: its figure is of another time ("Hoeveel verlies verwachtte OpenAI voor 2024?" -> the
    10 billion Microsoft invested in early 2023, qa q26)."""
    asked = set(_YEAR.findall(question))
    told = set(_YEAR.findall(citations.strip_markers(answer)))
    return bool(asked and told and not asked & told) and kind(question, language) == "number"


def _asks_who(question: str, language: str) -> bool:
    """Whether one of the question's first two words asks who ("Wie beweerde …", "And who …", "Lalu siapa …")."""
    lang = languages.get(language)
    if lang is None or not lang.person_questions:
        return False
    return any(re.fullmatch(lang.person_questions, w, re.I) for w in _WORD.findall(question)[:2])


def lacks_name(answer: str, question: str, language: str) -> bool:
    """True if `question` asks who (not about names alone: "Who is X?" asks what X is) and `answer` gives no name
    and no figure that the question lacks: it talks around it ("Wie beweerde dat de geldschieters van Stargate
    niet genoeg geld hebben?" -> "De geldschieters van Stargate hebben niet genoeg geld [1].", qa q24)."""
    if not _asks_who(question, language) or grounds.names_alone(question, language):
        return False
    body = citations.strip_markers(answer)
    return not (names_new(body, question) or offers(body, "number", question))


def names_new(text: str, question: str) -> bool:
    """Whether `text` holds a capitalised word, in any place, that is neither the question's nor a function word."""
    known = {w.lower() for w in _WORD.findall(question)} | languages.stopwords()
    return any(len(w) > 1 and w[0].isupper() and w.lower() not in known for w in _WORD.findall(text))
