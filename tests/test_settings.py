"""Settings: defaults < rag.toml (or --config) < env RAG_* < flags, with where each value came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.errors import UsageError
from rag.settings import Settings


def test_each_layer_overrides_the_one_below_and_is_recorded(tmp_path: Path) -> None:
    config = tmp_path / "rag.toml"
    config.write_text('index = "from-toml"\nk = 3\nstore = "milvus"\nmax_tokens = 99\n', encoding="utf-8")
    env = {"RAG_K": "7", "RAG_STORE": "faiss", "RAG_LLM_MODEL": "smollm2-135m"}
    s = Settings.load({"k": 9, "docs": None}, config=config, env=env)
    assert (s.index, s.k, s.store, s.max_tokens, s.llm_model) == (Path("from-toml"), 9, "faiss", 99, "smollm2-135m")
    assert s.docs == Path("seeds") and s.origin["docs"] == "default"  # a None flag is "not given"
    assert s.origin["index"] == str(config) and s.origin["max_tokens"] == str(config)
    assert s.origin["store"] == "env RAG_STORE" and s.origin["llm_model"] == "env RAG_LLM_MODEL"
    assert s.origin["k"] == "--k"


def test_rag_toml_in_the_working_directory_is_read_without_asking(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.load(env={}).index == Path("index")
    (tmp_path / "rag.toml").write_text('[rag]\nindex = "elsewhere"\n', encoding="utf-8")
    assert Settings.load(env={}).index == Path("elsewhere")


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        ('indx = "x"\n', {}, "unknown setting 'indx'"),
        ("k = 0\n", {}, "positive whole number"),
        ("", {"RAG_K": "many"}, "env RAG_K must be a positive whole number"),
        ("", {"RAG_STORE": "redis"}, "must be one of faiss, milvus"),
        ("k = [1\n", {}, "not valid TOML"),
    ],
)
def test_bad_values_name_their_origin(tmp_path: Path, toml: str, env: dict, message: str) -> None:
    config = tmp_path / "rag.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        Settings.load(config=config, env=env)


def test_rag_config_prints_values_and_origins_with_secrets_masked(tmp_path: Path, cli) -> None:
    (tmp_path / "rag.toml").write_text('docs = "papers"\n', encoding="utf-8")
    res = cli("config", "--json", cwd=tmp_path, env={"RAG_API_KEY": "s3cret", "RAG_TOP": ""})
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["docs"] == {"value": "papers", "from": "rag.toml"}
    assert out["api_key"] == {"value": "***", "from": "env RAG_API_KEY"} and "s3cret" not in res.stdout
    assert out["k"] == {"value": 5, "from": "default"}
    bad = cli("--config", "missing.toml", "config", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("error: cannot read config file missing.toml")
