"""`rag bench --scale`: generated articles, the hashed embedder, and the quick run through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rag.evaluation.bench_scale import SketchEmbedder
from rag.evaluation.scalegen import LANGS, write_corpus
from tests.conftest import SEEDS


def test_generated_articles_are_seeded_multilingual_and_not_the_seeds(tmp_path: Path) -> None:
    files, chunks = write_corpus(tmp_path / "a", 400, seed=3)
    write_corpus(tmp_path / "b", 400, seed=3)
    texts = {p.relative_to(tmp_path / "a"): p.read_text(encoding="utf-8") for p in (tmp_path / "a").rglob("*.txt")}
    assert len(texts) == files and chunks >= 400
    assert all((tmp_path / "b" / rel).read_text(encoding="utf-8") == t for rel, t in texts.items()), "same seed"
    assert {rel.parts[0] for rel in texts} == set(LANGS)
    seed_sentences = {
        s.strip() for p in SEEDS.glob("*.txt") for s in p.read_text(encoding="utf-8").split(". ") if len(s) > 40
    }
    assert not any(s in t for t in texts.values() for s in seed_sentences), "nothing copied from seeds/"
    assert len(set(texts.values())) == files, "no two articles alike"


def test_sketch_embedder_puts_texts_sharing_words_near() -> None:
    emb = SketchEmbedder()
    a, b, c = emb.embed(["wind farms near Rotterdam", "new wind farms in Rotterdam", "Kaffee in Dresden"])
    assert np.allclose([np.linalg.norm(v) for v in (a, b, c)], 1.0, atol=1e-5)
    assert a @ b > 0.5 > a @ c
    assert emb.seconds > 0


def test_bench_scale_quick_reports_growth_per_store(cli, tmp_path: Path) -> None:
    res = cli("bench", "--scale", "--quick", "--json", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert [(r["store"], r["target"]) for r in out["rows"]] == [
        (store, size) for size in (300, 1000) for store in ("faiss_flat", "faiss_hnsw", "milvus_lite")
    ]
    for row in out["rows"]:
        assert row["chunks"] >= row["target"] and row["files"] > 0
        for key in ("build_s", "chunks_per_s", "peak_rss_mb", "disk_mb", "search_ms_p50", "search_ms_p99"):
            assert row[key] > 0, (row["store"], key)
        assert row["projected_build_s"] > row["build_s"], "the model's embedding time is added"
        assert row["search_ms_p99"] >= row["search_ms_p50"]
    recall = {r["store"]: r["recall_at_10"] for r in out["rows"]}
    assert recall["faiss_flat"] == 1.0 and recall["faiss_hnsw"] >= 0.9 and recall["milvus_lite"] >= 0.99
    assert out["embedding"]["chunks_per_s"] > 0 and out["embedding"]["model"] == "use-multilingual-v3"
    assert set(out["growth"]) == {"faiss_flat", "faiss_hnsw", "milvus_lite"}
    assert "| faiss_hnsw |" in Path(out["report"]).read_text() and Path(out["chart"]).read_bytes()[:4] == b"\x89PNG"
