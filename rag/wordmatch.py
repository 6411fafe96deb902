"""Matches the question's words to a sentence's words across languages, by their embedding vectors.

A Dutch question and the German sentence that answers it share few words ("ontslagen" and "Entlassung"), so
exact term coverage (lexical.py) misses them, but the multilingual embedder puts a word near its translation.
A question term counts as held by a sentence when one of the sentence's words lies within MATCH cosine of it,
and a sentence scores the share of the question's idf it so holds (context.rank uses it for sentences in
another language than the question's). Each word is embedded once per process. It calls no LLM and does not
translate (crossling.py does, with the model, when asked to); numbers and two-word terms are left out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import lexical
from .lru import LRU, fill

# Cosine at which two words count as one term. qa, fact in the best-ranked sentence at the kept weight:
# 0.6 / 0.7 / 0.8 -> 64% / 66% / 58% (49% without).
MATCH = 0.7
CACHE_SIZE = 20_000  # words; 512 floats each (about 40 MB)


def words(text: str) -> list[str]:
    """The text's specific single words (lexical.terms without its word pairs and numbers), each once."""
    return list(dict.fromkeys(t for t in lexical.terms(text) if " " not in t and not t.isdigit()))


class WordMatcher:
    """Word vectors from a sentence embedder (`embed`: texts -> L2-normalised rows), cached per word."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray]):
        self._embed = embed
        self._cache: LRU[str, np.ndarray] = LRU(CACHE_SIZE)

    def _vectors(self, wanted: list[str]) -> dict[str, np.ndarray]:
        return fill(self._cache, wanted, self._embed)

    def coverage(self, question: str, texts: list[str], idf: Callable[[str], float]) -> list[float]:
        """Per text, the share of the question words' idf that a word of the text matches (0.0 to 1.0)."""
        asked = words(question)
        per_text = [words(t) for t in texts]
        if not asked:
            return [0.0] * len(texts)
        vecs = self._vectors(list(dict.fromkeys(asked + [w for ws in per_text for w in ws])))
        q = np.array([vecs[w] for w in asked])
        weights = np.array([idf(w) for w in asked])
        out = []
        for ws in per_text:
            if not ws:
                out.append(0.0)
                continue
            nearest = (q @ np.array([vecs[w] for w in ws]).T).max(axis=1)
            out.append(float(weights[nearest >= MATCH].sum() / weights.sum()))
        return out
