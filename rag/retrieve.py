"""Search over the live index; picks up a newly swapped-in build between questions.

A chunk's relevance mixes its own cosine with that of its best sentence (a long chunk dilutes
the one sentence that answers; a lone sentence lacks the chunk's names and topic). The top k
are then picked by maximal marginal relevance, so overlapping near-copies of one passage don't
crowd out a second article. It does not generate answers (see answer.py).
"""

from __future__ import annotations

import threading

import numpy as np

from . import stores
from .chunker import ChunkerSettings
from .embed import Embedder
from .errors import IndexMismatch, UsageError
from .limits import DEFAULT_K
from .settings import Settings
from .stores import VectorStore
from .types import Hit

MAX_QUERY_CHARS = 2000  # a longer query only dilutes the embedding
CHUNK_WEIGHT = 0.7  # relevance = 0.7 chunk cosine + 0.3 best-sentence cosine
MMR_LAMBDA = 0.7  # 1.0 would rank by relevance alone; lower trades relevance for variety
POOL = 30  # candidates from each of the chunk and sentence indexes


class Retriever:
    """Embeds a query and returns the nearest chunks of the index `settings` names."""

    def __init__(self, settings: Settings, embedder: Embedder, chunker: ChunkerSettings | None = None):
        self.settings = settings
        self.embedder = embedder
        self.chunker = chunker or ChunkerSettings()
        self._store: VectorStore | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> VectorStore:
        """The committed snapshot; reopened when a newer build was committed (cheap check per call)."""
        with self._lock:
            if self._store is None or self._store.committed() != self._store.version:
                fresh = stores.open_store(self.settings)
                self._check(fresh.manifest)
                self._store = fresh
            return self._store

    def _check(self, manifest: dict) -> None:
        if manifest.get("embed_model") != self.embedder.name or manifest.get("chunker") != self.chunker.to_dict():
            raise IndexMismatch(
                f"index was built with embedding model {manifest.get('embed_model')!r} and other settings "
                f"than {self.embedder.name!r}; run `python -m rag index` to rebuild it"
            )

    def search(self, query: str, k: int = DEFAULT_K) -> list[Hit]:
        if not query or not query.strip():
            raise UsageError("the question is empty")
        if k < 1:
            raise UsageError("-k must be at least 1")
        vec = self.embedder.embed([query.strip()[:MAX_QUERY_CHARS]])
        return self.search_vector(vec, k)

    def search_vector(self, vec: np.ndarray, k: int) -> list[Hit]:
        """The k most relevant chunks, near-duplicates of a better one pushed down."""
        st, q = self.store, np.asarray(vec, dtype=np.float32).reshape(-1)  # one snapshot for the whole search
        pool = max(POOL, 2 * k)
        ids = {c.id for c, _ in st.search(q, pool)} | {s.chunk_id for s, _ in st.search_sentences(q, pool)}
        if not ids:
            return []
        cands = sorted(ids)
        chunks, vecs, sents = st.chunks(cands), st.chunk_vectors(cands), st.sentence_vectors(cands)
        best = np.array([max((float(v @ q) for v in d.values()), default=-1.0) for d in sents])
        relevance = CHUNK_WEIGHT * (vecs @ q) + (1 - CHUNK_WEIGHT) * best
        return [
            Hit(rank=r + 1, score=float(relevance[i]), chunk=chunks[i], sentences=sents[i])
            for r, i in enumerate(mmr(relevance, vecs, k))
        ]


def mmr(relevance: np.ndarray, vecs: np.ndarray, k: int, lam: float = MMR_LAMBDA) -> list[int]:
    """Indices picked greedily by lam * relevance - (1 - lam) * max similarity to those already picked."""
    sims = vecs @ vecs.T
    chosen: list[int] = []
    left = list(np.argsort(-relevance, kind="stable"))
    while left and len(chosen) < k:
        penalty = sims[np.ix_(left, chosen)].max(axis=1) if chosen else np.zeros(len(left))
        best = int(np.argmax(lam * relevance[left] - (1 - lam) * penalty))
        chosen.append(int(left.pop(best)))
    return chosen
