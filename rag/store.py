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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexCorrupt, IndexMismatch, IndexMissing, WriteFailed
from .types import Chunk, Sentence

FORMAT = 2  # 2: sentence vectors beside the chunk vectors
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


@dataclass(frozen=True)
class Build:
    """What a build writes: chunks and sentences, each with one vector per row."""

    chunks: list[Chunk]
    vectors: np.ndarray
    sentences: list[Sentence]
    sentence_vectors: np.ndarray


class Store:
    """A loaded index: search chunks or sentences by vector, look chunks up by id."""

    def __init__(
        self,
        chunks: list[Chunk],
        faiss_index: Any,
        manifest: dict,
        path: Path | None = None,
        sentences: list[Sentence] | None = None,
        sentence_index: Any = None,
    ):
        self.chunks = chunks
        self.by_id = {c.id: c for c in chunks}
        self.faiss = faiss_index
        self.manifest = manifest
        self.path = path
        self.sentences = sentences or []
        self.sentence_faiss = sentence_index
        self.sentence_by_id = {s.id: s for s in self.sentences}
        self.sentences_of: dict[int, list[Sentence]] = {}
        for sent in self.sentences:
            self.sentences_of.setdefault(sent.chunk_id, []).append(sent)

    def __len__(self) -> int:
        return len(self.chunks)

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[Chunk, float]]]:
        """For each query vector, up to k (chunk, cosine) pairs, best first."""
        return _search(self.faiss, self.by_id, vectors, k)

    def search_sentences(self, vectors: np.ndarray, k: int) -> list[list[tuple[Sentence, float]]]:
        """For each query vector, up to k (sentence, cosine) pairs, best first."""
        return _search(self.sentence_faiss, self.sentence_by_id, vectors, k)

    def chunk_vector(self, chunk_id: int) -> np.ndarray:
        return self.faiss.reconstruct(chunk_id)

    def sentence_vector(self, sentence_id: int) -> np.ndarray:
        return self.sentence_faiss.reconstruct(sentence_id)

    def vectors_by_id(self, sentences: bool = False) -> dict[int, np.ndarray]:
        """Stored vectors keyed by chunk (or sentence) id, so unchanged files need no re-embedding."""
        index = self.sentence_faiss if sentences else self.faiss
        if index is None or index.ntotal == 0:
            return {}
        ids = _faiss().vector_to_array(index.id_map)
        vecs = index.index.reconstruct_n(0, index.ntotal)
        return dict(zip(ids.tolist(), vecs))


def _search(index: Any, by_id: dict, vectors: np.ndarray, k: int) -> list[list[tuple[Any, float]]]:
    if index is None or index.ntotal == 0:
        return [[] for _ in range(len(vectors))]
    scores, ids = index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
    return [[(by_id[int(i)], float(s)) for s, i in zip(row_s, row_i) if i != -1] for row_s, row_i in zip(scores, ids)]


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
    """The live index, or IndexMissing / IndexCorrupt / IndexMismatch with a message that says what to run."""
    folder = current_dir(root)
    manifest = read_manifest(root)
    if manifest.get("format") != FORMAT:
        raise IndexMismatch(
            f"index in {root}/ has format {manifest.get('format')}, this version reads {FORMAT}; {FIX} to rebuild it"
        )
    try:
        chunks = [Chunk(**row) for row in _read_jsonl(folder / "chunks.jsonl")]
        sentences = [Sentence(**row) for row in _read_jsonl(folder / "sentences.jsonl")]
        index = _faiss().read_index(str(folder / "index.faiss"))
        sentence_index = _faiss().read_index(str(folder / "sentences.faiss"))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise IndexCorrupt(f"index in {root}/ is damaged or partially deleted; {FIX} --full") from exc
    if (
        index.ntotal != len(chunks)
        or manifest.get("chunk_count") != len(chunks)
        or sentence_index.ntotal != len(sentences)
    ):
        raise IndexCorrupt(
            f"index in {root}/ is inconsistent ({index.ntotal} vectors, {len(chunks)} chunks); {FIX} --full"
        )
    return Store(chunks, index, manifest, folder, sentences, sentence_index)


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _write_file(path: Path, write: Any) -> None:
    with path.open("wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


def _faiss_bytes(dim: int, index_type: str, ids: list[int], vectors: np.ndarray) -> bytes:
    index = make_faiss(dim, index_type)
    if ids:
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.array(ids, dtype=np.int64))
    return _faiss().serialize_index(index).tobytes()


def _jsonl_bytes(rows: list[Any]) -> bytes:
    return "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _write_build(folder: Path, build: Build, manifest: dict) -> None:
    dim, kind = manifest["dim"], manifest.get("index_type", "flat")
    files = {
        "chunks.jsonl": _jsonl_bytes(build.chunks),
        "index.faiss": _faiss_bytes(dim, kind, [c.id for c in build.chunks], build.vectors),
        "sentences.jsonl": _jsonl_bytes(build.sentences),
        "sentences.faiss": _faiss_bytes(dim, kind, [s.id for s in build.sentences], build.sentence_vectors),
    }
    for name, data in files.items():
        _write_file(folder / name, lambda f, data=data: f.write(data))
    # The manifest goes last: a folder without one was never finished.
    _write_file(folder / "manifest.json", lambda f: f.write(json.dumps(manifest, indent=1).encode()))


def save(root: Path, build: Build, manifest: dict) -> Path:
    """Writes a new build beside the live one and swaps it in atomically; returns its folder."""
    manifest = {**manifest, "format": FORMAT, "chunk_count": len(build.chunks), "sentence_count": len(build.sentences)}
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = root / f".tmp-{stamp}"
    final = root / f"v-{stamp}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        _write_build(tmp, build, manifest)
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
