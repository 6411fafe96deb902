"""Faults of the remote generator (`--llm-url`): a real `python -m llama_cpp.server` (tiny model) killed while it
writes, and a real HTTP server on loopback that stalls. The API ends its stream with an error event and
`[DONE]`, the page and `rag ask` show one line, a silent server gives 504 after `llm_timeout`, and the next
question works once the server is back, without restarting `rag serve`. Also `llm_remote_model`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from rag.backends import models
from rag.frontends.loader import Loader
from rag.frontends.web import WebApp
from rag.settings import Settings
from tests.live import free_port, running, start_uvicorn

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "How much did Microsoft pay for the Inflection AI team?"
ASK = {"model": "rag", "messages": [{"role": "user", "content": QUESTION}]}


def llama_server(port: int, *args: str):  # noqa: ANN201 - the running() context manager
    """`python -m llama_cpp.server` with the tiny model on `port` (the same port again after a kill)."""
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(models.test_model_path()), "--n_ctx", "2048"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), *args]
    return running(cmd, f"http://127.0.0.1:{port}/v1/models", timeout=120)


def settings_for(built: Path, llm_url: str, **fields: object) -> Settings:
    # A long answer limit: the tiny model is still writing when the test kills its server.
    fields = {"max_tokens": 400, **fields}
    return Settings().replace(index=built / "index", docs=built / "seeds", llm_url=llm_url, **fields)


def events(res: httpx.Response) -> Iterator[dict | str]:
    """The SSE data of a streamed reply: each JSON object, and "[DONE]"."""
    for line in res.iter_lines():
        if line.startswith("data: "):
            yield "[DONE]" if line == "data: [DONE]" else json.loads(line[6:])


def test_api_stream_ends_cleanly_when_the_llm_server_dies_and_recovers(built: Path) -> None:
    from rag.frontends.server import create_app

    port = free_port()
    llm_url = f"http://127.0.0.1:{port}/v1"
    settings = settings_for(built, llm_url)
    base, server = start_uvicorn(create_app(settings, page=False))
    try:
        with llama_server(port) as proc:
            seen: list[dict | str] = []
            with httpx.stream("POST", f"{base}/v1/chat/completions", json={**ASK, "stream": True}, timeout=120) as res:
                assert res.status_code == 200
                for event in events(res):
                    seen.append(event)
                    if isinstance(event, dict) and "rag_draft" in event.get("choices", [{}])[0].get("delta", {}):
                        if proc.poll() is None:
                            proc.send_signal(signal.SIGKILL)  # mid-answer: the model has begun to write
        errors = [e for e in seen if isinstance(e, dict) and "error" in e]
        assert len(errors) == 1 and seen[-1] == "[DONE]" and seen[-2] is errors[0], seen[-3:]
        assert "in the middle of an answer" in errors[0]["error"]["message"] and errors[0]["error"]["code"] == 503
        # No content reached the client: it only ever gets checked text.
        assert not any(e["choices"][0]["delta"].get("content") for e in seen[1:-2] if isinstance(e, dict))
        down = httpx.post(f"{base}/v1/chat/completions", json=ASK, timeout=60)
        assert down.status_code == 503 and llm_url in down.json()["error"]["message"], down.text
        with llama_server(port):  # back on the same port; `rag serve` was not restarted
            again = httpx.post(f"{base}/v1/chat/completions", json=ASK, timeout=300)
            assert again.status_code == 200 and again.json()["choices"][0]["message"]["content"].strip(), again.text
        assert httpx.get(f"{base}/healthz").json()["queued"] == 0
    finally:
        server.should_exit = True


def test_page_and_ask_show_one_line_when_the_llm_server_dies(built: Path) -> None:
    port = free_port()
    llm_url = f"http://127.0.0.1:{port}/v1"
    web = WebApp(settings_for(built, llm_url))
    with llama_server(port) as proc:
        outputs = []
        for out in web.chat(QUESTION, [], 5):
            outputs.append(out)
            if not out.startswith("▍") and proc.poll() is None:  # the first words of the draft are on the page
                proc.send_signal(signal.SIGKILL)
    assert outputs[-1].startswith("⚠ Lost the LLM server at") and "\n" not in outputs[-1], outputs[-1]
    with llama_server(port) as proc:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_MAX_TOKENS": "400"}
        cmd = [sys.executable, "-m", "rag", "ask", QUESTION, "--llm-url", llm_url]
        ask = subprocess.Popen(cmd, cwd=built, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = ask.stdout.read(1)  # the draft begins: the model is writing
        proc.send_signal(signal.SIGKILL)
        out, err = ask.communicate(timeout=120)
        assert first and ask.returncode == 1, err
        assert err.startswith("error: lost the LLM server at") and err.count("\n") == 1, err
        assert "Traceback" not in err and out.endswith("\n")
    with llama_server(port):
        assert "⚠" not in list(web.chat(QUESTION, [], 5))[-1]  # the same page, the server back


def two_at_once(url: str) -> tuple[list, list]:
    """A long answer, and a short one asked while the first is being written: (pieces or error) of each."""
    from rag.backends.remote import RemoteGenerator

    gen = RemoteGenerator(url, tokens="estimate")
    story = [{"role": "user", "content": "Write a long story about a lighthouse keeper and her cat."}]
    results: tuple[list, list] = ([], [])

    def run(max_tokens: int, out: list, started: threading.Event) -> None:
        try:
            for piece in gen.stream(story, max_tokens):
                started.set()
                out.append(piece)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            out.append(exc)
        started.set()

    long_started, short_started = threading.Event(), threading.Event()
    first = threading.Thread(target=run, args=(200, results[0], long_started))
    first.start()
    assert long_started.wait(120)  # the server is writing the long answer
    second = threading.Thread(target=run, args=(4, results[1], short_started))
    second.start()
    first.join(300)
    second.join(300)
    return results


def test_llama_cpp_server_needs_interrupt_requests_off_for_answers_at_once() -> None:
    from rag.errors import LlmUnavailable

    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    with llama_server(port):  # its default: a request arriving ends the stream under way
        long, _ = two_at_once(url)
    # Not a silently short answer: an error that says how to start the server.
    assert isinstance(long[-1], LlmUnavailable) and "--interrupt_requests False" in str(long[-1]), long[-1:]
    with llama_server(port, "--interrupt_requests", "False"):
        long, short = two_at_once(url)
    assert all(isinstance(p, str) for p in long + short) and len(long) > 50 and short, (long[-1:], short[-1:])


class Stalling(BaseHTTPRequestHandler):
    """An OpenAI-compatible server that lists two models and then stalls: before its reply (`mode` "silent") or
    after its first word ("midway"); or ends after its first word with no finish_reason ("cut"). It records the
    model each request asked for."""

    mode, asked, release = "silent", [], threading.Event()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._send(200, {"object": "list", "data": [{"id": "first-model"}, {"id": "second-model"}]})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not self.path.endswith("/chat/completions"):
            return self._send(404, {"error": "no tokenizer here"})
        Stalling.asked.append(body["model"])
        if Stalling.mode in ("midway", "cut"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b'data: {"choices": [{"delta": {"content": "Microsoft paid"}}]}\n\n')
            self.wfile.flush()
        if Stalling.mode == "cut":  # ends cleanly, but with no finish_reason: the answer was cut short
            self.wfile.write(b"data: [DONE]\n\n")
            self.close_connection = True
            return
        Stalling.release.wait(60)

    def _send(self, status: int, obj: dict) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stalling() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    server.daemon_threads = True
    Stalling.mode, Stalling.asked = "silent", []
    Stalling.release.clear()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    Stalling.release.set()
    server.shutdown()


def test_a_silent_llm_server_gives_504_and_one_line_not_a_hang(built: Path, stalling: str) -> None:
    from rag.frontends.server import create_app

    settings = settings_for(built, stalling, llm_timeout=2)
    loader = Loader(settings)
    web = WebApp(settings, loader)
    base, server = start_uvicorn(create_app(settings, page=False, loader=loader))
    try:
        for stream in (False, True):
            t0 = time.monotonic()
            res = httpx.post(f"{base}/v1/chat/completions", json={**ASK, "stream": stream}, timeout=60)
            assert res.status_code == 504 and time.monotonic() - t0 < 30, res.text
            assert "sent nothing for 2 s" in res.json()["error"]["message"] and llm_timeout_hint(res.json())
        Stalling.mode = "midway"
        with httpx.stream("POST", f"{base}/v1/chat/completions", json={**ASK, "stream": True}, timeout=60) as res:
            seen = list(events(res))
        assert seen[-1] == "[DONE]" and seen[-2]["error"]["code"] == 504, seen[-2:]
        assert "in the middle of an answer" in seen[-2]["error"]["message"]
        Stalling.mode = "cut"
        res = httpx.post(f"{base}/v1/chat/completions", json=ASK, timeout=60)
        assert res.status_code == 503 and "cut the answer short" in res.json()["error"]["message"], res.text
        Stalling.mode = "midway"
        last = list(web.chat(QUESTION, [], 5))[-1]
        assert last.startswith("⚠ The LLM server at") and "sent nothing for 2 s" in last and "\n" not in last
        # With no name set, the first model the server lists answers.
        assert Stalling.asked and set(Stalling.asked) == {"first-model"}
        assert httpx.get(f"{base}/v1/models").json()["data"][0]["llm"] == f"first-model @ {stalling}"
    finally:
        server.should_exit = True
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_LLM_TIMEOUT": "2"}
    res = subprocess.run(
        [sys.executable, "-m", "rag", "ask", QUESTION, "--llm-url", stalling],
        cwd=built,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and "sent nothing for 2 s" in res.stderr, res.stderr


def llm_timeout_hint(body: dict) -> bool:
    return "RAG_LLM_TIMEOUT" in body["error"]["message"] and body["error"]["type"] == "timeout_error"


def test_llm_remote_model_names_the_model_that_answers(built: Path, stalling: str) -> None:
    from rag.frontends.server import create_app

    settings = settings_for(built, stalling, llm_timeout=1, llm_remote_model="second-model")
    loader = Loader(settings)
    web = WebApp(settings, loader)
    base, server = start_uvicorn(create_app(settings, page=False, loader=loader))
    try:
        assert httpx.get(f"{base}/v1/models").json()["data"][0]["llm"] == f"second-model @ {stalling}"
        httpx.post(f"{base}/v1/chat/completions", json=ASK, timeout=60)
        assert Stalling.asked == ["second-model"]  # the request named the chosen model
        assert f"**LLM** `second-model @ {stalling}`" in web.info()
    finally:
        server.should_exit = True
    wrong = WebApp(settings.replace(llm_remote_model="third-model"))
    last = list(wrong.chat(QUESTION, [], 5))[-1]
    assert "has no model 'third-model'" in last and "first-model, second-model" in last, last


def test_models_and_page_report_the_remote_model_of_a_real_server(built: Path) -> None:
    from rag.frontends.server import create_app

    port = free_port()
    llm_url = f"http://127.0.0.1:{port}/v1"
    settings = settings_for(built, llm_url, llm_remote_model="tiny", max_tokens=16)
    loader = Loader(settings)
    web = WebApp(settings, loader)
    base, server = start_uvicorn(create_app(settings, page=False, loader=loader))
    try:
        with llama_server(port, "--model_alias", "tiny"):
            assert httpx.get(f"{base}/v1/models").json()["data"][0]["llm"] == f"tiny @ {llm_url}"  # not loaded yet
            assert httpx.post(f"{base}/v1/chat/completions", json=ASK, timeout=300).status_code == 200
            assert httpx.get(f"{base}/v1/models").json()["data"][0]["llm"] == f"tiny @ {llm_url}"
            assert f"**LLM** `tiny @ {llm_url}`" in web.info() and "loading" not in web.info()
    finally:
        server.should_exit = True
    # The local model: the GGUF file that answers, not only the name asked for.
    local = WebApp(Settings().replace(index=built / "index", llm_model="smollm2-135m"))
    local.bot()
    assert local.answering() == models.test_model_path().name
