"""`rag bench --scale`: how build and search cost grow with the corpus, for each vector store.

Generated articles (scalegen.py) of about 1k, 10k and 100k chunks go through the real build path (reading,
chunking, planning, store writes, commit) into FAISS flat, FAISS HNSW, Milvus Lite and, given its URI, a
Milvus server. Each build and its searches run in a fresh process, so peak memory is that build's own.

Vectors come from `SketchEmbedder`, a hashed bag of words, and its time is left out: the embedding model costs
the same per chunk at any corpus size (it embeds fixed-size batches), and embedding 100k chunks with their
sentences takes USE hours on 2 cores. Its throughput is measured once on a sample and added as a projection.
It does not measure the LLM (bench.py) or draw the chart (scale_report.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

SIZES, QUICK_SIZES = (1_000, 10_000, 100_000), (300, 1_000)
STORES = {
    "faiss_flat": {"store": "faiss", "index_type": "flat"},
    "faiss_hnsw": {"store": "faiss", "index_type": "hnsw"},
    "milvus_lite": {"store": "milvus", "index_type": "flat"},
    "milvus_server": {"store": "milvus", "index_type": "flat"},  # only with --milvus-uri
}
_WORD = re.compile(r"\w+")


class SketchEmbedder:
    """Each word adds ±1 to 16 of 512 dimensions picked by its hash (a count sketch); vectors are normalized.
    Texts sharing words lie near each other, as with a real model, at ~10^5 texts/s and no model."""

    name, dim, width = "bench-sketch-512", 512, 16

    def __init__(self) -> None:
        self.seconds = 0.0  # time spent embedding, subtracted from the build's
        self._vocab: dict[str, int] = {}
        self._dims: list[np.ndarray] = []

    def _word(self, word: str) -> int:
        if word not in self._vocab:
            rng = np.random.default_rng(zlib.crc32(word.encode()))
            self._vocab[word] = len(self._dims)
            self._dims.append(rng.choice(self.dim, self.width, replace=False))
        return self._vocab[word]

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        from scipy.sparse import csr_matrix

        t0 = time.perf_counter()
        rows, cols = [], []
        for i, text in enumerate(texts):
            ids = [self._word(w) for w in _WORD.findall(text.lower())]
            rows += [i] * len(ids)
            cols += ids
        counts = csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(texts), len(self._dims)))
        signs = np.where(np.arange(len(self._dims) * self.width) % 2, 1.0, -1.0).astype(np.float32)
        sketch = csr_matrix(
            (signs, np.concatenate(self._dims) if self._dims else [], np.arange(0, signs.size + 1, self.width)),
            shape=(len(self._dims), self.dim),
        )
        vecs = np.asarray((counts @ sketch).todense(), dtype=np.float32)
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
        self.seconds += time.perf_counter() - t0
        return vecs


def _disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _peak_rss() -> int:
    """This process's peak resident memory (VmHWM) in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(job: dict) -> dict:
    """One full build of `job["docs"]` into a store, then single-query searches (run in a fresh process)."""
    import faiss

    from ..backends import stores
    from ..chunker import ChunkerSettings
    from ..indexer import build
    from ..settings import Settings

    settings = Settings().replace(docs=Path(job["docs"]), index=Path(job["index"]), **job["overrides"])
    embedder = SketchEmbedder()
    t0 = time.perf_counter()
    report = build(settings, embedder, ChunkerSettings(), full=True, progress=False)
    build_s = time.perf_counter() - t0 - embedder.seconds
    store, queries = stores.open_store(settings), embedder.embed(job["queries"])
    faiss.omp_set_num_threads(1)  # one question searches one vector; more threads only add overhead
    times, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        hits = store.search(q, 10)
        times.append((time.perf_counter() - t0) * 1000)
        found.append([c.id for c, _ in hits])
    return {
        "chunks": report.chunks,
        "files": len(report.added),
        "build_s": round(build_s, 3),
        "chunks_per_s": round(report.chunks / build_s, 1),
        "peak_rss_mb": round(_peak_rss() / 2**20),
        "disk_mb": None if settings.store_uri else round(_disk_bytes(Path(job["index"])) / 2**20, 1),
        "search_ms_p50": round(float(np.percentile(times, 50)), 3),
        "search_ms_p99": round(float(np.percentile(times, 99)), 3),
        "found": found,
    }


def _in_process(job: dict) -> dict:
    """`measure(job)` in a fresh Python process (its own peak memory); raises with its stderr if it fails."""
    code = "import json, sys; from rag.evaluation.bench_scale import measure; print(json.dumps(measure(json.load(sys.stdin))))"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH")])),
    }
    res = subprocess.run([sys.executable, "-c", code], input=json.dumps(job), capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise RuntimeError(f"scale bench worker failed for {job['name']}:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.splitlines()[-1])


def embedding_rate(docs: Path, model: str, sample: int = 200) -> dict:
    """Chunks per second of the real embedding model, each chunk with its sentences, as `rag index` embeds them."""
    from ..api import embedder
    from ..chunker import chunk_text
    from ..indexer import _embed

    chunks = [c for p in sorted(docs.rglob("*.txt")) for c in chunk_text(p.as_posix(), p.read_text(encoding="utf-8"))]
    chunks = chunks[:sample]
    emb = embedder(model)
    emb.embed(["warm-up"])
    t0 = time.perf_counter()
    _embed(chunks, emb, progress=False)
    seconds = time.perf_counter() - t0
    return {
        "model": model,
        "chunks": len(chunks),
        "seconds": round(seconds, 2),
        "chunks_per_s": round(len(chunks) / seconds, 1),
    }


def run(settings: Any, quick: bool = False, milvus_uri: str | None = None, queries: int = 0) -> dict:
    """Every store at every size; recall@10 against FAISS flat (exact) on the same queries."""
    from .bench import machine
    from .scalegen import queries as probes
    from .scalegen import write_corpus

    sizes, count = (QUICK_SIZES, queries or 30) if quick else (SIZES, queries or 200)
    names = [n for n in STORES if n != "milvus_server" or milvus_uri]
    rows = []
    with tempfile.TemporaryDirectory(prefix="rag-scale-") as tmp:
        for size in sizes:
            docs = Path(tmp) / f"docs-{size}"
            files, _ = write_corpus(docs, size)
            qs, exact = probes(docs, count), None
            for name in names:
                overrides = {**STORES[name], **({"store_uri": milvus_uri} if name == "milvus_server" else {})}
                job = {"name": name, "docs": str(docs), "index": str(Path(tmp) / "index"), "overrides": overrides}
                row = {"store": name, "target": size, **_in_process({**job, "queries": qs})}
                shutil.rmtree(Path(tmp) / "index", ignore_errors=True)
                found = row.pop("found")
                exact = exact or found  # faiss_flat comes first
                row["recall_at_10"] = round(
                    float(np.mean([len(set(a) & set(e)) / max(len(e), 1) for a, e in zip(found, exact)])), 4
                )
                rows.append(row)
                logging.getLogger(__name__).info("scale: %s", json.dumps(row))  # -v: each row as it is measured
        embedding = embedding_rate(Path(tmp) / f"docs-{sizes[0]}", settings.embed_model, 50 if quick else 200)
    for row in rows:
        row["projected_build_s"] = round(row["build_s"] + row["chunks"] / embedding["chunks_per_s"], 1)
    return {
        "quick": quick,
        "machine": machine(),
        "queries": count,
        "sizes": list(sizes),
        "rows": rows,
        "embedding": embedding,
        "growth": growth(rows),
    }


def growth(rows: list[dict]) -> dict:
    """Per store, largest size over smallest: throughput ratio (target ≥ 0.8), build and search time ratios."""
    out = {}
    for name in dict.fromkeys(r["store"] for r in rows):
        mine = [r for r in rows if r["store"] == name]
        small, big = mine[0], mine[-1]
        out[name] = {
            "chunks_ratio": round(big["chunks"] / small["chunks"], 1),
            "throughput_ratio": round(big["chunks_per_s"] / small["chunks_per_s"], 2),
            "build_ratio": round(big["build_s"] / small["build_s"], 1),
            "search_p50_ratio": round(big["search_ms_p50"] / small["search_ms_p50"], 1),
        }
    return out
