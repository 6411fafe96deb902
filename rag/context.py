"""Trims retrieved chunks to the sentences that matter, within a token budget.

Prompt length is the main latency cost on a CPU (~14 s per 1,000 tokens before the first
token on the default model), so the model sees only the best sentences, never whole chunks.
It does not call the LLM.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import guard, qtype
from .chunker import chunk_sentences
from .types import Hit, Passage, Source

# In cosine units; 0.05 gained 3 of the 5, 0.2 no more than 0.1. Switched off (eval/ablate.py): qa facts 35 -> 29
# of 55; held-out facts the same (17 of 47), gold file cited 72% -> 64%.
ANSWER_TYPE_BONUS = 0.1


def _candidates(hits: list[Hit]) -> list[tuple[Hit, int, int, str]]:
    """Every sentence of the hits once (chunks overlap), as (hit, file start, file end, text); a sentence
    giving the model orders (guard.py) is never a candidate, so it is neither shown nor cited."""
    seen: set[tuple[str, int]] = set()
    out = []
    for hit in hits:
        c = hit.chunk
        for start, end in chunk_sentences(c):
            if (c.source, start) not in seen:
                seen.add((c.source, start))
                text = c.text[start - c.start : end - c.start]
                if not guard.addresses_an_ai(text):
                    out.append((hit, start, end, text))
    return out


def select(
    hits: list[Hit],
    query_vec: np.ndarray,
    count_tokens: Callable[[str], int],
    budget: int,
    question: str = "",
    wanted: qtype.Kind | None = None,
) -> tuple[list[Source], list[Passage], dict[tuple[str, int], np.ndarray]]:
    """The sources to show, the sentences in them, and every candidate sentence's vector.

    `wanted` is the kind of answer the question asks for (`qtype.kind`); sentences offering it rank higher."""
    cands = _candidates(hits)
    if not cands:
        return [], [], {}
    # Stored at index time and carried by the hits: no embedding on the way to the first token.
    vecs = np.array([h.sentences[start] for h, start, _, _ in cands])
    # The chunk's relevance carries context the single sentence lacks (names, topic). Ranking by
    # the sentence alone kept two more answer sentences in the budget but no more right answers,
    # and let the model answer an unanswerable question from off-topic sentences.
    scores = [0.5 * float(s) + 0.5 * h.score for (h, *_), s in zip(cands, vecs @ query_vec.reshape(-1))]
    # A sentence holding the kind of answer asked for (a figure, a name) gets a bonus: it put the
    # expected fact in the shown text for 45 of 55 eval questions instead of 40 (held-out: 23 of 32
    # either way; its misses are why/what questions, which get no bonus).
    scores = [s + ANSWER_TYPE_BONUS * qtype.offers(c[3], wanted, question) for s, c in zip(scores, cands)]
    chosen, used, shown = [], 0, set()
    for i in sorted(range(len(cands)), key=lambda i: -scores[i]):
        # A headline repeated in the body, or a sentence two articles share, is shown once.
        key = " ".join(cands[i][3].split()).casefold()
        cost = count_tokens(cands[i][3]) + 2
        if key in shown or (chosen and used + cost > budget):
            continue
        chosen.append(i)
        shown.add(key)
        used += cost
    return (*_group(cands, chosen, scores), {(c[0].chunk.source, c[1]): v for c, v in zip(cands, vecs)})


def _group(cands: list, chosen: list[int], scores: list[float]) -> tuple[list[Source], list[Passage]]:
    """Numbers the chunks that kept a sentence by rank; sentences stay in document order."""
    by_chunk: dict[int, list[int]] = {}
    for i in chosen:
        by_chunk.setdefault(cands[i][0].rank, []).append(i)
    sources, passages = [], []
    for n, rank in enumerate(sorted(by_chunk), start=1):
        idx = sorted(by_chunk[rank], key=lambda i: cands[i][1])
        chunk = cands[idx[0]][0].chunk
        parts = []
        for j, i in enumerate(idx):
            _, start, end, text = cands[i]
            gap = j > 0 and chunk.text[cands[idx[j - 1]][2] - chunk.start : start - chunk.start].strip()
            parts.append(("… " if gap else "") + text)
            passages.append(Passage(n, chunk, start, end, text, scores[i]))
        sources.append(Source(n, chunk.source, " ".join(parts)))
    return sources, passages
