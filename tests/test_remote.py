"""`--llm-url`: `rag ask` through a live `python -m llama_cpp.server` serving the tiny test model."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.backends import models
from tests.live import free_port, running

TEXTS = [
    "How much did Microsoft pay for the Inflection AI team?",
    "Hoeveel betaalde Microsoft voor het team van Inflection AI?",
    "Wie viel zahlte Microsoft für das Inflection-Team? Über 650 Millionen Dollar.",
    "Berapa banyak Microsoft membayar tim Inflection AI?",
]


@pytest.fixture(scope="module")
def llm_server() -> Iterator[str]:
    """`python -m llama_cpp.server` with the tiny test model on a free loopback port: its /v1 URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(models.test_model_path())]
    cmd += ["--port", str(port), "--host", "127.0.0.1", "--n_ctx", "2048"]
    url = f"http://127.0.0.1:{port}/v1"
    with running(cmd, f"{url}/models", timeout=120):
        yield url


def test_token_counts_local_and_server_agree(llm_server: str) -> None:
    from rag.backends.remote import RemoteGenerator

    server = RemoteGenerator(llm_server, tokens="server")
    local = RemoteGenerator(llm_server, tokens="local", tokenizer=models.test_model_path())
    estimate = RemoteGenerator(llm_server, tokens="estimate")
    for text in TEXTS:
        # The same GGUF's vocabulary on both sides: the counts must be equal, token for token.
        assert local.count_tokens(text) == server.count_tokens(text) > 0, text
    assert [estimate.count_tokens(t) for t in TEXTS] == [len(t) // 3 + 1 for t in TEXTS]


@pytest.mark.parametrize("tokens", ["auto", "local"])
def test_ask_through_llama_cpp_server(llm_server: str, built: Path, cli, tokens: str) -> None:
    question = "How much did Microsoft pay for the Inflection AI team?"
    args = ("ask", question, "--json", "--max-tokens", "48", "--llm-url", llm_server)
    # `local` counts with the local GGUF named by --model: here the same tiny model the server runs.
    res = cli(*args, cwd=built, env={"RAG_LLM_TOKENS": tokens, "RAG_LLM_MODEL": "smollm2-135m"})
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["answer"].strip() and isinstance(out["found"], bool)
    assert llm_server.removesuffix("/v1") in out["model"] and out["timings"]["prompt_tokens"] > 0


def test_a_server_that_is_gone_is_one_line(built: Path, cli) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    res = cli("ask", "How much did Microsoft pay?", "--llm-url", url, cwd=built)
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and url in res.stderr, res.stderr
