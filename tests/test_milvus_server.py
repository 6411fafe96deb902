"""The Milvus server path end to end, against a real Milvus 2.3.5 standalone server (tests/milvus_server.py),
one per session, emptied before each test: index and search through the CLI, an incremental update, a search
while another process builds, a build killed with SIGKILL, and the server stopped under a live `rag serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.api import build_index, open_retriever
from tests.conftest import GERMAN, ROOT, opened
from tests.live import free_port, running
from tests.milvus_server import LocalMilvus
from tests.test_index import _big_docs

pytestmark = pytest.mark.milvus_server
QUESTION = "How much did Microsoft pay for the Inflection AI team?"


@pytest.fixture(scope="session")
def milvus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMilvus]:
    server = LocalMilvus(tmp_path_factory.mktemp("milvus-server"), free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def uri(milvus: LocalMilvus) -> str:
    """The server's URI, with no collection left by an earlier test (started again if one stopped it)."""
    if not milvus.running:
        milvus.start()
    milvus.drop_all()
    return milvus.uri


def top(retriever) -> list[tuple[str, int]]:  # noqa: ANN001 - a Retriever
    return [(h.chunk.source, h.chunk.id) for h in retriever.search(QUESTION, 5)]


def collections(uri: str) -> list[str]:
    from pymilvus import MilvusClient

    return MilvusClient(uri=uri, timeout=30).list_collections()


def start_build(workdir: Path, uri: str, *flags: str) -> tuple[subprocess.Popen, Path]:
    """`rag index` against the server in another process; returns once it is embedding (its progress bar shows)."""
    log = workdir / "build.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag", "index", "--store", "milvus", "--store-uri", uri, *flags],
            cwd=workdir,
            stderr=err,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline and "Batches:" not in log.read_text():
        time.sleep(0.01)
    assert proc.poll() is None, f"the build ended before it embedded: {log.read_text()[-2000:]}"
    return proc, log


def test_index_search_and_incremental_update_through_the_cli(workdir: Path, cli, uri: str, built: Path) -> None:
    flags = ("--store", "milvus", "--store-uri", uri)
    res = cli("index", "--quiet", "--json", *flags, cwd=workdir)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert len(report["added"]) == 5 and report["chunks"] == report["embedded_chunks"] == 80
    res = cli("search", QUESTION, "--json", *flags, cwd=workdir)
    assert res.returncode == 0, res.stderr
    faiss_top = [h.chunk.source for h in open_retriever(built / "index").search(QUESTION, 5)]
    assert [h["source"] for h in json.loads(res.stdout)["hits"]] == faiss_top, "the same passages as FAISS"

    with (workdir / GERMAN).open("a", encoding="utf-8") as f:
        f.write("\nNachtrag: Microsoft baut für 99 Millionen Euro ein Rechenzentrum in Bayern.\n")
    res = cli("index", "--quiet", "--json", *flags, cwd=workdir)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    german_chunks = opened(workdir / "index", store="milvus", store_uri=uri).manifest["files"][GERMAN]["chunks"]
    assert report["changed"] == [GERMAN] and len(report["unchanged"]) == 4 and not report["full"]
    assert report["embedded_chunks"] == german_chunks < report["chunks"], "only the changed file is embedded"
    res = cli("search", "Rechenzentrum in Bayern", "--json", *flags, cwd=workdir)
    assert res.returncode == 0, res.stderr
    best = json.loads(res.stdout)["hits"][0]
    assert best["source"] == GERMAN and "Bayern" in best["text"]


def test_search_while_another_process_builds_reads_the_old_index(workdir: Path, uri: str) -> None:
    build_index("seeds", "index", store="milvus", store_uri=uri, progress=False)
    retriever = open_retriever("index", store="milvus", store_uri=uri)
    before, version = top(retriever), retriever.store.version
    _big_docs(workdir, 15)
    proc, log = start_build(workdir, uri)
    during: list[tuple[str, list, str]] = []  # (version before, top 5, version after) while the build runs

    def search() -> None:
        during.append((retriever.store.version, top(retriever), retriever.store.version))

    # Paused mid-embedding, the build is certainly in progress for three searches: on a fast machine the rest
    # of it can be over before the loop below has searched three times (CI saw two).
    proc.send_signal(signal.SIGSTOP)
    for _ in range(3):
        search()
    proc.send_signal(signal.SIGCONT)
    while proc.poll() is None:
        search()
        time.sleep(0.2)  # leaves the cores to the build
    assert proc.returncode == 0, log.read_text()[-2000:]
    old = [found for v, found, after in during if v == after == version]
    assert len(old) >= 3, "searches were answered while the other process embedded and wrote"
    assert all(found == before for found in old), "each from the old snapshot, whole"
    new = opened("index", store="milvus", store_uri=uri)
    assert len(new.manifest["files"]) == 20 and new.version != version
    assert retriever.store.version == new.version and retriever.store.count() == new.count(), "then the new build"


def test_build_killed_with_sigkill_leaves_the_previous_index_answering(workdir: Path, uri: str) -> None:
    build_index("seeds", "index", store="milvus", store_uri=uri, progress=False)
    old = opened("index", store="milvus", store_uri=uri)
    before = top(open_retriever("index", store="milvus", store_uri=uri))
    _big_docs(workdir, 20)
    # --full: the killed build has created its own collections, the worst leftover to clean.
    proc, _ = start_build(workdir, uri, "--full")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    st = opened("index", store="milvus", store_uri=uri)
    assert st.version == old.version and len(st.manifest["files"]) == 5
    assert len(collections(uri)) == 5, "the killed build's collections are left over, unread"
    assert top(open_retriever("index", store="milvus", store_uri=uri)) == before
    report = build_index("seeds", "index", store="milvus", store_uri=uri, progress=False)
    assert len(report.added) == 20 and not report.full
    st = opened("index", store="milvus", store_uri=uri)
    assert sorted(collections(uri)) == sorted(["rag_meta", st.chunk_col, st.sentence_col]), "and cleaned up"
    assert st.count() == report.chunks and len(st.manifest["files"]) == 25


def ask(base: str) -> httpx.Response:
    body = {"model": "rag", "messages": [{"role": "user", "content": QUESTION}]}
    return httpx.post(f"{base}/v1/chat/completions", json=body, timeout=300)


def test_server_stopped_under_rag_serve_is_one_line_and_recovers(workdir: Path, cli, milvus, uri: str) -> None:
    build_index("seeds", "index", store="milvus", store_uri=uri, progress=False)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RAG_STORE": "milvus",
        "RAG_STORE_URI": uri,
        "RAG_LLM_MODEL": "smollm2-135m",
        "RAG_MAX_TOKENS": "32",
    }
    with running([sys.executable, "-m", "rag", "serve", "--port", str(port)], f"{base}/healthz", workdir, env):
        first = ask(base)
        assert first.status_code == 200, first.text
        milvus.stop()
        down = ask(base)
        assert down.status_code == 503, down.text
        message = down.json()["error"]["message"]
        assert uri in message and "cannot reach the Milvus server" in message and "\n" not in message
        res = cli("search", QUESTION, "--store", "milvus", "--store-uri", uri, cwd=workdir)
        assert res.returncode == 1 and "Traceback" not in res.stderr
        assert res.stderr.count("\n") == 1 and f"cannot reach the Milvus server at {uri}" in res.stderr
        milvus.start()
        back = ask(base)  # the same `rag serve` process, not restarted
        assert back.status_code == 200, back.text
        reply = back.json()
        assert reply["choices"][0]["message"]["content"].strip() and isinstance(reply["found"], bool)
