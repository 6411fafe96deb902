"""Decides from retrieval alone whether the documents can hold an answer, before the model is asked.

They can when a chunk matches the question's meaning (the dense floor) or carries its specific terms
(lexical coverage: the names and rare words the question shares with it, weighed by rarity). They cannot
when the question hinges on a name or number that no retrieved chunk contains ("What is Mistral AI?"):
the model would answer from its own knowledge. `subject` names what an answer must be about (answer.py checks
the chunks the reply cites against it). It does not read the model's reply (citations.py does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import languages, numbers
from .lang import SHORT_WORDS  # up to this many words a question is about the names it gives
from .lexical import Lexical, terms
from .types import Hit

# Below this dense relevance nothing relevant was retrieved (calibrated on eval/qa.jsonl). Switched off, 5 of 7
# unanswerable qa questions were refused instead of 7, and 3 of 8 on the held-out set instead of 5 (eval/ablate.py).
MIN_SCORE = 0.25
# A chunk holding this share of the question's specific terms (idf-weighted) is evidence even below the dense floor:
# short questions built around one name ("Wie is Noelle Walsh?") score 0.15-0.24 dense, 1.0 here.
MIN_COVERAGE = 0.5
# A question whose missing names and numbers carry this share of its specific terms hinges on them.
HINGE_SHARE = 0.5

_WORD = re.compile(r"[^\W_][\w'’-]*")
_ACRONYM = re.compile(r"[A-Z]{1,3}s?")  # US/VS/AS, GPUs: short acronyms differ between languages


@dataclass(frozen=True)
class Grounds:
    """Why retrieval says the documents can (or cannot) answer; `missing` are names no retrieved chunk holds."""

    ok: bool
    dense: float
    coverage: float
    missing: tuple[str, ...] = ()


def names(question: str, language: str) -> list[str]:
    """Capitalised words past the first (any word with an inner capital or a digit: "OpenAI", "365") and
    numbers. German capitalises every noun ("Microsofts Rückzug aus Rechenzentrums-Mietverträgen"), so there a
    plain capitalised word counts only in a short question ("Wer ist Lisa Su?"), where it is what is asked about."""
    words = _WORD.findall(question)
    short = len(words) <= SHORT_WORDS
    out = []
    for i, word in enumerate(words):
        core = re.split(r"['’]", word)[0]
        if core.isdigit() and len(core) > 1:
            out.append(core)
            continue
        if not core[:1].isupper() or _ACRONYM.fullmatch(core):
            continue
        marked = any(c.isupper() or c.isdigit() for part in core.split("-") for c in part[1:])
        if (i == 0 and not marked) or (language == "de" and not (marked or short)):
            continue
        out.append(core)
    return out


def _holds(name: str, vocabulary: set[str]) -> bool:
    """A compound ("Microsoft-Abo") is held when one part is; a part when a word starts like it (Altman, Altmans)."""
    parts = [p for p in re.split(r"[-\s]", name.lower()) if len(p) > 1]
    return any(
        p in vocabulary
        or (len(p) >= 4 and any(w.startswith(p) or (len(w) >= 4 and p.startswith(w)) for w in vocabulary))
        for p in parts
    )


def names_alone(question: str, language: str) -> list[str]:
    """The names of a short question that asks about them and nothing else ("Who is Michael Elias?", "Apa itu
    DeepSeek?"), else []. Any other word ("Wie alt ist Satya Nadella?", "Wer leitet Thrive Capital?") asks for
    something that a sentence naming them need not say."""
    words = _WORD.findall(question)
    if len(words) > SHORT_WORDS:
        return []
    found = names(question, language)
    named = {t for n in found for t in terms(n) if " " not in t}
    # An acronym right after a name is part of it ("Inflection AI", "Command R"); before one it asks ("CEO X").
    named |= {w.lower() for prev, w in zip(words, words[1:]) if _ACRONYM.fullmatch(w) and prev in found}
    asked = {t for t in terms(question) if " " not in t}
    return found if found and asked <= named else []


def holds_all(found: list[str], text: str) -> bool:
    """Whether `text` holds every one of the names `found` (a compound or inflected form counts, as in judge)."""
    vocabulary = set(re.findall(r"\w+", text.lower()))
    return all(_holds(n, vocabulary) for n in found)


def subject(question: str, language: str, hits: list[Hit], lexical: Lexical) -> tuple[str, ...] | None:
    """The question's rarest proper name that a retrieved chunk holds: what an answer must be about. A name is a
    run of capitalised words ("New York Times"), function words ("The") and the common-noun parts of compounds
    ("AI-bedrijf") left out. A name no chunk holds is left to `judge` (it may be another language's spelling)."""
    text = " ".join(h.chunk.text for h in hits)  # a run held by any chunk is held by their union
    held = [run for run in _runs(question, language) if names_in(run, text)]
    return max(
        held,
        key=lambda run: max((lexical.idf(p.lower()) for p in run if lexical.known(p.lower())), default=0.0),
        default=None,
    )


def _runs(question: str, language: str) -> list[tuple[str, ...]]:
    """The question's names (`names`, numbers aside) as runs of neighbouring words, each word's capitalised parts."""
    found, stop = set(names(question, language)), languages.stopwords()
    runs: list[list[str]] = []
    last = -2
    for i, m in enumerate(_WORD.finditer(question)):
        core = re.split(r"['’]", m[0])[0]
        parts = [p for p in core.split("-") if p[:1].isupper() and not _ACRONYM.fullmatch(p) and p.lower() not in stop]
        if core not in found or core.isdigit() or not parts:
            continue
        if i == last + 1 and runs:
            runs[-1] += parts
        else:
            runs.append(parts)
        last = i
    return [tuple(r) for r in runs]


def names_in(run: tuple[str, ...], text: str) -> bool:
    """Whether `text` names `run`: one of its words in any form, or the initials of a longer name ("NYT")."""
    vocabulary = set(re.findall(r"\w+", text.lower()))
    initials = "".join(p[0] for p in run).lower()
    return any(_holds(p, vocabulary) for p in run) or (len(run) > 2 and initials in vocabulary)


def judge(question: str, language: str, hits: list[Hit], lexical: Lexical) -> Grounds:
    """Whether the retrieved `hits` can ground an answer to `question` (see the module docstring)."""
    dense = max((h.dense for h in hits), default=0.0)
    vocabulary = {w for h in hits for w in re.findall(r"\w+", h.chunk.text.lower())}
    figures = set().union(*(numbers.figures(h.chunk.text, lenient=True) for h in hits)) if hits else set()
    missing = tuple(
        n for n in names(question, language) if not (_holds(n, vocabulary) or (n.isdigit() and n in figures))
    )
    # Words the documents never use (a verb form of another language) say nothing either way; names do.
    asked = set(terms(question))
    named = {t for n in names(question, language) for t in terms(n)}
    specific = {t for t in asked if lexical.known(t)} | (named & asked)
    weight = sum(lexical.idf(t) for t in specific)
    lost = sum(lexical.idf(t) for t in {t for n in missing for t in terms(n)} & specific)
    coverage = max((lexical.coverage_of(specific, h.chunk.text) for h in hits), default=0.0)
    if weight and lost / weight >= HINGE_SHARE:
        return Grounds(False, dense, coverage, missing)
    return Grounds(dense >= MIN_SCORE or coverage >= MIN_COVERAGE, dense, coverage, missing)


def without_names(question: str, language: str) -> str:
    """The question with its names left out ("Siapa CEO SoftBank?" -> "Siapa CEO"): what it asks about them."""
    named = {n.lower() for n in names(question, language)} | {
        p.lower() for run in _runs(question, language) for p in run
    }
    kept = [w for w in _WORD.findall(question) if not ({w.lower()} | set(re.split(r"[-'’]", w.lower()))) & named]
    return " ".join(kept)
