"""Incremental index builds: embeds only new and changed files, drops deleted ones.

It plans by comparing each file's sha256 with the manifest; a different embedding model,
chunker or index type forces a full rebuild. It does not search (see retrieve.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import store
from .chunker import ChunkerSettings, chunk_text, sentences_of
from .documents import Document, read_folder
from .embed import Embedder
from .errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexMissing
from .types import Chunk, Sentence

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded_chunks: int = 0
    full: bool = False
    reason: str = ""
    seconds: float = 0.0
    dry_run: bool = False

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def summary(self) -> str:
        verb = "would index" if self.dry_run else "indexed"
        return (
            f"{verb}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.unchanged)} unchanged; "
            f"{self.chunks} chunks ({self.embedded_chunks} embedded) in {self.seconds:.1f}s"
            + (f" [full rebuild: {self.reason}]" if self.full and self.reason else "")
        )


def _previous(root: Path, settings: dict, full: bool) -> tuple[store.Store | None, str]:
    """The index to build on, or None with the reason a full rebuild is needed."""
    if full:
        return None, "--full"
    try:
        old = store.load(root)
    except IndexMissing:
        return None, "no index yet"
    except IndexCorrupt as exc:
        log.warning("%s", exc)
        return None, "previous index damaged"
    except IndexMismatch:
        return None, "index format changed"
    for key, value in settings.items():
        if old.manifest.get(key) != value:
            log.warning("index was built with %s=%s; rebuilding fully", key, old.manifest.get(key))
            return None, f"{key} changed"
    return old, ""


def _previous_index_type(root: Path) -> str:
    """The index type already in use, so a plain rebuild keeps an HNSW index as HNSW."""
    try:
        return store.read_manifest(root).get("index_type", "flat")
    except (IndexMissing, IndexCorrupt):
        return "flat"


def plan(docs: list[Document], old: store.Store | None) -> BuildReport:
    before = old.manifest.get("files", {}) if old else {}
    report = BuildReport()
    for doc in docs:
        prev = before.get(doc.source)
        bucket = report.added if prev is None else report.unchanged if prev["sha256"] == doc.sha256 else report.changed
        bucket.append(doc.source)
    now = {d.source for d in docs}
    report.removed = sorted(s for s in before if s not in now)
    return report


def _vectors(
    old: store.Store | None, kept: list[Chunk], fresh: list[Chunk], embedder: Embedder, progress: bool
) -> store.Build:
    """Vectors for every chunk and sentence: stored ones for kept chunks, one embedding pass for the rest."""
    by_id = {c.id: c for c in fresh}
    fresh_sents = [s for c in fresh for s in sentences_of(c)]

    def text(s: Sentence) -> str:
        c = by_id[s.chunk_id]
        return c.text[s.start - c.start : s.end - c.start]

    # Overlapping chunks share sentences: each distinct text is embedded once, in the chunks' pass.
    texts = [text(s) for s in fresh_sents]
    unique = list(dict.fromkeys(texts))
    vecs = embedder.embed([c.text for c in fresh] + unique, progress=progress)
    row = {t: len(fresh) + i for i, t in enumerate(unique)}
    kept_sents = [s for c in kept for s in old.sentences_of.get(c.id, [])] if old else []
    old_c = old.vectors_by_id() if old and kept else {}
    old_s = old.vectors_by_id(sentences=True) if old and kept else {}
    dim = embedder.dim
    return store.Build(
        chunks=kept + fresh,
        vectors=np.vstack([np.array([old_c[c.id] for c in kept]).reshape(-1, dim), vecs[: len(fresh)]]),
        sentences=kept_sents + fresh_sents,
        sentence_vectors=np.vstack(
            [
                np.array([old_s[s.id] for s in kept_sents]).reshape(-1, dim),
                vecs[[row[t] for t in texts]].reshape(-1, dim),
            ]
        ),
    )


def _lock(root: Path):  # noqa: ANN202 - filelock type
    from filelock import FileLock, Timeout

    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise IndexBusy(f"another index build is running on {root}/; wait for it to finish and try again") from exc
    return lock


def build(
    docs_dir: Path,
    root: Path,
    embedder: Embedder,
    chunker: ChunkerSettings | None = None,
    index_type: str | None = None,
    full: bool = False,
    dry_run: bool = False,
    progress: bool = True,
) -> BuildReport:
    """Brings the index at `root` up to date with `docs_dir`; returns what changed."""
    t0 = time.perf_counter()
    chunker = chunker or ChunkerSettings()
    docs = read_folder(docs_dir)
    index_type = index_type or _previous_index_type(root)
    settings = store.manifest_settings(embedder.name, embedder.dim, chunker.to_dict(), index_type)
    old, reason = _previous(root, settings, full)
    report = plan(docs, old)
    report.full, report.reason, report.dry_run = old is None, reason, dry_run
    if dry_run:
        report.seconds = time.perf_counter() - t0
        return report
    lock = _lock(root)
    try:
        keep = set(report.unchanged)
        kept = [c for c in (old.chunks if old else []) if c.source in keep]
        fresh = [c for d in docs if d.source not in keep for c in chunk_text(d.source, d.text, chunker)]
        data = _vectors(old, kept, fresh, embedder, progress)
        chunks = data.chunks
        files = {d.source: {"sha256": d.sha256, "chunks": 0} for d in docs}
        for c in chunks:
            files[c.source]["chunks"] += 1
        manifest = {
            **settings,
            "docs": str(docs_dir),
            "files": files,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        store.save(root, data, manifest)
    finally:
        lock.release()
    report.chunks, report.embedded_chunks = len(chunks), len(fresh)
    report.seconds = time.perf_counter() - t0
    return report
