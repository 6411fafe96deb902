"""The default backend: FAISS indexes and JSON-lines rows in a folder, swapped in atomically.

Layout of `index/`: one complete build per `v-*` folder and a `CURRENT` file naming the live
one. A build writes a new folder and then replaces `CURRENT` with `os.replace`, so a crash at
any moment (even SIGKILL, or a full disk) leaves the previous build loadable. Each build folder
holds `index.faiss` and `chunks.jsonl` (chunks), `sentences.faiss` and `sentences.jsonl`
(their sentences) and `manifest.json`, written last. It is embedded: one machine, one folder.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import IndexCorrupt, IndexMismatch, IndexMissing, WriteFailed
from ...types import Chunk, Sentence
from . import FIX

if TYPE_CHECKING:
    from ...settings import Settings

FORMAT = 2  # 2: sentence vectors beside the chunk vectors
INDEX_TYPES = ("flat", "hnsw")


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


class FaissStore:
    """A loaded build. Reads use its FAISS indexes; writes collect rows in memory until `persist`."""

    kind = "faiss"

    def __init__(
        self,
        root: Path,
        manifest: dict,
        chunks: list[Chunk],
        sentences: list[Sentence],
        indexes: tuple[Any, Any] | None = None,
        version: str = "",
    ):
        self.root, self.manifest, self.version = root, manifest, version
        self.by_id = {c.id: c for c in chunks}
        self.sentence_by_id = {s.id: s for s in sentences}
        self.sentences_of: dict[int, list[Sentence]] = {}
        for sent in sentences:
            self.sentences_of.setdefault(sent.chunk_id, []).append(sent)
        self.index, self.sentence_index = indexes or (None, None)
        self._vectors: dict[int, np.ndarray] | None = None  # chunk and sentence vectors, once written to

    # Reading

    def committed(self) -> str | None:
        try:
            return (self.root / "CURRENT").read_text().strip()
        except OSError:
            return None

    def count(self) -> int:
        return len(self.by_id)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        return _search(self.index, self.by_id, vector, k)

    def search_sentences(self, vector: np.ndarray, k: int) -> list[tuple[Sentence, float]]:
        return _search(self.sentence_index, self.sentence_by_id, vector, k)

    def chunks(self, ids: list[int]) -> list[Chunk | None]:
        return [self.by_id.get(i) for i in ids]

    def all_chunks(self) -> list[Chunk]:
        return list(self.by_id.values())

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        return np.array([self.index.reconstruct(i) for i in ids], dtype=np.float32).reshape(len(ids), -1)

    def sentence_vectors(self, ids: list[int]) -> list[dict[int, np.ndarray]]:
        return [{s.start: self.sentence_index.reconstruct(s.id) for s in self.sentences_of.get(i, [])} for i in ids]

    # Writing

    def _rows(self) -> dict[int, np.ndarray]:
        """Every stored vector by id (chunk and sentence ids never collide: both are 63-bit hashes)."""
        if self._vectors is None:
            self._vectors = {**_all_vectors(self.index), **_all_vectors(self.sentence_index)}
        return self._vectors

    def delete_file(self, source: str) -> None:
        rows = self._rows()
        for cid in [c.id for c in self.by_id.values() if c.source == source]:
            del self.by_id[cid]
            rows.pop(cid, None)
            for s in self.sentences_of.pop(cid, []):
                del self.sentence_by_id[s.id]
                rows.pop(s.id, None)

    def add(
        self, chunks: list[Chunk], vectors: np.ndarray, sentences: list[Sentence], sentence_vectors: np.ndarray
    ) -> None:
        rows = self._rows()
        for c, v in zip(chunks, vectors):
            self.by_id[c.id], rows[c.id] = c, v
        for s, v in zip(sentences, sentence_vectors):
            self.sentence_by_id[s.id], rows[s.id] = s, v
            self.sentences_of.setdefault(s.chunk_id, []).append(s)

    def persist(self, manifest: dict) -> None:
        rows = self._rows()
        chunks, sentences = list(self.by_id.values()), list(self.sentence_by_id.values())
        manifest = {
            **manifest,
            "store": self.kind,
            "format": FORMAT,
            "chunk_count": len(chunks),
            "sentence_count": len(sentences),
        }
        dim, kind = manifest["dim"], manifest.get("index_type", "flat")
        files = {
            "chunks.jsonl": _jsonl_bytes(chunks),
            "index.faiss": _faiss_bytes(dim, kind, [c.id for c in chunks], rows),
            "sentences.jsonl": _jsonl_bytes(sentences),
            "sentences.faiss": _faiss_bytes(dim, kind, [s.id for s in sentences], rows),
            # The manifest goes last: a folder without one was never finished.
            "manifest.json": json.dumps(manifest, indent=1).encode(),
        }
        self.version = _save(self.root, files)
        self.manifest = manifest


def _all_vectors(index: Any) -> dict[int, np.ndarray]:
    if index is None or index.ntotal == 0:
        return {}
    ids = _faiss().vector_to_array(index.id_map)
    return dict(zip(ids.tolist(), index.index.reconstruct_n(0, index.ntotal)))


def _search(index: Any, by_id: dict, vector: np.ndarray, k: int) -> list[tuple[Any, float]]:
    if index is None or index.ntotal == 0:
        return []
    query = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(1, -1))
    scores, ids = index.search(query, k)
    return [(by_id[int(i)], float(s)) for s, i in zip(scores[0], ids[0]) if i != -1]


# Opening


def current_dir(root: Path) -> Path:
    """The live build folder of an index root."""
    pointer = root / "CURRENT"
    if not pointer.is_file():
        raise IndexMissing(f"no index in {root}/; {FIX}")
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise IndexCorrupt(f"index in {root}/ is unreadable ({exc.strerror}); {FIX}") from exc
    except ValueError as exc:  # random bytes are no UTF-8
        raise IndexCorrupt(f"index in {root}/ is damaged (CURRENT is not a build name); {FIX}") from exc
    # Only a build folder of this root: a damaged pointer must not lead anywhere else ("", "..", "/x").
    if not name.startswith("v-") or "/" in name or "\\" in name or not (root / name).is_dir():
        raise IndexCorrupt(f"index in {root}/ is damaged (CURRENT names no build folder); {FIX}")
    return root / name


def read_manifest(settings: Settings) -> dict:
    return _manifest(settings.index)


def _manifest(root: Path) -> dict:
    folder = current_dir(root)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index in {root}/ is damaged (manifest unreadable); {FIX}") from exc
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"index in {root}/ is damaged (manifest is no JSON object); {FIX}")
    return manifest


def open(settings: Settings) -> FaissStore:  # noqa: A001 - the backend interface's name
    """The live build, or IndexMissing / IndexCorrupt / IndexMismatch with a message that says what to run."""
    root = settings.index
    folder = current_dir(root)
    manifest = _manifest(root)
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
        raise IndexCorrupt(f"index in {root}/ is damaged or partially deleted; {FIX}") from exc
    if (
        index.ntotal != len(chunks)
        or manifest.get("chunk_count") != len(chunks)
        or sentence_index.ntotal != len(sentences)
    ):
        raise IndexCorrupt(
            f"index in {root}/ is inconsistent ({index.ntotal} vectors for {len(chunks)} chunks, "
            f"{sentence_index.ntotal} for {len(sentences)} sentences); {FIX}"
        )
    return FaissStore(root, manifest, chunks, sentences, (index, sentence_index), folder.name)


def create(settings: Settings, manifest: dict) -> FaissStore:
    """An empty store whose first `persist` writes a new build beside the live one."""
    store = FaissStore(settings.index, {}, [], [])
    store._vectors = {}
    return store


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


# Writing a build


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _faiss_bytes(dim: int, index_type: str, ids: list[int], rows: dict[int, np.ndarray]) -> bytes:
    index = make_faiss(dim, index_type)
    if ids:
        vectors = np.ascontiguousarray(np.array([rows[i] for i in ids], dtype=np.float32))
        index.add_with_ids(vectors, np.array(ids, dtype=np.int64))
    return _faiss().serialize_index(index).tobytes()


def _jsonl_bytes(rows: list[Any]) -> bytes:
    return "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _save(root: Path, files: dict[str, bytes]) -> str:
    """Writes a new build folder beside the live one and swaps it in atomically; returns its name."""
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = root / f".tmp-{stamp}"
    final = root / f"v-{stamp}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        for name, data in files.items():
            _write_file(tmp / name, data)
        os.rename(tmp, final)
        pointer = root / f".CURRENT.{stamp}"
        _write_file(pointer, final.name.encode())
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
    return final.name


def prune(root: Path, keep: str) -> None:
    """Removes unfinished temp folders and builds older than the live one (best effort)."""
    for entry in root.iterdir():
        if entry.name == keep or not entry.is_dir():
            continue
        if entry.name.startswith((".tmp-", "v-")):
            shutil.rmtree(entry, ignore_errors=True)
    for entry in root.glob(".CURRENT.*"):
        entry.unlink(missing_ok=True)
