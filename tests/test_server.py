"""The OpenAI-compatible API, live on loopback, driven by the official `openai` client (real index and citation
check; a scripted generator that quotes its source [1], so answers are deterministic and per question)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from rag.answer import Assistant
from rag.api import open_retriever
from rag.settings import Settings
from tests.live import free_port, running, start_uvicorn
from tests.scripted import Quoting

QUESTION = "How much did Microsoft pay for the Inflection AI team?"


def serve(built: Path, delay: float = 0.0, **fields: object) -> tuple[str, object]:
    from rag.frontends.server import create_app

    settings = Settings().replace(index=built / "index", docs=built / "seeds", **fields)
    gen = Quoting(delay)
    return start_uvicorn(create_app(settings, Assistant(open_retriever(settings=settings), lambda: gen), page=False))


@pytest.fixture(scope="module")
def url(built: Path) -> Iterator[str]:
    base, server = serve(built)
    yield base
    server.should_exit = True


def verify(built: Path, citations: list[dict]) -> None:
    assert citations
    for c in citations:
        lines = (built / c["source"]).read_text(encoding="utf-8").split("\n")[c["start_line"] - 1 : c["end_line"]]
        assert " ".join(c["quote"].split()) in " ".join(" ".join(lines).split()), c


def test_non_streaming_answer_has_verified_citations(url: str, built: Path) -> None:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused")
    reply = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}])
    assert "[1]" in reply.choices[0].message.content and "650" in reply.choices[0].message.content
    assert reply.model_extra["found"] is True
    verify(built, reply.model_extra["citations"])
    assert [m.id for m in client.models.list()] == ["rag"]
    assert httpx.get(f"{url}/healthz").json()["status"] == "ok"


def test_streaming_ends_with_checked_answer_and_citations(url: str, built: Path) -> None:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused")
    chunks = list(
        client.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}], stream=True)
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.model_extra["found"] is True
    # Content carries the checked answer once (the draft went in `rag_draft`): the non-streamed reply's text.
    whole = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}])
    assert "650" in text and text == last.model_extra["answer"] == whole.choices[0].message.content
    assert "".join((c.choices[0].delta.model_extra or {}).get("rag_draft", "") for c in chunks).strip()
    verify(built, last.model_extra["citations"])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "rag", "messages": []}, 400),
        ({"model": "rag", "messages": [{"role": "user", "content": "  "}]}, 400),
        ({"model": "gpt-9", "messages": [{"role": "user", "content": QUESTION}]}, 404),
        ({"model": "rag", "messages": [{"role": "user", "content": "why " * 400}]}, 413),
    ],
)
def test_errors_are_openai_shaped(url: str, body: dict, status: int) -> None:
    res = httpx.post(f"{url}/v1/chat/completions", json=body)
    assert res.status_code == status and set(res.json()["error"]) >= {"message", "type"}, res.text


def test_follow_up_uses_the_history(url: str) -> None:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused")
    messages = [
        {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
        {"role": "assistant", "content": "Microsoft paid 650 million dollars [1]."},
        {"role": "user", "content": "And who led that team?"},
    ]
    reply = client.chat.completions.create(model="rag", messages=messages)
    # Searched together with the earlier question, the follow-up finds the Inflection passage again; asked alone,
    # it finds another team.
    assert reply.model_extra["found"] and "Inflection" in " ".join(c["quote"] for c in reply.model_extra["citations"])
    alone = client.chat.completions.create(model="rag", messages=messages[-1:])
    assert "Inflection" not in " ".join(c["quote"] for c in alone.model_extra["citations"])


def test_api_key_is_required_when_set(built: Path) -> None:
    base, server = serve(built, api_key="s3cret")
    try:
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{base}/v1", api_key="wrong").models.list()
        assert openai.OpenAI(base_url=f"{base}/v1", api_key="s3cret").models.list().data[0].id == "rag"
        assert httpx.get(f"{base}/healthz").status_code == 200
    finally:
        server.should_exit = True


def test_full_queue_answers_429_and_five_streams_all_complete(built: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    base, server = serve(built, delay=0.05, queue_limit=5)
    questions = [
        "Why did Microsoft cancel data center leases?",
        "How much did Microsoft pay for the Inflection AI team?",
        "Apa strategi pusat data Microsoft?",
        "How much did OpenAI raise in its latest funding round?",
        "Warum überdenkt Microsoft seine Investitionen in OpenAI?",
    ]

    def ask(question: str) -> tuple[str, list]:
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0)
        chunks = list(
            client.chat.completions.create(model="rag", messages=[{"role": "user", "content": question}], stream=True)
        )
        return "".join(c.choices[0].delta.content or "" for c in chunks), chunks[-1].model_extra

    try:
        with ThreadPoolExecutor(5) as pool:
            jobs = [pool.submit(ask, q) for q in questions]
            while httpx.get(f"{base}/healthz").json()["queued"] < 5:
                time.sleep(0.02)
            extra = httpx.post(f"{base}/v1/chat/completions", json={"messages": [{"role": "user", "content": "Why?"}]})
            results = [j.result(timeout=300) for j in jobs]
        assert (
            extra.status_code == 429
            and extra.headers["Retry-After"]
            and extra.json()["error"]["type"] == "rate_limit_error"
        )
        # Each stream carries, in full, the answer the same question gets when asked alone: nothing was mixed
        # between the five concurrent requests.
        alone = Assistant(open_retriever(settings=Settings().replace(index=built / "index")), lambda: Quoting())
        for question, (text, last) in zip(questions, results):
            expected = alone.ask(question)
            assert last["answer"] == expected.text == text, (question, text)
            assert [c["source"] for c in last["citations"]] == [c.source for c in expected.citations]
        assert len({last["answer"] for _, last in results}) == 5  # five different answers, so a mix-up would show
    finally:
        server.should_exit = True


def test_page_is_served_at_root(built: Path) -> None:
    from rag.frontends.server import create_app

    settings = Settings().replace(index=built / "index", docs=built / "seeds")
    base, server = start_uvicorn(create_app(settings, Assistant(open_retriever(settings=settings), lambda: Quoting())))
    try:
        page = httpx.get(f"{base}/", follow_redirects=True)
        assert page.status_code == 200 and "gradio" in page.text.lower()
        assert httpx.get(f"{base}/v1/models").json()["data"][0]["id"] == "rag"
    finally:
        server.should_exit = True


def test_no_index_or_model_answers_503_saying_what_to_run(built: Path, tmp_path: Path) -> None:
    from rag.frontends.server import create_app

    question = {"model": "rag", "messages": [{"role": "user", "content": QUESTION}]}
    cases = [
        (Settings().replace(index=tmp_path / "no-index"), "rag index"),
        (Settings().replace(index=built / "index", llm_model=str(tmp_path / "gone.gguf")), "--model"),
    ]
    for settings, fix in cases:
        # The real path: the server builds the assistant (at start and again on the request), and fails there.
        base, server = start_uvicorn(create_app(settings, page=False))
        try:
            res = httpx.post(f"{base}/v1/chat/completions", json=question, timeout=120)
            assert res.status_code == 503 and fix in res.json()["error"]["message"], res.text
            assert res.json()["error"]["type"] == "server_error"
            # The server stays up and says so.
            assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "queued": 0}
        finally:
            server.should_exit = True


def test_rag_serve_command_answers_the_openai_client(built: Path) -> None:
    """`python -m rag serve` itself, as a user starts it: page at /, the API with the real tiny LLM."""
    import os
    import sys

    port = free_port()
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "RAG_LLM_MODEL": "smollm2-135m", "RAG_MAX_TOKENS": "48"}
    base = f"http://127.0.0.1:{port}"
    with running([sys.executable, "-m", "rag", "serve", "--port", str(port)], f"{base}/healthz", built, env):
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0)
        reply = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}])
        assert reply.choices[0].message.content.strip() and isinstance(reply.model_extra["found"], bool)
        if reply.model_extra["citations"]:  # the tiny model may not cite; whatever it cites is verified
            verify(built, reply.model_extra["citations"])
        chunks = list(
            client.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}], stream=True)
        )
        assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["answer"].strip()
        assert "gradio" in httpx.get(f"{base}/", follow_redirects=True).text.lower()


def test_retry_after_is_the_time_the_queue_needs_to_drain() -> None:
    from rag.errors import ApiError
    from rag.frontends.server import Queue

    queue = Queue(limit=2)
    started = [queue.enter()]
    threading.Thread(target=lambda: started.append(queue.enter()), daemon=True).start()  # waits for the model
    while queue.count < 2:
        time.sleep(0.01)
    with pytest.raises(ApiError) as full:
        queue.enter()
    # Two queued, each holding the model 5 s (the first guess): come back in 10 s.
    assert full.value.status == 429 and full.value.headers == {"Retry-After": "10"}
    queue.leave(started[0] - 30)  # that request held the model for 30 s: the mean moves toward it
    assert queue.mean_s == pytest.approx(0.8 * 5 + 0.2 * 30, abs=0.1)
    while len(started) < 2:
        time.sleep(0.01)
    queue.leave(started[1])
    assert queue.count == 0
