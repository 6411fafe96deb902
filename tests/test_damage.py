"""Damaged index files, tried as a new user would: each file of a FAISS index and of a Milvus Lite index in
turn truncated, emptied, filled with random bytes or deleted. `rag search` (the real CLI, in a subprocess)
then ends in one line `error: … run python -m rag index` with exit 1 and no traceback, and the next build
repairs the index. Files a store can do without (Milvus Lite's lock and backup manifests, an index file it
rebuilds from its data) leave the answers as they were.

The error is checked through the CLI for every case; the repair through `build_index` (what `rag index`
runs) in this process, whose embedding model stays loaded, and through the CLI once per backend."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

from rag.api import build_index, open_retriever
from tests.conftest import GERMAN, ROOT, release

DAMAGES = ("truncate", "empty", "random", "delete")
QUESTION = "How much did Microsoft pay for the Inflection AI team?"
LIVE = "index/LIVE"  # the build folder CURRENT names
FAISS_FILES = ["index/CURRENT"] + [
    f"{LIVE}/{name}" for name in ("manifest.json", "index.faiss", "chunks.jsonl", "sentences.faiss", "sentences.jsonl")
]
LITE = "index/milvus.db"
COLS = f"{LITE}/collections"
# Each Milvus Lite file, and the damages after which the index still answers as before.
LITE_FILES = {
    f"{LITE}/LOCK": set(DAMAGES),  # an empty file Milvus Lite locks; recreated when missing
    f"{COLS}/rag_meta/manifest.json": set(),
    f"{COLS}/rag_meta/manifest.json.prev": set(DAMAGES),  # Milvus Lite's backup of its previous manifest
    f"{COLS}/rag_meta/schema.json": set(),
    f"{COLS}/rag_meta/partitions/_default/data/*": set(),
    f"{COLS}/rag_chunks_*/manifest.json": set(),
    f"{COLS}/rag_chunks_*/manifest.json.prev": set(DAMAGES),
    f"{COLS}/rag_chunks_*/schema.json": set(),
    f"{COLS}/rag_chunks_*/partitions/_default/data/*": set(),
    f"{COLS}/rag_chunks_*/partitions/_default/indexes/*": {"delete"},  # rebuilt from the data file
    # The sentences' collection has the chunks' files and code path; its data files are what a search
    # could silently lose (it answered with no sentence scores before the row-count check).
    f"{COLS}/rag_sentences_*/manifest.json": set(),
    f"{COLS}/rag_sentences_*/partitions/_default/data/*": set(),
}
CASES = [("faiss", f, d, False) for f in FAISS_FILES for d in DAMAGES] + [
    ("milvus", f, d, d in harmless) for f, harmless in LITE_FILES.items() for d in DAMAGES
]


def hits(folder: Path, store: str) -> list[tuple[str, int]]:
    """(source, chunk id) of the top 5 for QUESTION, searched in this process (folder as the current directory)."""
    retriever = open_retriever(folder / "index", store=store, store_uri=str(folder / LITE))
    found = [(h.chunk.source, h.chunk.id) for h in retriever.search(QUESTION, 5)]
    release()  # Milvus Lite: one process per file; the CLI opens it next
    return found


@pytest.fixture(scope="session")
def intact(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list]]:
    """A folder with the seed article that answers QUESTION, both indexes of it, and each index's top 5.
    One article keeps each repair (a full rebuild) to a second."""
    base = tmp_path_factory.mktemp("intact")
    (base / "seeds").mkdir()
    shutil.copy(ROOT / GERMAN, base / GERMAN)
    cwd = os.getcwd()
    os.chdir(base)  # sources are named as a user's would be: seeds/…
    try:
        for store in ("faiss", "milvus"):
            build_index("seeds", "index", store=store, progress=False)
        release()
        return base, {store: hits(base, store) for store in ("faiss", "milvus")}
    finally:
        os.chdir(cwd)


def damage(folder: Path, pattern: str, how: str) -> Path:
    """Damages the one file `pattern` names below `folder` (LIVE: the live build folder); returns it."""
    if LIVE in pattern:
        pattern = pattern.replace("LIVE", (folder / "index" / "CURRENT").read_text().strip())
    (path,) = folder.glob(pattern)
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "random":
        path.write_bytes(random.Random(f"{pattern}{how}").randbytes(max(len(data), 64)))
    else:
        path.unlink()
    return path


def assert_one_line_error(res) -> None:  # noqa: ANN001 - a CompletedProcess
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("error: "), res.stderr
    assert "run `python -m rag index" in res.stderr, res.stderr


@pytest.mark.parametrize(("store", "pattern", "how", "harmless"), CASES, ids=[f"{s}-{f}-{d}" for s, f, d, _ in CASES])
def test_damaged_file_gives_one_line_then_index_repairs(
    intact, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli, store: str, pattern: str, how: str, harmless: bool
) -> None:
    base, before = intact
    folder = tmp_path / "case"
    shutil.copytree(base, folder)
    monkeypatch.chdir(folder)
    damage(folder, pattern, how)
    if harmless:
        # Milvus Lite does without this file: same passages, no error (checked in this process: the CLI
        # would spend its time loading the embedding model).
        assert hits(folder, store) == before[store]
        return
    assert_one_line_error(cli("search", QUESTION, "--store", store, cwd=folder))
    report = build_index("seeds", "index", store=store, progress=False)
    assert report.full and report.embedded_chunks == report.chunks > 0, "the damaged index is rebuilt in full"
    assert hits(folder, store) == before[store]


@pytest.mark.parametrize(
    ("store", "pattern"), [("faiss", "index/CURRENT"), ("milvus", f"{COLS}/rag_meta/partitions/_default/data/*")]
)
def test_rag_index_repairs_through_the_cli(intact, tmp_path: Path, cli, store: str, pattern: str) -> None:
    base, before = intact
    folder = tmp_path / "case"
    shutil.copytree(base, folder)
    damage(folder, pattern, "random")
    assert_one_line_error(cli("search", QUESTION, "--store", store, cwd=folder))
    res = cli("index", "--quiet", "--store", store, cwd=folder)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "full rebuild" in res.stdout
    res = cli("search", QUESTION, "--json", "--store", store, cwd=folder)
    assert res.returncode == 0, res.stderr
    assert [(h["source"], h["chunk_id"]) for h in json.loads(res.stdout)["hits"]] == before[store]
