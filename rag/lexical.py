"""Lexical evidence: a BM25 index (bm25s) over the chunks of one index snapshot, and the question's terms.

A sentence embedding blurs what a short question hinges on: the name in "Who is Brad Smith?", a number,
a rare word. BM25 weighs a shared term by how rare it is, so "Suleyman" counts and "Microsoft" hardly.
Scores are divided by the score the question's terms could reach at most (each term's idf), so a
question whose specific terms the documents lack scores low however well its common words match.
It is built in memory from the chunk texts (milliseconds for thousands of chunks) and is not stored.
It does not embed, and it does not decide anything (retrieve.py and answer.py do).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from . import languages

_TERM = re.compile(r"\w\w+")


def terms(text: str) -> list[str]:
    """Lowercased words of two characters or more, function words of every known language left out, and each
    pair of neighbouring words among them ("microsoft ai"): a name of two words is rarer than either word
    ("CEO Microsoft AI" names one man; "CEO", "Microsoft" and "AI" stand in a dozen chunks)."""
    stop = languages.stopwords()
    words = _TERM.findall(text.lower())
    out = [t for t in words if t not in stop]
    out += [f"{a} {b}" for a, b in zip(words, words[1:]) if a not in stop and b not in stop]
    return out


class Lexical:
    """BM25 over a list of texts (chunk texts, in the order of `ids`)."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str]):
        import bm25s

        # bm25s sets its own logger to DEBUG, which would print "Building index from tokens" on every stderr.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.ids = list(ids)
        tokens = [terms(t) for t in texts]
        self._bm25 = bm25s.BM25()
        self._bm25.index([t or [""] for t in tokens], show_progress=False)
        self._df = Counter(t for doc in tokens for t in set(doc))  # document frequency, as bm25s counts it
        self._n = len(self.ids)

    def nbytes(self) -> int:
        """Memory held by the index: the BM25 score matrix, the vocabulary and the document frequencies."""
        arrays = sum(np.asarray(v).nbytes for v in self._bm25.scores.values() if hasattr(v, "nbytes"))
        words = sum(len(w) + 60 for w in self._bm25.vocab_dict) + sum(len(w) + 60 for w in self._df)
        return int(arrays + words + 8 * len(self.ids))

    def idf(self, term: str) -> float:
        """bm25s's own (Lucene) idf; a term no chunk holds gets the highest."""
        df = self._df.get(term, 0)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> np.ndarray:
        """Per chunk, its BM25 score divided by the sum of the query terms' idf: in [0, 1), 0 without a shared term."""
        q = list(dict.fromkeys(terms(query)))
        if not q or not self._n:
            return np.zeros(self._n, dtype=np.float32)
        top = sum(self.idf(t) for t in q)
        return np.asarray(self._bm25.get_scores(q), dtype=np.float32) / top

    def known(self, term: str) -> bool:
        """True when some chunk holds the term."""
        return term in self._df

    def coverage(self, query: str, text: str) -> float:
        """Share of the query terms' idf that `text` holds: 1.0 when every specific term is there."""
        return self.coverage_of(set(terms(query)), text)

    def coverage_of(self, wanted: set[str], text: str) -> float:
        """Share of the idf of the terms `wanted` that `text` holds."""
        if not wanted:
            return 0.0
        have = set(terms(text))
        return sum(self.idf(t) for t in wanted & have) / sum(self.idf(t) for t in wanted)
