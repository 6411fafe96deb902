"""Reliability rows not covered elsewhere: settings changes and questions during a rebuild, on both backends."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rag import context
from rag.api import build_index, embedder, open_retriever
from rag.backends.embed import DEFAULT_EMBED
from rag.errors import IndexMismatch
from rag.indexer import build
from rag.retrieve import Retriever
from rag.settings import Settings
from rag.types import ChunkerSettings
from tests.conftest import opened

HERE = Settings().replace(docs=Path("seeds"), index=Path("index"))


def test_changed_chunker_settings_are_refused_then_rebuilt_fully(workdir: Path, store: str) -> None:
    here = HERE.replace(store=store)
    build_index("seeds", "index", store=store, progress=False)
    other = ChunkerSettings(max_chars=300)
    with pytest.raises(IndexMismatch, match="python -m rag index"):
        Retriever(here, embedder(DEFAULT_EMBED), other).search("Microsoft", 3)
    report = build(here, embedder(DEFAULT_EMBED), other, progress=False)
    assert report.full and "chunker" in report.reason and report.embedded_chunks == report.chunks
    assert opened("index", store=store).manifest["chunker"]["max_chars"] == 300
    assert Retriever(here, embedder(DEFAULT_EMBED), other).search("Microsoft", 3)


class SlowEmbedder:
    """The real embedder, held back in the build thread so questions can arrive mid-build."""

    def __init__(self, release: threading.Event, started: threading.Event):
        self.inner = embedder(DEFAULT_EMBED)
        self.name, self.dim = self.inner.name, self.inner.dim
        self.release, self.started = release, started

    def embed(self, texts: list[str], progress: bool = False):  # noqa: ANN201 - numpy array
        if threading.current_thread() is not threading.main_thread():
            self.started.set()
            assert self.release.wait(60)
        return self.inner.embed(texts, progress)


def test_questions_during_a_rebuild_use_the_old_index_until_the_swap(workdir: Path, store: str) -> None:
    """On Milvus Lite the build thread and the questions share this process's one client of the file."""
    build_index("seeds", "index", store=store, progress=False)
    retriever = open_retriever("index", store=store)
    new_file = "seeds/zz_new.txt"
    (workdir / new_file).write_text(
        "Ein Rechenzentrum in Bayern wurde eröffnet. Es kostet 3 Milliarden Euro.\n", encoding="utf-8"
    )
    release, started = threading.Event(), threading.Event()
    slow = SlowEmbedder(release, started)
    builder = threading.Thread(target=build, args=(HERE.replace(store=store), slow), kwargs={"progress": False})
    builder.start()
    assert started.wait(60)
    during = retriever.search("Rechenzentrum in Bayern", 10)
    assert during and new_file not in {h.chunk.source for h in during}
    release.set()
    builder.join(120)
    after = retriever.search("Rechenzentrum in Bayern", 3)
    assert after[0].chunk.source == new_file, "the same retriever picks up the swapped-in build"


def test_plain_rebuild_keeps_the_index_type(workdir: Path, store: str) -> None:
    build_index("seeds", "index", store=store, index_type="hnsw", progress=False)
    (workdir / "seeds" / "zz_new.txt").write_text("Ein neues Rechenzentrum in Bayern.\n", encoding="utf-8")
    report = build_index("seeds", "index", store=store, progress=False)
    assert not report.full and report.embedded_chunks == 1
    st = opened("index", store=store)
    assert st.manifest["index_type"] == "hnsw"
    if store == "milvus":  # Milvus's own HNSW index, not a silent fallback to another type
        assert {st.client.describe_index(c, "vec")["index_type"] for c in (st.chunk_col, st.sentence_col)} == {"HNSW"}
    hits = open_retriever("index", store=store).search("Rechenzentrum Bayern", 1)
    assert hits[0].chunk.source == "seeds/zz_new.txt"


def test_hits_keep_their_sentence_vectors_when_a_rebuild_swaps_in_meanwhile(workdir: Path, store: str) -> None:
    """A question retrieved just before a swap is trimmed with its own build's vectors, not the new one's."""
    build_index("seeds", "index", store=store, progress=False)
    retriever = open_retriever("index", store=store)
    qvec = retriever.embedder.embed(["Rechenzentrum Microsoft OpenAI"])[0]
    hits = retriever.search_vector(qvec, 5)
    for path in {h.chunk.source for h in hits}:
        (workdir / path).write_text("Ganz neuer Text. Nichts davon stand vorher hier.\n", encoding="utf-8")
    build_index("seeds", "index", store=store, progress=False)
    assert retriever.store.chunks([h.chunk.id for h in hits]) == [None] * len(hits), "the old chunks are gone"
    sources, passages, vectors = context.select(hits, context.Query(qvec), lambda text: len(text.split()), 200)
    assert sources and passages and len(vectors) >= len(passages)
