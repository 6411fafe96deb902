"""Shared fixtures: a copy of the seed articles, a real index built from it, a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DUTCH, INDONESIAN, ENGLISH_A, ENGLISH_B, GERMAN = (f"seeds/{p.name}" for p in sorted(SEEDS.glob("*.txt")))

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding `seeds/` (a copy) as the current directory, so sources read `seeds/…`."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with `seeds/` and a real `index/` built from it once per session (read-only use)."""
    from rag.api import build_index

    base = tmp_path_factory.mktemp("built")
    shutil.copytree(SEEDS, base / "seeds")
    cwd = os.getcwd()
    os.chdir(base)
    try:
        build_index("seeds", "index", progress=False)
    finally:
        os.chdir(cwd)
    return base


@pytest.fixture(scope="session")
def built_milvus(built: Path) -> Path:
    """`built` with a Milvus Lite index of the same seeds beside the FAISS one (index/milvus.db, read-only use)."""
    from rag.api import build_index

    cwd = os.getcwd()
    os.chdir(built)
    try:
        build_index("seeds", "index", store="milvus", progress=False)
    finally:
        os.chdir(cwd)
    return built


@pytest.fixture(params=["faiss", "milvus"])
def store(request: pytest.FixtureRequest) -> str:
    """Each vector-store backend in turn (pass as `store=` to the API, `--store` to the CLI)."""
    return request.param


def release() -> None:
    """Lets a subprocess open the Milvus Lite files this process has open (Lite allows one process per file)."""
    from rag.backends import stores

    stores.release()


def opened(index: Path | str = "index", **fields: object):  # noqa: ANN201 - a VectorStore
    """The committed store of an index folder (FAISS unless `store=` says otherwise)."""
    from rag.backends.stores import open_store
    from rag.settings import Settings

    return open_store(Settings().replace(index=Path(index), **fields))


def run_cli(*args: str, cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m rag ARGS` in a subprocess, as a user would run it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def cli():  # noqa: ANN201 - returns the runner
    return run_cli
