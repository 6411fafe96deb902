"""Speed on this machine: LLM first token and tokens/s (pipeline vs raw llama.cpp), indexing, vector search."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..backends.llm import Generator
from ..backends.stores import VectorStore
from ..settings import Settings
from ..types import Chunk
from .evaluate import LANGS, load_qa, pct


def machine() -> dict[str, Any]:
    """Cores, CPU model and RAM, read from /proc where available."""
    info = {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)), "cpu": "unknown", "ram_gb": None}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name"))
        meminfo = Path("/proc/meminfo").read_text().split()
        info["ram_gb"] = round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        pass
    return info


def software() -> dict[str, str]:
    from importlib.metadata import version

    import faiss
    import llama_cpp

    return {
        "llama_cpp_python": llama_cpp.__version__,
        "faiss": faiss.__version__,
        "pymilvus": version("pymilvus"),
        "milvus_lite": version("milvus-lite"),
    }


class Recorder:
    """A `Generator` that passes through to the real one and keeps the last messages it was given."""

    def __init__(self, inner: Generator):
        self.inner, self.name, self.n_ctx = inner, inner.name, inner.n_ctx
        self.messages: list[dict] | None = None
        self.max_tokens = 0

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        self.messages, self.max_tokens = messages, max_tokens
        yield from self.inner.stream(messages, max_tokens)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def raw_generation(gen: Generator, messages: list[dict], max_tokens: int) -> tuple[int, float]:
    """(completion tokens, seconds after the first token) from the generator alone, on the pipeline's prompt."""
    t0, ttft, text = time.perf_counter(), 0.0, ""
    for piece in gen.stream(messages, max_tokens):
        ttft = ttft or time.perf_counter() - t0
        text += piece
    return gen.count_tokens(text), time.perf_counter() - t0 - ttft


def bench_llm(questions: list[str], settings: Settings) -> dict[str, Any]:
    """Warm first-token time and generation speed, each prompt also run on the bare generator."""
    from ..api import assistant, generator

    rec = Recorder(generator(settings))
    bot = assistant(settings=settings, llm=lambda: rec)
    bot.ask(questions[0])  # warm-up: first-call costs (threads, caches) are not what users see later
    ttfts, shown, pipe, raw = [], [], [0, 0.0], [0, 0.0]
    for q in questions[1:]:
        rec.messages = None
        t = bot.ask(q).timings
        if rec.messages is None:
            continue  # refused before the LLM ran
        ttfts.append(t.ttft_s)
        shown.append(t.retrieve_s)
        pipe[0] += t.completion_tokens
        pipe[1] += t.total_s - t.ttft_s
        # Right after the pipeline, so both see the same machine load (others share these cores).
        tokens, seconds = raw_generation(rec.inner, rec.messages, rec.max_tokens)
        raw[0] += tokens
        raw[1] += seconds
    gen_tok_s = pipe[0] / pipe[1] if pipe[1] else 0.0
    raw_tok_s = raw[0] / raw[1] if raw[1] else 0.0
    return {
        "model": rec.name,
        "llm_questions": len(ttfts),
        "ttft_s_p50": pct(ttfts, 50),
        "ttft_s_p95": pct(ttfts, 95),
        "sources_s_p50": pct(shown, 50),  # question to the sources the model reads (shown before it writes)
        "gen_tok_s": round(gen_tok_s, 2),
        "raw_gen_tok_s": round(raw_tok_s, 2),
        "gen_ratio": round(gen_tok_s / raw_tok_s, 3) if raw_tok_s else None,
    }


def bench_index(settings: Settings) -> dict[str, Any]:
    """Chunks embedded per second building the documents from scratch (embedder already loaded)."""
    from ..api import build_index

    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        report = build_index(
            settings=settings.replace(index=Path(tmp) / "index", store="faiss"), full=True, progress=False
        )
    return {
        "index_chunks": report.embedded_chunks,
        "index_seconds": round(report.seconds, 3),
        "index_chunks_per_s": round(report.embedded_chunks / report.seconds, 1),
    }


def synthetic(n: int, dim: int, rng: np.random.Generator, centers: np.ndarray) -> np.ndarray:
    """Unit vectors scattered around random topic centers (cosine ~0.7 to their center), like embeddings."""
    v = centers[rng.integers(0, len(centers), n)] + rng.standard_normal((n, dim), dtype=np.float32) / np.sqrt(dim)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# The stores compared at scale: (name, Settings overrides). All go through the VectorStore seam.
STORES = [
    ("faiss_flat", {"store": "faiss", "index_type": "flat"}),
    ("faiss_hnsw", {"store": "faiss", "index_type": "hnsw"}),
    ("milvus_lite", {"store": "milvus", "index_type": "flat"}),  # a Milvus Lite file, exact search
]


def _synthetic_store(settings: Settings, data: np.ndarray) -> VectorStore:
    """A store of `len(data)` one-sentence-free chunks with these vectors, persisted and reopened."""
    from ..backends import stores

    manifest = stores.fingerprint("synthetic", data.shape[1], {}, settings.index_type or "flat")
    target = stores.new_store(settings, manifest)
    chunks = [Chunk(i, f"synthetic/{i // 1000}.txt", 0, 1, 1, 1, "x") for i in range(len(data))]
    counts = Counter(c.source for c in chunks)  # the manifest's chunk count must match the rows stored
    files = {name: {"sha256": "", "chunks": n} for name, n in counts.items()}
    target.add(chunks, data, [], np.zeros((0, data.shape[1]), dtype=np.float32))
    target.persist({**manifest, "files": files, "built_at": ""})
    return stores.open_store(settings)


def bench_search(n: int, queries: int, dim: int = 512, seed: int = 0) -> dict[str, Any]:
    """Build time, memory and single-query latency of each store over n vectors, and recall@10 against exact search."""
    import faiss

    from ..backends import stores

    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((max(n // 100, 10), dim), dtype=np.float32)
    data, qs = synthetic(n, dim, rng, centers), synthetic(queries, dim, rng, centers)
    cores = len(os.sched_getaffinity(0))
    out: dict[str, Any] = {"vectors": n, "dim": dim, "queries": queries}
    found: dict[str, list[set[int]]] = {}
    for name, overrides in STORES:
        with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
            settings = Settings().replace(index=Path(tmp) / "index", **overrides)
            faiss.omp_set_num_threads(cores)  # building is parallel
            rss0, t0 = _rss(), time.perf_counter()
            store = _synthetic_store(settings, data)
            build_s, rss = time.perf_counter() - t0, _rss() - rss0
            # One question searches one vector; faiss splits work across queries, so extra threads only add overhead.
            faiss.omp_set_num_threads(1)
            times, found[name] = [], []
            for q in qs:
                t0 = time.perf_counter()
                hits = store.search(q, 10)
                times.append((time.perf_counter() - t0) * 1000)
                found[name].append({c.id for c, _ in hits})
            out[name] = {
                "build_s": round(build_s, 2),
                "disk_bytes": sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()),
                "rss_delta_bytes": rss,
                "search_ms_p50": pct(times, 50),
                "search_ms_p95": pct(times, 95),
            }
            del store
            stores.release()  # a Milvus Lite file stays open until released; the folder is removed next
    faiss.omp_set_num_threads(cores)
    exact = found["faiss_flat"]
    for name in found:
        out[name]["recall_at_10"] = round(float(np.mean([len(a & e) / 10 for a, e in zip(found[name], exact)])), 4)
    return out


def _texts(n: int, rng: np.random.Generator) -> list[str]:
    """n chunk-like texts of about 60 words, drawn Zipf-like from the seed articles' own words (names included),
    so the vocabulary and its long tail grow as in a real corpus."""
    words = re.findall(r"\w+", " ".join(p.read_text(encoding="utf-8") for p in sorted(Path("seeds").glob("*.txt"))))
    vocab = list(dict.fromkeys(words)) or ["word"]
    ranks = np.minimum(rng.zipf(1.3, size=(n, 60)) - 1, len(vocab) - 1)
    # A tail of names no other text holds (ids, part numbers): what makes a lexical index grow with the corpus.
    return [" ".join(vocab[i] for i in row) + f" item{k}" for k, row in enumerate(ranks)]


def bench_lexical(n: int, queries: int = 100, seed: int = 0) -> dict[str, Any]:
    """Build time, size and query time of the BM25 index (lexical.py) over n generated chunk texts."""
    from ..lexical import Lexical

    rng = np.random.default_rng(seed)
    texts = _texts(n, rng)
    t0 = time.perf_counter()
    index = Lexical(range(n), texts)
    build_s = time.perf_counter() - t0
    times = []
    for i in rng.integers(0, n, queries):
        question = " ".join(texts[i].split()[:6])
        t0 = time.perf_counter()
        index.scores(question)
        times.append((time.perf_counter() - t0) * 1000)
    return {"chunks": n, "build_s": round(build_s, 2), "bytes": index.nbytes(), "query_ms_p50": pct(times, 50)}


def pick_questions(qa: Path, count: int) -> list[str]:
    """Answerable questions taken in turn from each language, so no language dominates the timing."""
    by_lang = {c: [q.question for q in load_qa(qa) if q.answerable and q.lang == c] for c in LANGS}
    turns = [qs[i] for i in range(max(map(len, by_lang.values()), default=0)) for qs in by_lang.values() if i < len(qs)]
    return turns[:count]


def run(qa: Path, settings: Settings, quick: bool) -> dict[str, Any]:
    # --quick: one warm-up and 3 measured questions with short answers, 10k vectors.
    sizes, queries, count = ((10_000,), 100, 4) if quick else ((10_000, 100_000), 200, 9)
    if quick:
        settings = settings.replace(max_tokens=48)
    result: dict[str, Any] = {"quick": quick, "machine": machine(), "software": software()}
    result |= bench_llm(pick_questions(qa, count), settings)
    result |= bench_index(settings)
    scale = [bench_search(n, queries) for n in sizes]
    result["lexical"] = bench_lexical(sizes[-1])
    top = scale[-1]
    result |= {
        "vectors": top["vectors"],
        "search_ms_p50": top["faiss_hnsw"]["search_ms_p50"],
        "search_ms_p95": top["faiss_hnsw"]["search_ms_p95"],
        "search_ms_p50_flat": top["faiss_flat"]["search_ms_p50"],
        "search_ms_p95_flat": top["faiss_flat"]["search_ms_p95"],
        "ann_recall_at_10": top["faiss_hnsw"]["recall_at_10"],
        "search_ms_p50_milvus_lite": top["milvus_lite"]["search_ms_p50"],
        "stores": [name for name, _ in STORES],
        "faiss_threads": {"build": len(os.sched_getaffinity(0)), "search": 1},
        "scale": scale,
    }
    result["targets_met"] = {
        "ttft_s_p50<=8": (result["ttft_s_p50"] or 1e9) <= 8,
        "sources_s_p50<=1": (result["sources_s_p50"] or 1e9) <= 1,
        "gen_ratio>=0.95": (result["gen_ratio"] or 0) >= 0.95,
        "search_ms_p50<=20": result["search_ms_p50"] <= 20,
        "ann_recall_at_10>=0.95": result["ann_recall_at_10"] >= 0.95,
    }
    return result


def text(r: dict[str, Any]) -> str:
    """A short human summary of `run`'s result."""
    m, big = r["machine"], r["scale"][-1]
    stores = "".join(
        f"\n  {name:<12} p50 {big[name]['search_ms_p50']:>8} ms  p95 {big[name]['search_ms_p95']:>8} ms  "
        f"recall@10 {big[name]['recall_at_10']:<6}  build {big[name]['build_s']:>6} s  "
        f"disk {big[name]['disk_bytes'] / 2**20:.0f} MB"
        for name in r["stores"]
    )
    return "\n".join(
        [
            f"machine: {m['usable_cores']} cores, {m['cpu']}, {m['ram_gb']} GB RAM",
            f"LLM {r['model']}: sources shown after {r['sources_s_p50']} s, warm first token median {r['ttft_s_p50']} s "
            f"over {r['llm_questions']} questions; "
            f"{r['gen_tok_s']} tok/s in the pipeline vs {r['raw_gen_tok_s']} raw (ratio {r['gen_ratio']})",
            f"index: {r['index_chunks_per_s']} chunks/s ({r['index_chunks']} chunks in {r['index_seconds']} s)",
            f"search over {r['vectors']:,} vectors: {stores}",
            f"lexical index over {r['lexical']['chunks']:,} chunks: built in {r['lexical']['build_s']} s, "
            f"{r['lexical']['bytes'] / 2**20:.0f} MB, query p50 {r['lexical']['query_ms_p50']} ms",
            "targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in r["targets_met"].items()),
        ]
    )
