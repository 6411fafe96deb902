"""Issue 22, item 1: each default is declared once (rag/limits.py via Settings) and read by every front end:
`RAG_K` and `RAG_MAX_TOKENS` reach the page's slider and its /chat endpoint, the API and the CLI. The real
server, index and tiny LLM; the retriever and the LLM are watched, not replaced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.api import assistant
from rag.backends.llm import LlamaGenerator
from rag.retrieve import Retriever
from rag.settings import Settings
from tests.live import start_uvicorn

QUESTION = "How much did Microsoft pay for the Inflection AI team?"


def test_the_answer_path_keeps_the_values_its_figures_were_measured_with(built: Path) -> None:
    """The eval and bench figures in the README were measured with k 5, a 260-token source budget and answers of
    at most 160 tokens: moving the defaults into one place must not change them."""
    bot = assistant(settings=Settings().replace(index=built / "index"))
    assert (bot.k, bot.source_tokens, bot.max_tokens) == (5, 260, 160)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[int]]]:
    """Records the top-k of every search and the max_tokens of every generation, then calls the real ones."""
    seen: dict[str, list[int]] = {"k": [], "max_tokens": []}
    search, stream = Retriever.search_vector, LlamaGenerator.stream

    def search_vector(self: Retriever, vec: object, k: int, text: str = "") -> object:
        seen["k"].append(k)
        return search(self, vec, k, text)

    def generate(self: LlamaGenerator, messages: list[dict], max_tokens: int) -> Iterator[str]:
        seen["max_tokens"].append(max_tokens)
        return stream(self, messages, max_tokens)

    monkeypatch.setattr(Retriever, "search_vector", search_vector)
    monkeypatch.setattr(LlamaGenerator, "stream", generate)
    yield seen


def test_rag_k_and_max_tokens_reach_the_page_and_the_api(built: Path, watched: dict[str, list[int]]) -> None:
    from gradio_client import Client

    from rag.frontends.server import create_app

    env = {
        "RAG_K": "3",
        "RAG_MAX_TOKENS": "24",
        "RAG_INDEX": str(built / "index"),
        "RAG_DOCS": str(built / "seeds"),
        "RAG_LLM_MODEL": "smollm2-135m",
    }
    base, server = start_uvicorn(create_app(Settings.load(env=env)))  # the server builds the assistant itself
    try:
        config = httpx.get(f"{base}/config").json()
        slider = next(c["props"] for c in config["components"] if c["props"].get("label", "").endswith("(top-k)"))
        assert slider["value"] == 3 and slider["maximum"] == 10
        info = httpx.get(f"{base}/gradio_api/info").json()["named_endpoints"]["/chat"]["parameters"]
        defaults = {p["parameter_name"]: p["parameter_default"] for p in info if p["parameter_has_default"]}
        assert defaults == {"k": 3, "max_tokens": 24}

        Client(base, verbose=False, download_files=False).predict(QUESTION, api_name="/chat")
        page = dict(watched)
        assert page["k"] == [3] and set(page["max_tokens"]) == {24}, page
        watched["k"], watched["max_tokens"] = [], []
        body = {"model": "rag", "messages": [{"role": "user", "content": QUESTION}]}
        assert httpx.post(f"{base}/v1/chat/completions", json=body, timeout=120).status_code == 200
        assert watched["k"] == [3] and set(watched["max_tokens"]) == {24}, watched
    finally:
        server.should_exit = True


def test_rag_k_reaches_the_command_line(built: Path, cli) -> None:  # noqa: ANN001 - the runner fixture
    res = cli("search", "Microsoft", "--json", cwd=built, env={"RAG_K": "3"})
    assert res.returncode == 0, res.stderr
    assert len(json.loads(res.stdout)["hits"]) == 3
