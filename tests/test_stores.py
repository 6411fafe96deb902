"""Both backends behind the VectorStore seam, for real: FAISS and Milvus Lite with the USE embeddings."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from rag.api import build_index, embedder, open_retriever
from rag.backends.embed import DEFAULT_EMBED
from rag.backends.stores import milvus_store
from rag.errors import IndexMismatch, IndexMissing, RagError, WriteFailed
from tests.conftest import DUTCH, GERMAN, ROOT, opened, release
from tests.test_index import _big_docs

QUERIES = ["Inflection AI Mustafa Suleyman", "Rechenzentren in Bayern", "TD Cowen megawatts", "Noelle Walsh"]


def _rows(store: milvus_store.MilvusStore) -> int:
    """Chunk rows physically in the live collection, whichever build wrote them."""
    return store.client.query(store.chunk_col, filter="build >= 0", output_fields=["count(*)"])[0]["count(*)"]


def _report(report) -> dict:  # noqa: ANN001 - a BuildReport
    return {k: v for k, v in asdict(report).items() if k not in ("seconds", "store")}


def _results(store: str) -> list[list[tuple[str, int]]]:
    retriever = open_retriever("index", store=store)
    return [[(h.chunk.source, h.chunk.id) for h in retriever.search(q, 5)] for q in QUERIES]


def test_same_top5_files_for_every_answerable_question(built_milvus: Path, monkeypatch) -> None:
    monkeypatch.chdir(built_milvus)
    qa = [json.loads(line) for line in (ROOT / "eval" / "qa.jsonl").open(encoding="utf-8")]
    faiss, milvus = open_retriever("index"), open_retriever("index", store="milvus")
    assert milvus.store.kind == "milvus" and milvus.store.count() == faiss.store.count() > 0
    differ = []
    for q in (q for q in qa if q["answerable"]):
        vec = faiss.embedder.embed([q["question"]])
        files = [[h.chunk.source for h in r.search_vector(vec, 5)] for r in (faiss, milvus)]
        if files[0] != files[1]:
            differ.append((q["id"], files))
    assert not differ


def test_incremental_add_change_delete_behave_the_same(workdir: Path) -> None:
    first = {s: _report(build_index("seeds", "index", store=s, progress=False)) for s in ("faiss", "milvus")}
    assert first["faiss"] == first["milvus"] and first["milvus"]["full"]
    german = workdir / GERMAN
    german.write_text(german.read_text(encoding="utf-8") + "\nEin Absatz über Rechenzentren in Bayern.\n", "utf-8")
    (workdir / "seeds" / "zz_new.txt").write_text("Noelle Walsh besuchte ein Rechenzentrum in Bayern.\n", "utf-8")
    (workdir / DUTCH).unlink()
    second = {s: _report(build_index("seeds", "index", store=s, progress=False)) for s in ("faiss", "milvus")}
    assert second["faiss"] == second["milvus"]
    assert second["milvus"]["changed"] == [GERMAN] and second["milvus"]["removed"] == [DUTCH]
    assert second["milvus"]["added"] == ["seeds/zz_new.txt"] and not second["milvus"]["full"]
    assert _results("faiss") == _results("milvus")
    assert DUTCH not in {src for hits in _results("milvus") for src, _ in hits}
    faiss, milvus = opened("index"), opened("index", store="milvus")
    assert milvus.manifest["files"] == faiss.manifest["files"] and milvus.count() == faiss.count()
    # The rows this commit superseded stay (an old snapshot in use stays whole) until the next build.
    assert _rows(milvus) > milvus.count()
    third = {s: _report(build_index("seeds", "index", store=s, progress=False)) for s in ("faiss", "milvus")}
    assert third["faiss"] == third["milvus"] and third["milvus"]["embedded_chunks"] == 0
    assert _rows(opened("index", store="milvus")) == milvus.count()
    assert _results("faiss") == _results("milvus")


def test_dry_run_writes_nothing(workdir: Path, cli) -> None:
    build_index("seeds", "index", store="milvus", progress=False)
    before = opened("index", store="milvus").version
    release()
    (workdir / "seeds" / "new.md").write_text("# Neu\n\nEin neues Dokument.\n", encoding="utf-8")
    (workdir / DUTCH).unlink()
    files = {p: p.stat().st_size for p in (workdir / "index" / "milvus.db").rglob("*") if p.is_file()}
    res = cli("index", "--dry-run", "--store", "milvus", cwd=workdir)
    assert res.returncode == 0, res.stderr
    assert "would index: 1 added, 0 changed, 1 removed, 4 unchanged" in res.stdout
    assert {p: p.stat().st_size for p in (workdir / "index" / "milvus.db").rglob("*") if p.is_file()} == files
    assert opened("index", store="milvus").version == before


def test_other_embedding_model_rebuilds_into_new_collections(workdir: Path) -> None:
    build_index("seeds", "index", store="milvus", progress=False)
    old = opened("index", store="milvus")
    with pytest.raises(IndexMismatch, match="python -m rag index"):
        open_retriever("index", store="milvus", embed_model="all-minilm-l6-v2").search("Microsoft", 3)
    report = build_index("seeds", "index", store="milvus", embed_model="all-minilm-l6-v2", progress=False)
    assert report.full and "embed_model" in report.reason and report.embedded_chunks == report.chunks
    new = opened("index", store="milvus")
    assert new.manifest["dim"] == 384 != old.manifest["dim"] and new.chunk_col != old.chunk_col
    assert open_retriever("index", store="milvus", embed_model="all-minilm-l6-v2").search("Microsoft", 3)
    assert old.search(embedder(DEFAULT_EMBED).embed(["Microsoft"])[0], 1), "the old snapshot still reads"
    build_index("seeds", "index", store="milvus", embed_model="all-minilm-l6-v2", progress=False)
    assert set(new.client.list_collections()) == {"rag_meta", new.chunk_col, new.sentence_col}


def test_failed_commit_keeps_previous_index_and_next_build_cleans_up(workdir: Path, monkeypatch) -> None:
    build_index("seeds", "index", store="milvus", progress=False)
    retriever = open_retriever("index", store="milvus")
    before = [(h.chunk.source, h.chunk.id) for h in retriever.search("Inflection AI", 5)]
    version = retriever.store.version
    _big_docs(workdir, 3)
    client, insert = retriever.store.client, retriever.store.client.insert

    def failing(collection: str, rows: list, **kw):  # noqa: ANN202 - the commit fails, the rows went in
        if collection == milvus_store.META:
            raise OSError("injected failure at the commit")
        return insert(collection, rows, **kw)

    monkeypatch.setattr(client, "insert", failing)
    with pytest.raises(WriteFailed, match="previous index is unchanged"):
        build_index("seeds", "index", store="milvus", progress=False)
    monkeypatch.setattr(client, "insert", insert)
    st = opened("index", store="milvus")
    assert st.version == version and len(st.manifest["files"]) == 5
    assert [(h.chunk.source, h.chunk.id) for h in retriever.search("Inflection AI", 5)] == before
    assert _rows(st) > st.count(), "the failed build's rows are there, unseen"
    report = build_index("seeds", "index", store="milvus", progress=False)
    assert len(report.added) == 3 and not report.full
    st = opened("index", store="milvus")
    assert _rows(st) == st.count(), "the next build deleted them"


def test_sigkill_mid_embedding_leaves_old_index_and_next_build_cleans_up(workdir: Path, cli) -> None:
    build_index("seeds", "index", store="milvus", progress=False)
    old = opened("index", store="milvus")
    release()
    _big_docs(workdir)
    log = workdir / "build.log"
    with log.open("w") as err:
        # --full: new collections exist before embedding starts, the worst leftover to clean.
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag", "index", "--store", "milvus", "--full"],
            cwd=workdir,
            stderr=err,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline and "Batches:" not in log.read_text():
        time.sleep(0.005)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    st = opened("index", store="milvus")
    assert st.version == old.version and len(st.manifest["files"]) == 5
    assert len(st.client.list_collections()) == 5, "the killed build's empty collections are left over"
    release()
    res = cli("search", "Inflection AI", "--json", "--store", "milvus", cwd=workdir)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["hits"]
    res = cli("index", "--quiet", "--store", "milvus", cwd=workdir)
    assert res.returncode == 0, res.stderr
    assert "60 added" in res.stdout
    st = opened("index", store="milvus")
    assert set(st.client.list_collections()) == {"rag_meta", st.chunk_col, st.sentence_col}
    assert _rows(st) == st.count() and len(st.manifest["files"]) == 65


def test_lite_file_open_in_another_process_is_one_line(workdir: Path, cli) -> None:
    build_index("seeds", "index", store="milvus", progress=False)
    res = cli("search", "Microsoft", "--store", "milvus", cwd=workdir)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and "is open in another process" in res.stderr


def test_missing_index_and_unreachable_server_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="python -m rag index --store milvus"):
        opened(tmp_path / "index", store="milvus")
    assert not (tmp_path / "index").exists(), "looking does not create the file"
    with pytest.raises(RagError, match="cannot reach the Milvus server at http://127.0.0.1:9"):
        opened(tmp_path / "index", store="milvus", store_uri="http://127.0.0.1:9")
