"""Issue 25: one key guards every route of the one server (page, its Gradio API, /v1), CORS allows no other
origin, the chat API takes JSON only, a second rebuild is refused rather than queued, and a server shared on
the network without a key says so at start. Live servers on loopback over the real index; a scripted LLM."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.answer import Assistant
from rag.api import open_retriever
from rag.frontends.access import CHALLENGE, exposure_warning
from rag.settings import Settings
from tests.live import free_port, start_uvicorn, wait_until_up
from tests.scripted import Quoting

ROOT = Path(__file__).resolve().parent.parent
KEY = "the-right-key"
OPEN = {"/healthz", "/login"}  # the only routes a request without the key may reach
QUESTION = "How much did Microsoft pay for the Inflection AI team?"


def app_of(built: Path, **fields: object) -> Any:
    from rag.frontends.server import create_app

    settings = Settings().replace(index=built / "index", docs=built / "seeds", **fields)
    return create_app(settings, Assistant(open_retriever(settings=settings), lambda: Quoting()))


@pytest.fixture(scope="module")
def guarded(built: Path) -> Iterator[tuple[str, Any]]:
    """The one server (page and API) with a key, live on loopback: (base URL, its ASGI app)."""
    app = app_of(built, api_key=KEY)
    base, server = start_uvicorn(app)
    yield base, app
    server.should_exit = True


def served_routes(routes: list, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route the app serves, read from the app itself: mounted apps (the page) and
    included routers (Gradio's /gradio_api) are walked; a kind of route the walk does not know fails."""
    from starlette.routing import Mount, Route, WebSocketRoute

    for route in routes:
        if isinstance(route, Mount):
            yield from served_routes(route.routes, prefix + route.path)
        elif hasattr(route, "original_router"):  # FastAPI's include_router (Gradio's /gradio_api/…)
            yield from served_routes(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, WebSocketRoute):
            yield "WEBSOCKET", prefix + route.path
        elif isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                yield method, prefix + route.path
        else:
            raise AssertionError(f"a route of unknown kind: {route!r}")


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)  # /gradio_api/call/{api_name} -> /gradio_api/call/x


def refused(base: str, method: str, path: str, headers: dict) -> bool:
    """Whether the key guard turned the request away: its 401 with its challenge (a route of Gradio's may answer
    401 for reasons of its own). Reads no streamed body; a route that holds its answer back (a live event
    stream) was let through, since the guard answers at once."""
    try:
        with httpx.stream(method, base + concrete(path), headers=headers, timeout=5) as res:
            return res.status_code == 401 and res.headers.get("www-authenticate") == CHALLENGE["WWW-Authenticate"]
    except httpx.ReadTimeout:
        return False


def session_cookie(base: str, key: str) -> str:
    res = httpx.post(f"{base}/login", data={"key": key})
    assert res.status_code == 303 and res.headers["location"] == "/", res.text
    return res.cookies["rag_session"]


def test_every_route_but_healthz_and_login_needs_the_key(guarded: tuple[str, Any]) -> None:
    base, app = guarded
    routes = sorted(set(served_routes(app.routes)))
    paths = {path for _, path in routes}
    # The walk reached the API, the page, and Gradio's API with the page's /chat and /rebuild endpoints.
    assert {"/v1/chat/completions", "/v1/models", "/", "/config", "/gradio_api/info"} <= paths
    assert {"/gradio_api/call/{api_name}", "/gradio_api/queue/join", "/gradio_api/heartbeat/{session_hash}"} <= paths
    assert OPEN <= paths and len(routes) > 60
    cookie = session_cookie(base, KEY)
    ways = {
        "no key": {},
        "wrong key": {"Authorization": "Bearer the-wrong-key"},
        "forged cookie": {"Cookie": f"rag_session={'0' * 64}"},
        "key as cookie": {"Cookie": f"rag_session={KEY}"},
        "right key": {"Authorization": f"Bearer {KEY}"},
        "session cookie": {"Cookie": f"rag_session={cookie}"},
    }
    wrong = []
    for method, path in routes:
        if path in OPEN or method == "WEBSOCKET":
            continue
        for way, headers in ways.items():
            if refused(base, method, path, headers) == (way in ("right key", "session cookie")):
                wrong.append((way, method, path))
    assert not wrong, "\n".join(map(str, wrong))
    assert not [r for r in routes if r[0] == "WEBSOCKET"], "a websocket route: add it to the table"


def test_the_open_routes_hold_nothing(guarded: tuple[str, Any]) -> None:
    base, _ = guarded
    assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
    form = httpx.get(f"{base}/login")
    assert form.status_code == 200 and 'name="key"' in form.text and "Microsoft" not in form.text
    refused = httpx.post(f"{base}/login", data={"key": "nope"})
    assert refused.status_code == 401 and "That key is wrong." in refused.text and "set-cookie" not in refused.headers


def test_a_browser_without_the_key_gets_the_login_form_and_keeps_a_session(guarded: tuple[str, Any]) -> None:
    base, _ = guarded
    page = httpx.get(f"{base}/", headers={"Accept": "text/html"})
    assert page.status_code == 401 and 'action="/login"' in page.text and "gradio" not in page.text.lower()
    login = httpx.post(f"{base}/login", data={"key": KEY})
    assert login.status_code == 303
    set_cookie = login.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and KEY not in set_cookie
    cookie = login.cookies["rag_session"]
    page = httpx.get(f"{base}/", cookies={"rag_session": cookie}, follow_redirects=True)
    assert page.status_code == 200 and "gradio" in page.text.lower()


def test_gradio_client_and_openai_shaped_errors_with_and_without_the_key(guarded: tuple[str, Any]) -> None:
    from gradio_client import Client

    base, _ = guarded
    # The complaint: /gradio_api/info listed /chat and /rebuild to anyone. Now only with the key.
    denied = httpx.get(f"{base}/gradio_api/info")
    assert denied.status_code == 401 and denied.json()["error"]["type"] == "authentication_error"
    listed = httpx.get(f"{base}/gradio_api/info", headers={"Authorization": f"Bearer {KEY}"}).json()
    assert {"/chat", "/rebuild"} <= set(listed["named_endpoints"])
    with pytest.raises(Exception):  # noqa: B017 - the client fails in its own way; no answer is the point
        Client(base, verbose=False, download_files=False).predict(QUESTION, api_name="/chat")
    client = Client(base, verbose=False, download_files=False, headers={"Authorization": f"Bearer {KEY}"})
    assert "650" in client.predict(QUESTION, api_name="/chat")
    models = httpx.get(f"{base}/v1/models", headers={"Authorization": "Bearer nope"})
    assert models.status_code == 401 and set(models.json()["error"]) == {"message", "type", "param", "code"}


@pytest.fixture(scope="module")
def open_server(built: Path) -> Iterator[str]:
    """The one server without a key (as `make run` starts it)."""
    base, server = start_uvicorn(app_of(built))
    yield base
    server.should_exit = True


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:3000", "null"])
@pytest.mark.parametrize("host", [None, "192.168.1.20:7860"], ids=["loopback", "lan-address"])
def test_no_cors_header_for_another_origin(open_server: str, origin: str, host: str | None) -> None:
    """No route tells a browser that another origin's page may read its answer, however the server is reached
    (Gradio's own CORS allowed any origin once the Host was not localhost: a server shared with --host 0.0.0.0)."""
    headers = {"Origin": origin, **({"Host": host} if host else {})}
    body = {"messages": [{"role": "user", "content": QUESTION}]}
    preflight = {**headers, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    responses = [
        httpx.get(f"{open_server}/v1/models", headers=headers),
        httpx.post(f"{open_server}/v1/chat/completions", json=body, headers=headers),
        httpx.get(f"{open_server}/gradio_api/info", headers=headers),
        httpx.get(f"{open_server}/config", headers=headers),
        httpx.get(f"{open_server}/", headers=headers),
        httpx.options(f"{open_server}/v1/chat/completions", headers=preflight),
        httpx.options(f"{open_server}/gradio_api/queue/join", headers=preflight),
        httpx.options(f"{open_server}/gradio_api/call/chat", headers=preflight),
    ]
    for res in responses:
        assert "access-control-allow-origin" not in res.headers, (res.request.method, res.request.url, res.headers)
    assert responses[1].status_code == 200  # the answer itself is still given to a client that is no browser


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        ("multipart/form-data; boundary=x", 415),
        (None, 415),
        ("application/json; charset=utf-8", 200),
        ("Application/JSON", 200),
    ],
)
def test_chat_completions_takes_json_only(open_server: str, content_type: str | None, expected: int) -> None:
    """A page elsewhere can post text/plain or a form without a CORS preflight; such a body must not reach the
    model, even when it holds valid JSON."""
    body = '{"messages": [{"role": "user", "content": "How much did Microsoft pay for Inflection AI?"}]}'
    headers = {"Content-Type": content_type} if content_type else {}
    res = httpx.post(f"{open_server}/v1/chat/completions", content=body.encode(), headers=headers, timeout=60)
    assert res.status_code == expected, res.text
    if expected == 415:
        assert res.json()["error"]["message"].startswith("the request body must be JSON")


def test_a_second_rebuild_is_refused_not_queued(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a rebuild runs (held at a gate), a second one through the page's API is answered at once; the first
    then finishes, and a later one runs again."""
    from gradio_client import Client

    import rag.api

    shutil.copytree(built / "seeds", tmp_path / "seeds")
    shutil.copytree(built / "index", tmp_path / "index")
    gate, real = threading.Event(), rag.api.build_index

    def held_build(**kwargs: Any) -> Any:
        assert gate.wait(120), "the test never opened the gate"
        return real(**kwargs)

    monkeypatch.setattr(rag.api, "build_index", held_build)
    monkeypatch.chdir(tmp_path)  # sources stay named `seeds/…`
    base, server = start_uvicorn(app_of(Path(".")))
    try:
        first = Client(base, verbose=False, download_files=False).submit(api_name="/rebuild")
        while not first.outputs():  # "Rebuilding the index…": the first holds the lock, waiting at the gate
            first.status()
        second = Client(base, verbose=False, download_files=False).submit(api_name="/rebuild")
        assert "already being rebuilt" in second.result(timeout=30)
        assert not first.done()
        gate.set()
        assert "0 added, 0 changed, 0 removed, 5 unchanged" in first.result(timeout=120)
        again = Client(base, verbose=False, download_files=False).predict(api_name="/rebuild")
        assert "5 unchanged" in again
    finally:
        gate.set()
        server.should_exit = True


@pytest.mark.parametrize(
    ("host", "key", "warns"),
    [
        ("127.0.0.1", None, False),
        ("localhost", None, False),
        ("::1", None, False),
        ("0.0.0.0", None, True),
        ("::", None, True),
        ("192.168.1.20", None, True),
        ("myhost.lan", None, True),
        ("0.0.0.0", "k", False),
    ],
)
def test_exposure_warning_for_a_shared_host_without_a_key(host: str, key: str | None, warns: bool) -> None:
    warning = exposure_warning(Settings().replace(host=host, api_key=key))
    assert (warning is not None) == warns
    if warns:
        assert "anyone on the network can read the documents and rebuild the index" in warning


def served_stderr(built: Path, *args: str, env: dict | None = None) -> str:
    """What `python -m rag serve ARGS` wrote to stderr up to the moment it answered /healthz."""
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if k != "RAG_API_KEY"}
    full_env = {**inherited, "PYTHONPATH": str(ROOT), "RAG_LLM_MODEL": "smollm2-135m", **(env or {})}
    cmd = [sys.executable, "-m", "rag", "serve", "--port", str(port), *args]
    with (built / f"serve-{port}.err").open("w+") as err:
        proc = subprocess.Popen(cmd, cwd=built, env=full_env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        err.seek(0)
        return err.read()


def test_serving_on_all_interfaces_without_a_key_warns_once_at_start(built: Path) -> None:
    lines = [line for line in served_stderr(built, "--host", "0.0.0.0").splitlines() if "anyone on the network" in line]
    assert len(lines) == 1 and lines[0].startswith("WARNING: listening on 0.0.0.0 without an API key"), lines
    keyed = served_stderr(built, "--host", "0.0.0.0", env={"RAG_API_KEY": "k"})
    assert "anyone on the network" not in keyed and "Uvicorn running" in keyed


@pytest.mark.parametrize("path", ["/gradio_api/call/rebuild", "/gradio_api/queue/join", "/gradio_api/call/chat"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_plain_form_post_cannot_start_a_rebuild_or_ask(open_server: str, path: str, content_type: str) -> None:
    """The requests a page elsewhere can send without a CORS preflight are refused by the page's API too."""
    body = '{"data": [], "fn_index": 0, "session_hash": "x"}'
    res = httpx.post(f"{open_server}{path}", content=body, headers={"Content-Type": content_type})
    assert res.status_code == 422 and "event_id" not in res.text, res.text
