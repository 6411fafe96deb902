"""Search over the live index; picks up a newly swapped-in build between questions.

It does not generate answers (see answer.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

from . import store
from .chunker import ChunkerSettings
from .embed import Embedder
from .errors import IndexMismatch, UsageError
from .types import Hit

MAX_QUERY_CHARS = 2000  # a longer query only dilutes the embedding


class Retriever:
    """Embeds a query and returns the nearest chunks of the index at `root`."""

    def __init__(self, root: Path, embedder: Embedder, chunker: ChunkerSettings | None = None):
        self.root = root
        self.embedder = embedder
        self.chunker = chunker or ChunkerSettings()
        self._store: store.Store | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> store.Store:
        """The live build; reloaded when `CURRENT` names a new one (cheap check per call)."""
        with self._lock:
            live = store.current_dir(self.root)
            if self._store is None or self._store.path != live:
                fresh = store.load(self.root)
                self._check(fresh.manifest)
                self._store = fresh
            return self._store

    def _check(self, manifest: dict) -> None:
        if manifest.get("embed_model") != self.embedder.name or manifest.get("chunker") != self.chunker.to_dict():
            raise IndexMismatch(
                f"index was built with embedding model {manifest.get('embed_model')!r} and other settings "
                f"than {self.embedder.name!r}; run `python -m rag index` to rebuild it"
            )

    def search(self, query: str, k: int = 5) -> list[Hit]:
        if not query or not query.strip():
            raise UsageError("the question is empty")
        if k < 1:
            raise UsageError("-k must be at least 1")
        vec = self.embedder.embed([query.strip()[:MAX_QUERY_CHARS]])
        return self.search_vector(vec, k)

    def search_vector(self, vec, k: int) -> list[Hit]:  # noqa: ANN001 - numpy row
        pairs = self.store.search(vec.reshape(1, -1), k)[0]
        return [Hit(rank=i + 1, score=s, chunk=c) for i, (c, s) in enumerate(pairs)]
