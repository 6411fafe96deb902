"""Tells a follow-up ("And who co-founded it?") from a new question, in en/nl/de/id, from the words alone.

A question is a follow-up only on a clear sign: it opens with a continuation word ("And …",
"Und …", "Dan …", "What about …"), it has no content of its own ("Why?", "Berapa?"), or it refers
back with a pronoun ("he", "es", "hij", "-nya") while naming no new subject. Anything else is a new
question and is answered exactly as without history. It does not rewrite the question and does not
know other languages (their questions are always new ones).
"""

from __future__ import annotations

import re

from . import citations

# Continuation openers: the question's first words.
_OPENERS = re.compile(
    r"^(and|also|so|but|then|what about|how about|and what|"
    r"en|ook|maar|dus|en wat|hoe zit het|wat dacht je van|"
    r"und|auch|aber|also|was ist mit|wie steht es|"
    r"dan|lalu|terus|juga|tapi|kalau|bagaimana dengan)\b",
    re.I,
)
# Pronouns and pro-adverbs that point back. Words that are just as often something else are left
# out: "that" (a conjunction), Dutch "het"/"dat"/"er" (article, conjunction, existential).
_ANAPHORS = set(
    "he she him they them it this these those there "
    "hij zij ze hem hen dit deze daar daarvoor daarmee daarover daarna ervoor erover ermee "
    "er sie ihn ihm es dies diese dieser dieses dafür dabei damit darüber dort damals deren dessen "
    "dia mereka beliau ia itu ini tersebut".split()
)
# Possessives mostly point at a subject the question itself names ("Why did OpenAI move its
# workloads?"), so they count only in a question that names none (Indonesian: the suffix -nya).
_POSSESSIVES = set(
    "his her hers its their theirs haar hun ihr ihre ihren ihrem sein seine seinen seinem seiner".split()
)
# Question words and function words: what is left after removing them is the question's own content.
_FUNCTION = set(
    "what which who whom whose when where why how much many long is are was were do does did the a an of to in "
    "on for at by with from about did has have had will would can could should and also so but then please "
    "wat welke welk wie wanneer waar waarom hoe hoeveel lang is zijn was waren de een van in op voor aan met "
    "over heeft hebben had werd wordt en ook maar dan "
    "was welche welcher welches welchen wer wen wem wann wo warum wieso wie viel viele lange ist sind war "
    "waren der die das den dem des ein eine einen einem einer von zu im in auf für an mit über hat haben hatte "
    "wurde wird und auch aber dann denn "
    "apa yang siapa kapan mana di mengapa kenapa bagaimana berapa lama adalah ialah itu ini dari ke untuk "
    "dengan tentang oleh pada dan juga tapi lalu sudah telah akan".split()
)
_DETERMINERS = set(
    "der die das den dem des ein eine einen einem einer sein seine seinen seinem ihr ihre ihren ihrem "
    "welche welcher welches welchen dieser diese dieses diesen kein keine".split()
)
_WORD = re.compile(r"[\w-]+")


def _names(words: list[str], language: str) -> set[str]:
    """Words that name a subject: capitalised past the first word, except German nouns after a determiner."""
    out = set()
    for i, w in enumerate(words[1:], start=1):
        if not w[:1].isupper():
            continue
        if language == "de" and words[i - 1].lower() in _DETERMINERS and not any(c.isupper() for c in w[1:]):
            continue  # "das Team", "seine Firma": a common noun, not a new subject
        out.add(w.lower())
    return out


def _refers_back(words: list[str], language: str, named: bool) -> bool:
    low = [w.lower() for w in words]
    for i, w in enumerate(low):
        if w in _ANAPHORS and not (w == "es" and i > 0 and low[i - 1] == "gibt"):  # "gibt es" is no reference
            return True
        possessive = w in _POSSESSIVES or (language == "id" and w.endswith("nya") and len(w) > 5)  # perusahaannya
        if possessive and not named:
            return True
    return False


def is_follow_up(question: str, earlier_text: str, language: str) -> bool:
    """True when `question` leans on the earlier exchange (`earlier_text`: its question and answer)."""
    words = _WORD.findall(question)
    if not words:
        return False
    if _OPENERS.match(question.strip()):
        return True
    content = [w for w in words if w.lower() not in _FUNCTION | _ANAPHORS | _POSSESSIVES]
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
