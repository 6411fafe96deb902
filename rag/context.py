"""Ranks the sentences of the retrieved chunks and keeps the best within a token budget.

Prompt length is the main latency cost on a CPU (~14 s per 1,000 tokens before the first
token on the default model), so the model sees only the best sentences, never whole chunks.
The best-ranked sentence is also what a reader is shown as the closest evidence.
It does not call the LLM and embeds nothing itself (sentence vectors are stored in the index; the question's
translations come from crossling.py, its words matched across languages from wordmatch.py, a second model's
view of each sentence from rerank.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import guard, lang, qtype
from .chunker import chunk_sentences
from .types import Chunk, Hit, Passage, Source

# Each weight below was kept only with a gain on eval/qa.jsonl and no loss on the held-out set (README,
# "Every heuristic earns its place"); figures are where the expected fact ranks among the shown sentences.
SENTENCE_WEIGHT = 0.5  # score = weight x sentence cosine + (1 - weight) x its chunk's relevance
# In cosine units; 0.05 gained 3 of the 5, 0.2 no more than 0.1. Switched off (eval/ablate.py): qa facts 35 -> 29
# of 55; held-out facts the same (17 of 47), gold file cited 72% -> 64%.
ANSWER_TYPE_BONUS = 0.1
# x the share of the question's specific terms (idf-weighted) the sentence holds, in a short question (up to
# lang.SHORT_WORDS words): there the name is what is asked about, and names survive translation. Short questions:
# fact in the best sentence 24 -> 37 of 44. Given to every question it traded one best-sentence hit for one
# in the best three on qa (26/36 against 27/35 of 55), so long questions rank as before.
LEXICAL_BONUS = 0.2
# x the share of the translated question's specific terms a sentence in that language holds (crossling.py), for
# every question: a translation's words are the document's own words. qa, fact in the best sentence at 0 / 0.2 /
# 0.5 / 0.7: 46% / 55% / 60% / 60%; held-out 40% / 55% / 55% / 55% (best three 70% / 74% / 77% / 77%).
TRANSLATION_BONUS = 0.5
# x the share of the question's words a sentence in another language matches word by word (wordmatch.py), for
# every question. qa, fact in the best sentence / best three / shown: 49 / 62 / 82 -> 66 / 73 / 84 (at 0.3 and
# 0.5 also 66% best); held-out 40 / 66 / 83 -> 57 / 74 / 85. Given to same-language sentences too: qa 55% best.
WORD_MATCH_BONUS = 0.4
# In a short question the same-language sentences are matched too, so one holding the asked words ("Mustafa
# Suleyman, CEO Microsoft AI" for "Siapa CEO Microsoft AI?") no longer ranks below another language's sentence
# holding them as loosely (qa q46: fact not shown -> second, answer Sam Altman -> Mustafa Suleyman). Stages, qa 66 /
# 73 / 84 -> 66 / 74 / 86, short 86 / 96 / 98 -> 84 / 98 / 98; for every question length qa fell to 56% best.
MATCH_OWN_LANGUAGE_WHEN_SHORT = True
# x a second embedding model's cosine of the question and the sentence (rerank.py: multilingual E5-small, trained
# on question-passage pairs). E5's cosines lie close together (about 0.75-0.9), so the weight is larger than the
# others'. Stages (best / best three / shown) at 0 / 0.5 / 1 / 2 / 4: qa 36/41/47, 37/41/47, 37/42/47, 37/42/47,
# 33/41/44 of 55; E5 alone 25/37/41. At 1: held-out 27/35/40 -> 28/37/40 of 47, short 37 -> 39 of 44 best.
RERANK_WEIGHT = 1.0
HEADING_PENALTY = 0.1  # a line of its own without a full stop (a headline) rarely holds an answer: qa top 3, 35 -> 36
# A sentence that is itself a question ("Is OpenAI hiervoor verantwoordelijk?") shares the question's words but
# never answers it. It moves no evidence stage on qa, held-out or short; it keeps such questions from numbering
# their source [1] under LEAD_WITH_BEST (below), which cost the co-founder follow-up (tests/test_answer_default.py).
QUESTION_PENALTY = 0.1
# Sources numbered by their best sentence's score (the closest evidence is [1], read first) rather than by their
# chunk's rank. Both on against both off (one run each, 2026-12-03): qa facts 31 -> 35 of 55, gold cited 66% ->
# 74%, follow-ups 5 -> 7 of 8; held-out facts 19 -> 23 of 47, gold cited 68% -> 72%, refusals 6 -> 5 of 8.
LEAD_WITH_BEST = True


@dataclass(frozen=True)
class Version:
    """The question in one document language (crossling.py): its vector, and the share of its specific terms a
    text holds (`lexical.Lexical.coverage`)."""

    vector: np.ndarray
    coverage: Callable[[str], float]


@dataclass(frozen=True)
class Candidate:
    """One sentence of a retrieved chunk (offsets in its document) and its score for the question."""

    hit: Hit
    start: int
    end: int
    text: str
    score: float = 0.0


def _candidates(hits: list[Hit]) -> list[Candidate]:
    """Every sentence of the hits once (chunks overlap); a sentence giving the model orders (guard.py) is
    never a candidate, so it is neither shown nor cited."""
    seen: set[tuple[str, int]] = set()
    out = []
    for hit in hits:
        c = hit.chunk
        for start, end in chunk_sentences(c):
            if (c.source, start) not in seen:
                seen.add((c.source, start))
                text = c.text[start - c.start : end - c.start]
                if not guard.addresses_an_ai(text):
                    out.append(Candidate(hit, start, end, text))
    return out


def _heading(c: Candidate) -> bool:
    """A line of its own without a full stop: a headline or a section title."""
    chunk = c.hit.chunk
    before, after = chunk.text[: c.start - chunk.start], chunk.text[c.end - chunk.start :]
    alone = before.rstrip(" ").endswith("\n") or not before.strip()
    alone = alone and (after.lstrip(" ").startswith("\n") or not after.strip())
    return alone and not c.text.rstrip().endswith((".", "!", "?", "…", ":", "”", "’", '"'))


def _asks(text: str) -> bool:
    """A sentence that is a question itself (closing quotes aside)."""
    return text.rstrip().rstrip('"”’»').endswith("?")


@dataclass(frozen=True)
class Query:
    """What sentences are ranked against: the question's vector and, each optional, the signals drawn from it.

    `wanted` is the kind of answer the question asks for (`qtype.kind`); `coverage` gives the share of the
    question's specific terms a sentence holds (`lexical.Lexical.coverage`); `versions` are the question
    translated into document languages, which `language_of` tells for a chunk; `matched` gives, for sentences
    in another language than the question's (`code`), the share of its words they match
    (`wordmatch.WordMatcher.coverage`); `closeness` gives a second model's cosine of the question and each
    sentence (`rerank.E5Scorer.closeness`)."""

    vector: np.ndarray
    question: str = ""
    wanted: qtype.Kind | None = None
    coverage: Callable[[str], float] | None = None
    versions: dict[str, Version] | None = None
    language_of: Callable[[Chunk], str] | None = None
    code: str = ""
    matched: Callable[[list[str]], list[float]] | None = None
    closeness: Callable[[list[str]], list[float]] | None = None


def rank(hits: list[Hit], query: Query) -> tuple[list[Candidate], dict[tuple[str, int], np.ndarray]]:
    """Every candidate sentence, best first, and its stored vector by (source, start)."""
    cands = _candidates(hits)
    if not cands:
        return [], {}
    q = query
    short = lang.is_short(q.question)
    words = _across(cands, q.code, q.language_of, q.matched, every=short and MATCH_OWN_LANGUAGE_WHEN_SHORT)
    # Stored at index time and carried by the hits: no index embedding on the way to the first token (the second
    # model's `closeness` embeds each sentence once per process, about 7 ms: rerank.py).
    vecs = np.array([c.hit.sentences[c.start] for c in cands])
    cos = vecs @ q.vector.reshape(-1)
    second = q.closeness([c.text for c in cands]) if q.closeness else [0.0] * len(cands)
    scored = []
    for c, v, sim, word_share, close in zip(cands, vecs, cos, words, second):
        version = q.versions.get(q.language_of(c.hit.chunk)) if q.versions and q.language_of else None
        # Against the question in the sentence's own language too: the nearer of the two counts, and the
        # translation's specific terms are evidence as the question's are in a short question.
        s = max(float(sim), float(v @ version.vector)) if version is not None else float(sim)
        # The chunk's relevance carries context the single sentence lacks (names, topic). Ranking by the sentence
        # alone kept two more answer sentences in the budget but no more right answers, and let the model answer
        # an unanswerable question from off-topic sentences.
        score = SENTENCE_WEIGHT * float(s) + (1 - SENTENCE_WEIGHT) * c.hit.score
        score += ANSWER_TYPE_BONUS * qtype.offers(c.text, q.wanted, q.question)
        score += LEXICAL_BONUS * q.coverage(c.text) if q.coverage and short else 0.0
        score += TRANSLATION_BONUS * version.coverage(c.text) if version is not None else 0.0
        score += WORD_MATCH_BONUS * word_share
        score += RERANK_WEIGHT * close
        score -= HEADING_PENALTY * _heading(c)
        score -= QUESTION_PENALTY * _asks(c.text)
        scored.append(Candidate(c.hit, c.start, c.end, c.text, score))
    order = sorted(range(len(scored)), key=lambda i: -scored[i].score)
    return [scored[i] for i in order], {(c.hit.chunk.source, c.start): v for c, v in zip(cands, vecs)}


def _across(
    cands: list[Candidate],
    code: str,
    language_of: Callable[[Chunk], str] | None,
    matched: Callable[[list[str]], list[float]] | None,
    every: bool = False,
) -> list[float]:
    """Per candidate, the share of the question's words it matches if it is in another language than `code`
    (or whatever its language, with `every`), else 0.0."""
    if matched is None or language_of is None:
        return [0.0] * len(cands)
    other = [i for i, c in enumerate(cands) if every or language_of(c.hit.chunk) != code]
    out = [0.0] * len(cands)
    for i, share in zip(other, matched([cands[i].text for i in other]) if other else []):
        out[i] = share
    return out


def select(
    hits: list[Hit], query: Query, count_tokens: Callable[[str], int], budget: int
) -> tuple[list[Source], list[Passage], dict[tuple[str, int], np.ndarray]]:
    """The sources to show, the sentences in them, and every candidate sentence's vector (see `rank`)."""
    ranked, vectors = rank(hits, query)
    return (*fit(ranked, count_tokens, budget), vectors)


def fit(ranked: list[Candidate], count_tokens: Callable[[str], int], budget: int) -> tuple[list[Source], list[Passage]]:
    """The best-ranked sentences that fit in `budget` tokens, grouped into numbered sources."""
    chosen, used, shown = [], 0, set()
    for c in ranked:
        # A headline repeated in the body, or a sentence two articles share, is shown once.
        key = " ".join(c.text.split()).casefold()
        cost = count_tokens(c.text) + 2
        if key in shown or (chosen and used + cost > budget):
            continue
        chosen.append(c)
        shown.add(key)
        used += cost
    return _group(chosen)


def _group(chosen: list[Candidate]) -> tuple[list[Source], list[Passage]]:
    """Numbers the chunks that kept a sentence by their best sentence (LEAD_WITH_BEST) or by rank; sentences stay
    in document order."""
    by_chunk: dict[int, list[Candidate]] = {}
    for c in chosen:
        by_chunk.setdefault(c.hit.rank, []).append(c)
    order = sorted(by_chunk)
    if LEAD_WITH_BEST:
        order.sort(key=lambda r: -max(c.score for c in by_chunk[r]))
    sources, passages = [], []
    for n, hit_rank in enumerate(order, start=1):
        group = sorted(by_chunk[hit_rank], key=lambda c: c.start)
        chunk = group[0].hit.chunk
        parts = []
        for j, c in enumerate(group):
            gap = j > 0 and chunk.text[group[j - 1].end - chunk.start : c.start - chunk.start].strip()
            parts.append(("… " if gap else "") + c.text)
            passages.append(Passage(n, chunk, c.start, c.end, c.text, c.score))
        sources.append(Source(n, chunk.source, " ".join(parts)))
    return sources, passages


def evidence(ranked: list[Candidate]) -> Passage | None:
    """The best-ranked sentence, as a passage of no source number (0): the closest evidence a reader is shown."""
    if not ranked:
        return None
    c = ranked[0]
    return Passage(0, c.hit.chunk, c.start, c.end, c.text, c.score)
