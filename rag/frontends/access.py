"""Who may use the server. With an API key set, every route but /healthz and the login form needs it: a Bearer
header (the API, scripts) or the session cookie the login form sets (the page in a browser). No origin but the
page's own gets CORS headers. It guards by default, so a route added later is guarded too; it does not route.
"""

import hashlib
import hmac
import ipaddress
from typing import Any
from urllib.parse import parse_qs

from ..settings import Settings

OPEN_PATHS = frozenset({"/healthz", "/login"})  # the health probe, and the form where the key is entered
COOKIE = "rag_session"
MAX_LOGIN_BYTES = 4096
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="rag"'}  # on every refusal of the guard, and only there
DENIED = "this server needs its key: send `Authorization: Bearer <key>`, or log in on the page at /login"
LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Ask your documents</title>
<style>body{{font:16px system-ui,sans-serif;max-width:26em;margin:15vh auto;padding:0 1em}}
input,button{{font:inherit;padding:.4em}} input{{width:100%;box-sizing:border-box}} .err{{color:#b91c1c}}</style>
</head><body><h1>Ask your documents</h1><p>This server asks for its key once; the browser then keeps a session.</p>
{error}<form method="post" action="/login"><label>Key <input type="password" name="key" id="rag-key" autofocus
required></label><p><button type="submit">Open</button></p></form></body></html>"""
WRONG_KEY = '<p class="err" id="rag-login-error">That key is wrong.</p>'


def session_token(key: str) -> str:
    """The cookie's value: derived from the key (the key itself never sits in the browser), void when it changes."""
    return hmac.new(key.encode(), b"rag page session", hashlib.sha256).hexdigest()


def is_loopback(host: str) -> bool:
    """True when `host` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name or an empty host: possibly every interface


def exposure_warning(settings: Settings) -> str | None:
    """The one-line warning for a server other machines can reach without a key, else None."""
    if settings.api_key or is_loopback(settings.host):
        return None
    return (
        f"listening on {settings.host} without an API key: anyone on the network can read the documents and "
        "rebuild the index (set RAG_API_KEY)"
    )


class KeyGuard:
    """ASGI middleware: lets a request through with the key (Bearer header or session cookie) or to an open path;
    answers any other with 401 (the login form for a browser, an OpenAI-style error otherwise)."""

    def __init__(self, app: Any, key: str):
        self.app = app
        self.bearer = f"Bearer {key}".encode()
        self.session = session_token(key).encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in OPEN_PATHS or self.admits(scope):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await denial(scope)(scope, receive, send)

    def admits(self, scope: dict) -> bool:
        from starlette.requests import HTTPConnection

        headers = dict(scope.get("headers") or [])
        cookie = HTTPConnection(scope).cookies.get(COOKIE, "").encode()
        return hmac.compare_digest(headers.get(b"authorization", b""), self.bearer) or hmac.compare_digest(
            cookie, self.session
        )


def denial(scope: dict) -> Any:
    """401: the login form for a browser asking for a page, an OpenAI-shaped error for anything else."""
    from starlette.responses import HTMLResponse, JSONResponse

    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    if scope.get("method") in ("GET", "HEAD") and b"text/html" in accept:
        return HTMLResponse(LOGIN_PAGE.format(error=""), status_code=401, headers=CHALLENGE)
    error = {"message": DENIED, "type": "authentication_error", "param": None, "code": 401}
    return JSONResponse({"error": error}, status_code=401, headers=CHALLENGE)


def protect(app: Any, key: str | None) -> None:
    """Adds the login form, the key guard (when `key` is set) and a CORS policy that allows no other origin.

    Call before mounting the page at `/`, so that /login is routed here and not to the page."""
    from starlette.middleware.cors import CORSMiddleware

    _add_login(app, key)
    # With a CORS middleware on the parent app, Gradio's own stands aside: that one allows any origin when the
    # page is reached by a name other than localhost (a LAN address, with --host 0.0.0.0). This allows none.
    app.add_middleware(CORSMiddleware, allow_origins=[])
    if key:
        app.add_middleware(KeyGuard, key=key)


def _add_login(app: Any, key: str | None) -> None:
    from fastapi import Request
    from fastapi.responses import HTMLResponse, RedirectResponse, Response

    @app.get("/login", include_in_schema=False)
    def login_form() -> Response:
        return HTMLResponse(LOGIN_PAGE.format(error="")) if key else RedirectResponse("/", status_code=303)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        if not key:
            return RedirectResponse("/", status_code=303)
        body = b""
        async for part in request.stream():
            body += part
            if len(body) > MAX_LOGIN_BYTES:
                return HTMLResponse(LOGIN_PAGE.format(error=WRONG_KEY), status_code=413)
        given = parse_qs(body.decode("utf-8", "replace")).get("key", [""])[0]
        if not hmac.compare_digest(given.encode(), key.encode()):
            return HTMLResponse(LOGIN_PAGE.format(error=WRONG_KEY), status_code=401)
        response = RedirectResponse("/", status_code=303)
        # Strict: no other site's page can make the browser send it, so none can ask or rebuild in the user's name.
        response.set_cookie(COOKIE, session_token(key), httponly=True, samesite="strict", path="/")
        return response
