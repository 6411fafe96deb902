"""The vector-store seam: a `VectorStore` protocol and the factory that picks a backend from `Settings`.

A store holds chunks and their sentences with one vector each, plus a manifest (settings
fingerprint, per-file sha256, build time). Reads see one committed snapshot; writes (delete a
file's rows, add rows) become visible together at `persist`, the commit point. Backends, one
per file: `faiss_store` (default, embedded) and `milvus_store` (a Milvus Lite file or a Milvus server).
This package does not embed or chunk (see indexer.py) and does not rank (see retrieve.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ...errors import IndexBusy
from ...types import Chunk, Sentence

if TYPE_CHECKING:
    from ...settings import Settings

FIX = "run `python -m rag index`"


class VectorStore(Protocol):
    """One opened index. Read methods see the snapshot named by `version`."""

    kind: str  # "faiss" | "milvus"
    manifest: dict  # {} for a new store; else the settings fingerprint, "files", "built_at", counts
    version: str  # the committed build this snapshot reads ("" before the first persist)

    def committed(self) -> str | None:
        """The version committed at this location now (cheap); None when there is none."""
        ...

    def count(self) -> int:
        """Chunks in this snapshot."""
        ...

    def search(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """Up to k (chunk, cosine) pairs, best first."""
        ...

    def search_sentences(self, vector: np.ndarray, k: int) -> list[tuple[Sentence, float]]:
        """Up to k (sentence, cosine) pairs, best first."""
        ...

    def chunks(self, ids: list[int]) -> list[Chunk | None]:
        """The chunks with these ids, in order (None for an unknown id)."""
        ...

    def all_chunks(self) -> list[Chunk]:
        """Every chunk of this snapshot (for the lexical index, built once per snapshot)."""
        ...

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        """Stored vectors of these chunks, one row each."""
        ...

    def sentence_vectors(self, ids: list[int]) -> list[dict[int, np.ndarray]]:
        """For each chunk id, its sentences' stored vectors keyed by the sentence's start offset."""
        ...

    def delete_file(self, source: str) -> None:
        """Drops every chunk and sentence of `source` (visible after `persist`)."""
        ...

    def add(
        self, chunks: list[Chunk], vectors: np.ndarray, sentences: list[Sentence], sentence_vectors: np.ndarray
    ) -> None:
        """Adds rows (visible after `persist`)."""
        ...

    def persist(self, manifest: dict) -> None:
        """Commits every pending change and `manifest` at once; on failure the previous version stays live."""
        ...


def fingerprint(embed_model: str, dim: int, chunker: dict, index_type: str) -> dict:
    """The settings that must match for an existing index to be searched or updated incrementally."""
    return {"embed_model": embed_model, "dim": dim, "chunker": chunker, "index_type": index_type}


def open_store(settings: Settings) -> VectorStore:
    """The committed index, or IndexMissing / IndexCorrupt / IndexMismatch saying what to run."""
    return _backend(settings).open(settings)


def new_store(settings: Settings, manifest: dict) -> VectorStore:
    """An empty store to fill and persist; the committed one stays live until then."""
    return _backend(settings).create(settings, manifest)


def read_manifest(settings: Settings) -> dict:
    """The committed manifest alone (no vectors are loaded)."""
    return _backend(settings).read_manifest(settings)


@contextmanager
def lock(settings: Settings) -> Iterator[None]:
    """Held while building: a second build on the same index folder stops with IndexBusy."""
    from filelock import FileLock, Timeout

    settings.index.mkdir(parents=True, exist_ok=True)
    file_lock = FileLock(str(settings.index / ".lock"))
    try:
        file_lock.acquire(timeout=0)
    except Timeout as exc:
        raise IndexBusy(
            f"another index build is running on {settings.index}/; wait for it to finish and try again"
        ) from exc
    try:
        yield
    finally:
        file_lock.release()


def release() -> None:
    """Closes the Milvus clients and Lite files this process holds, so another process (or a cleanup) can take them."""
    import sys

    if "rag.backends.stores.milvus_store" in sys.modules:  # never imported: nothing to close, and nothing to import
        sys.modules["rag.backends.stores.milvus_store"].release()


def _backend(settings: Settings):  # noqa: ANN202 - a backend module
    if settings.store == "milvus":
        from . import milvus_store

        return milvus_store
    from . import faiss_store

    return faiss_store
