"""Tells a follow-up ("And who co-founded it?") from a new question, in en/nl/de/id, from the words alone.

A question is a follow-up only on a clear sign: it opens with a continuation word ("And …",
"Und …", "Dan …", "What about …"), it has no content of its own ("Why?", "Berapa?"), or it refers
back with a pronoun ("he", "es", "hij", "-nya") while naming no new subject. Anything else is a new
question and is answered exactly as without history. It does not rewrite the question; its word lists
are those of the language files (rag/languages/), and a language without them only gets new questions.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from . import citations, languages


@functools.cache
def _words(table: tuple[languages.Language, ...]) -> dict[str, Any]:
    """The follow-up word lists of every known language (rag/languages/*.toml): a follow-up in one language may
    point back at an exchange in another."""

    def union(field: str) -> frozenset[str]:
        return frozenset().union(*(getattr(lang, field) for lang in table))

    openers = "|".join(o for lang in table for o in lang.followup_openers)
    return {
        # Continuation openers: the question's first words.
        "openers": re.compile(rf"^({openers})\b", re.I),
        # Pronouns and pro-adverbs that point back. Words that are just as often something else are left out of
        # the files: "that" (a conjunction), Dutch "het"/"dat"/"er" (article, conjunction, existential).
        "anaphors": union("anaphors"),
        "exceptions": {tuple(pair) for lang in table for pair in lang.anaphor_exceptions},
        # Possessives mostly point at a subject the question itself names ("Why did OpenAI move its workloads?"),
        # so they count only in a question that names none.
        "possessives": union("possessives"),
        # Question words and function words: what is left after removing them is the question's own content.
        "function": union("content_free"),
    }


def _known() -> dict[str, Any]:
    return _words(tuple(languages.all_languages().values()))


_WORD = re.compile(r"[\w-]+")


def _names(words: list[str], language: str) -> set[str]:
    """Words that name a subject: capitalised past the first word, except German nouns after a determiner."""
    out = set()
    for i, w in enumerate(words[1:], start=1):
        if not w[:1].isupper():
            continue
        lang = languages.get(language)
        if lang and words[i - 1].lower() in lang.noun_determiners and not any(c.isupper() for c in w[1:]):
            continue  # "das Team", "seine Firma": a common noun, not a new subject
        out.add(w.lower())
    return out


def _refers_back(words: list[str], language: str, named: bool) -> bool:
    known, lang = _known(), languages.get(language)
    suffixes = lang.possessive_suffixes if lang else ()
    low = [w.lower() for w in words]
    for i, w in enumerate(low):
        if w in known["anaphors"] and not (i > 0 and (low[i - 1], w) in known["exceptions"]):  # "gibt es"
            return True
        possessive = w in known["possessives"] or any(w.endswith(x) and len(w) > len(x) + 2 for x in suffixes)
        if possessive and not named:  # perusahaannya: its company
            return True
    return False


def is_follow_up(question: str, earlier_text: str, language: str) -> bool:
    """True when `question` leans on the earlier exchange (`earlier_text`: its question and answer)."""
    words = _WORD.findall(question)
    if not words:
        return False
    known = _known()
    if known["openers"].match(question.strip()):
        return True
    content = [w for w in words if w.lower() not in known["function"] | known["anaphors"] | known["possessives"]]
    if not content:
        return True  # "Why?", "Wann?", "Berapa banyak?"
    names = _names(words, language)
    new_names = names - {w.lower() for w in _WORD.findall(earlier_text)}
    return _refers_back(words, language, bool(names)) and not new_names


ECHO = 0.7  # share of words in common (Jaccard) above which a reply is the earlier answer again


def echoes(reply: str, earlier_answer: str) -> bool:
    """True when `reply` is mostly the earlier answer over again (markers and case ignored)."""
    words = [set(_WORD.findall(citations.strip_markers(t).lower())) for t in (reply, earlier_answer)]
    union = words[0] | words[1]
    return bool(union) and len(words[0] & words[1]) / len(union) >= ECHO
