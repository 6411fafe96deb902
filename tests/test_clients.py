"""Clients people already use, unchanged, against a live `python -m rag serve` with the tiny real model: the
official `openai` client, LangChain's `ChatOpenAI` and the `llm` command-line tool. Each streams an answer whose
content, concatenated, is the checked answer exactly once: the same text the non-streamed request returns."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.live import free_port, running

ROOT = Path(__file__).resolve().parents[1]
# The tiny model answers the Inflection question with "6.6 billion USD" from a passage that never names Inflection,
# which is refused (answer._unnamed); these tests need an answer it gets through the checks.
QUESTION = "What did Elon Musk claim about the backers of Stargate?"


@pytest.fixture(scope="module")
def url(built: Path) -> Iterator[str]:
    """`python -m rag serve` on a free loopback port with the tiny model: its base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_LLM_MODEL": "smollm2-135m", "RAG_MAX_TOKENS": "32"}
    base = f"http://127.0.0.1:{port}"
    with running([sys.executable, "-m", "rag", "serve", "--port", str(port)], f"{base}/healthz", built, env):
        yield base


def plain(url: str, question: str) -> dict:
    """The non-streamed reply to `question`, as raw JSON."""
    body = {"model": "rag", "messages": [{"role": "user", "content": question}]}
    res = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=600)
    assert res.status_code == 200, res.text
    return res.json()


def test_openai_client_gets_the_checked_answer_once_and_the_draft_aside(url: str, built: Path) -> None:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    chunks = list(
        client.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}], stream=True)
    )
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    draft = "".join((c.choices[0].delta.model_extra or {}).get("rag_draft", "") for c in chunks)
    last = chunks[-1].model_extra
    assert chunks[-1].choices[0].finish_reason == "stop" and last["found"] is True, last
    # The checked answer once, nothing of the draft before it; the draft went aside while the model wrote.
    assert content == last["answer"] and draft.strip() and content != draft
    assert chunks[-1].usage.completion_tokens > 0
    # Asked again without streaming (right after: the same prompt twice in a row), the same answer and sources.
    reply = plain(url, QUESTION)
    assert reply["choices"][0]["message"]["content"] == content
    assert reply["citations"] == last["citations"] and reply["citations"]
    for c in reply["citations"]:
        lines = (built / c["source"]).read_text(encoding="utf-8").split("\n")[c["start_line"] - 1 : c["end_line"]]
        assert " ".join(c["quote"].split()) in " ".join(" ".join(lines).split()), c


def test_langchain_chat_openai_streams_the_same_answer_it_is_given_whole(url: str) -> None:
    from langchain_openai import ChatOpenAI

    question = "Warum überdenkt Microsoft seine Investitionen in OpenAI?"
    model = ChatOpenAI(base_url=f"{url}/v1", api_key="unused", model="rag", max_retries=0, timeout=600)
    chunks = list(model.stream(question))
    streamed = "".join(c.content for c in chunks)
    whole = model.invoke(question)
    assert streamed.strip() and streamed == whole.content == plain(url, question)["choices"][0]["message"]["content"]
    merged = chunks[0]
    for c in chunks[1:]:
        merged += c
    assert merged.response_metadata["finish_reason"] == "stop" and merged.usage_metadata["output_tokens"] > 0
    # ChatOpenAI keeps no non-standard field (its documented scope), so citations reach LangChain only as the
    # [n] markers in the text; the openai client and plain JSON get them in full.


def test_llm_command_line_tool_streams_the_answer(url: str, tmp_path: Path) -> None:
    question = "Why did Microsoft cancel data center leases?"
    (tmp_path / "extra-openai-models.yaml").write_text(
        f'- model_id: rag\n  model_name: rag\n  api_base: "{url}/v1"\n', encoding="utf-8"
    )
    env = {**os.environ, "LLM_USER_PATH": str(tmp_path)}
    llm = [str(Path(sys.executable).with_name("llm")), "-m", "rag"]
    streamed = subprocess.run([*llm, question], env=env, capture_output=True, text=True, timeout=600)
    whole = subprocess.run([*llm, "--no-stream", question], env=env, capture_output=True, text=True, timeout=600)
    assert streamed.returncode == 0 and whole.returncode == 0, streamed.stderr + whole.stderr
    expected = plain(url, question)["choices"][0]["message"]["content"]
    assert streamed.stdout.strip() and streamed.stdout == whole.stdout == expected + "\n"
