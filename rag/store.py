"""The on-disk index: FAISS vectors, a chunk store and a manifest, swapped in atomically.

Layout of `index/`: one complete build per `v-*` folder and a `CURRENT` file naming the live
one. A build writes a new folder and then replaces `CURRENT` with `os.replace`, so a crash at
any moment leaves the previous build loadable. This module does not embed or chunk.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexCorrupt, IndexMissing, WriteFailed
from .types import Chunk

FORMAT = 1
INDEX_TYPES = ("flat", "hnsw")
FIX = "run `python -m rag index`"


def _faiss() -> Any:
    import faiss  # lazy: keeps `--help` instant

    return faiss


def make_faiss(dim: int, index_type: str = "flat") -> Any:
    """An empty IndexIDMap2 over inner product (cosine on normalized vectors)."""
    faiss = _faiss()
    if index_type == "hnsw":
        inner = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = 80
        inner.hnsw.efSearch = 64
    elif index_type == "flat":
        inner = faiss.IndexFlatIP(dim)
    else:
        raise ValueError(f"unknown index type {index_type!r}; use one of {INDEX_TYPES}")
    return faiss.IndexIDMap2(inner)


class Store:
    """A loaded index: search by vector, look chunks up by id."""

    def __init__(self, chunks: list[Chunk], faiss_index: Any, manifest: dict, path: Path | None = None):
        self.chunks = chunks
        self.by_id = {c.id: c for c in chunks}
        self.faiss = faiss_index
        self.manifest = manifest
        self.path = path

    def __len__(self) -> int:
        return len(self.chunks)

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[Chunk, float]]]:
        """For each query vector, up to k (chunk, cosine) pairs, best first."""
        if not self.chunks:
            return [[] for _ in range(len(vectors))]
        scores, ids = self.faiss.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
        return [
            [(self.by_id[int(i)], float(s)) for s, i in zip(row_s, row_i) if i != -1]
            for row_s, row_i in zip(scores, ids)
        ]

    def vectors_by_id(self) -> dict[int, np.ndarray]:
        """Stored vectors keyed by chunk id, so unchanged files need no re-embedding."""
        if self.faiss.ntotal == 0:
            return {}
        ids = _faiss().vector_to_array(self.faiss.id_map)
        vecs = self.faiss.index.reconstruct_n(0, self.faiss.ntotal)
        return dict(zip(ids.tolist(), vecs))


def current_dir(root: Path) -> Path:
    """The live build folder of an index root."""
    pointer = root / "CURRENT"
    if not pointer.is_file():
        raise IndexMissing(f"no index in {root}/; {FIX}")
    try:
        name = pointer.read_text().strip()
    except OSError as exc:
        raise IndexCorrupt(f"index in {root}/ is unreadable ({exc.strerror}); {FIX} --full") from exc
    return root / name


def read_manifest(root: Path) -> dict:
    try:
        return json.loads((current_dir(root) / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index in {root}/ is damaged (manifest unreadable); {FIX} --full") from exc


def load(root: Path) -> Store:
    """The live index, or IndexMissing / IndexCorrupt with a message that says what to run."""
    folder = current_dir(root)
    manifest = read_manifest(root)
    try:
        with (folder / "chunks.jsonl").open(encoding="utf-8") as f:
            chunks = [Chunk(**json.loads(line)) for line in f]
        index = _faiss().read_index(str(folder / "index.faiss"))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise IndexCorrupt(f"index in {root}/ is damaged or partially deleted; {FIX} --full") from exc
    if index.ntotal != len(chunks) or manifest.get("chunk_count") != len(chunks):
        raise IndexCorrupt(
            f"index in {root}/ is inconsistent ({index.ntotal} vectors, {len(chunks)} chunks); {FIX} --full"
        )
    return Store(chunks, index, manifest, folder)


def _write_file(path: Path, write: Any) -> None:
    with path.open("wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


def _write_build(folder: Path, chunks: list[Chunk], vectors: np.ndarray, manifest: dict) -> None:
    index = make_faiss(manifest["dim"], manifest.get("index_type", "flat"))
    if chunks:
        ids = np.array([c.id for c in chunks], dtype=np.int64)
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
    lines = "".join(json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in chunks)
    _write_file(folder / "chunks.jsonl", lambda f: f.write(lines.encode("utf-8")))
    data = _faiss().serialize_index(index)
    _write_file(folder / "index.faiss", lambda f: f.write(data.tobytes()))
    # The manifest goes last: a folder without one was never finished.
    _write_file(folder / "manifest.json", lambda f: f.write(json.dumps(manifest, indent=1).encode()))


def save(root: Path, chunks: list[Chunk], vectors: np.ndarray, manifest: dict) -> Path:
    """Writes a new build beside the live one and swaps it in atomically; returns its folder."""
    manifest = {**manifest, "format": FORMAT, "chunk_count": len(chunks)}
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = root / f".tmp-{stamp}"
    final = root / f"v-{stamp}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        _write_build(tmp, chunks, vectors, manifest)
        os.rename(tmp, final)
        pointer = root / f".CURRENT.{stamp}"
        _write_file(pointer, lambda f: f.write(final.name.encode()))
        os.replace(pointer, root / "CURRENT")  # the commit point
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        for leftover in root.glob(f".CURRENT.{stamp}"):
            leftover.unlink(missing_ok=True)
        raise WriteFailed(
            f"could not write the index in {root}/ ({exc.strerror or exc}); the previous index is unchanged"
        ) from exc
    prune(root, keep=final.name)
    return final


def prune(root: Path, keep: str) -> None:
    """Removes unfinished temp folders and builds older than the live one (best effort)."""
    for entry in root.iterdir():
        if entry.name == keep or not entry.is_dir():
            continue
        if entry.name.startswith((".tmp-", "v-")):
            shutil.rmtree(entry, ignore_errors=True)
    for entry in root.glob(".CURRENT.*"):
        entry.unlink(missing_ok=True)


def manifest_settings(embed_model: str, dim: int, chunker: dict, index_type: str) -> dict:
    """The settings that must match for an existing index to be reused incrementally."""
    return {"embed_model": embed_model, "dim": dim, "chunker": chunker, "index_type": index_type}
