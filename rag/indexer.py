"""Incremental index builds: embeds only new and changed files, drops deleted ones.

It plans by comparing each file's sha256 with the store's manifest; a different embedding model,
chunker or index type forces a full rebuild. It works through the `VectorStore` seam, so every
backend gets the same plan, `--dry-run` and deletions. It does not search (see retrieve.py).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from .backends import stores
from .backends.embed import Embedder
from .backends.stores import VectorStore
from .chunker import chunk_text, sentences_of
from .documents import read_folder
from .errors import IndexCorrupt, IndexMismatch, IndexMissing
from .settings import Settings
from .types import BuildReport, Chunk, ChunkerSettings, Document

log = logging.getLogger(__name__)


def _previous(settings: Settings, fingerprint: dict, full: bool) -> tuple[VectorStore | None, str]:
    """The store to build on, or None with the reason a full rebuild is needed."""
    if full:
        return None, "--full"
    try:
        old = stores.open_store(settings)
    except IndexMissing:
        return None, "no index yet"
    except IndexCorrupt as exc:
        log.warning("%s", exc)
        return None, "previous index damaged"
    except IndexMismatch:
        return None, "index format changed"
    for key, value in fingerprint.items():
        if old.manifest.get(key) != value:
            log.warning("index was built with %s=%s; rebuilding fully", key, old.manifest.get(key))
            return None, f"{key} changed"
    return old, ""


def _previous_index_type(settings: Settings) -> str:
    """The index type already in use, so a plain rebuild keeps an HNSW index as HNSW."""
    try:
        return stores.read_manifest(settings).get("index_type", "flat")
    except (IndexMissing, IndexCorrupt, IndexMismatch):
        return "flat"


def plan(docs: list[Document], manifest: dict) -> BuildReport:
    before = manifest.get("files", {})
    report = BuildReport()
    for doc in docs:
        prev = before.get(doc.source)
        bucket = report.added if prev is None else report.unchanged if prev["sha256"] == doc.sha256 else report.changed
        bucket.append(doc.source)
    now = {d.source for d in docs}
    report.removed = sorted(s for s in before if s not in now)
    return report


def _embed(fresh: list[Chunk], embedder: Embedder, progress: bool) -> tuple[np.ndarray, list, np.ndarray]:
    """Chunk vectors, the chunks' sentences and their vectors, in one embedding pass."""
    by_id = {c.id: c for c in fresh}
    sents = [s for c in fresh for s in sentences_of(c)]
    texts = [by_id[s.chunk_id].text[s.start - by_id[s.chunk_id].start : s.end - by_id[s.chunk_id].start] for s in sents]
    # Overlapping chunks share sentences: each distinct text is embedded once.
    unique = list(dict.fromkeys(texts))
    vecs = embedder.embed([c.text for c in fresh] + unique, progress=progress)
    row = {t: len(fresh) + i for i, t in enumerate(unique)}
    return vecs[: len(fresh)], sents, vecs[[row[t] for t in texts]].reshape(len(sents), embedder.dim)


def build(
    settings: Settings,
    embedder: Embedder,
    chunker: ChunkerSettings | None = None,
    full: bool = False,
    dry_run: bool = False,
    progress: bool = True,
) -> BuildReport:
    """Brings the index named by `settings` up to date with `settings.docs`; returns what changed."""
    t0 = time.perf_counter()
    chunker = chunker or ChunkerSettings()
    docs = read_folder(settings.docs)
    index_type = settings.index_type or _previous_index_type(settings)
    fingerprint = stores.fingerprint(embedder.name, embedder.dim, chunker.to_dict(), index_type)
    old, reason = _previous(settings, fingerprint, full)
    report = plan(docs, old.manifest if old else {})
    report.full, report.reason, report.dry_run, report.store = old is None, reason, dry_run, settings.store
    if dry_run:
        report.seconds = time.perf_counter() - t0
        return report
    with stores.lock(settings):
        # Reopened under the lock: another build may have committed since the plan was made.
        old, _ = (None, "") if old is None else _previous(settings, fingerprint, False)
        target = old or stores.new_store(settings, fingerprint)
        report = plan(docs, target.manifest) if old else report
        report.full, report.reason, report.dry_run, report.store = old is None, reason, False, settings.store
        for source in report.changed + report.removed:
            target.delete_file(source)
        keep = set(report.unchanged)
        fresh = [c for d in docs if d.source not in keep for c in chunk_text(d.source, d.text, chunker, d.paged)]
        vectors, sents, sent_vectors = _embed(fresh, embedder, progress)
        target.add(fresh, vectors, sents, sent_vectors)
        files = {d.source: {"sha256": d.sha256, "chunks": 0} for d in docs}
        for c in fresh:
            files[c.source]["chunks"] += 1
        for source in keep:
            files[source]["chunks"] = target.manifest["files"][source]["chunks"]
        manifest = {
            **fingerprint,
            "docs": str(settings.docs),
            "files": files,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        target.persist(manifest)
    report.chunks = sum(f["chunks"] for f in files.values())
    report.embedded_chunks = len(fresh)
    report.seconds = time.perf_counter() - t0
    return report
