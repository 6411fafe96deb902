"""The one server (`rag serve`, `python app.py`, `make run`): the chat page at `/`, the OpenAI-compatible API
under `/v1` and `/healthz`, sharing one Assistant that the server owns (loader.py). It parses /v1 requests, calls
`Assistant.stream` and formats replies; it holds no answer logic (see answer.py) and no access rules (access.py).
Errors become OpenAI-style JSON with a status, never a traceback.
"""

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request

from ..api import Assistant
from ..errors import ApiError, RagError
from ..limits import MAX_BODY_BYTES as MAX_BODY
from ..limits import MAX_QUESTION_CHARS, MAX_TOKENS
from ..settings import Settings
from ..types import Answer
from . import access, sse
from .loader import Loader
from .web import WebApp, exchanges, text_of

# An offline server: models load from local files only (set before anything imports huggingface_hub).
os.environ.setdefault("HF_HUB_OFFLINE", "1")

log = logging.getLogger(__name__)
MODEL_ID = "rag"


def as_api_error(exc: RagError) -> ApiError:
    error = sse.error_body(exc)["error"]
    return ApiError(error["code"], str(exc), error["type"])


class Queue:
    """Counts requests waiting for or using the model; past `limit` a request is turned away (429) at once, told
    to retry when the queue has likely drained (Retry-After: those queued × the mean time one holds the model)."""

    def __init__(self, limit: int, workers: int = 1):
        self.limit, self.count, self.workers, self._lock = limit, 0, workers, threading.Lock()
        self._slots = threading.Semaphore(workers)  # the one local model writes one answer at a time
        self.mean_s = 5.0  # running mean of the seconds a request holds the model; a first guess until measured

    def enter(self) -> float:
        """Waits for the model; returns when it got it (for `leave`)."""
        with self._lock:
            if self.count >= self.limit:
                wait = max(1, min(60, round(self.count * self.mean_s / self.workers)))
                message = f"{self.count} requests are queued; retry in {wait} s"
                raise ApiError(429, message, "rate_limit_error", {"Retry-After": str(wait)})
            self.count += 1
        self._slots.acquire()
        return time.monotonic()

    def leave(self, started: float) -> None:
        self._slots.release()
        with self._lock:
            self.count -= 1
            self.mean_s = 0.8 * self.mean_s + 0.2 * (time.monotonic() - started)


def parse(body: bytes) -> tuple[str, list, int | None, bool]:
    """(question, history, max_tokens, stream) from a chat completion request, or ApiError."""
    if len(body) > MAX_BODY:
        raise ApiError(413, f"the request is larger than {MAX_BODY} bytes")
    try:
        req = json.loads(body)
    except ValueError:
        raise ApiError(400, "the request body is not valid JSON") from None
    messages = req.get("messages") if isinstance(req, dict) else None
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        raise ApiError(400, "`messages` must be a non-empty list of {role, content} objects")
    if req.get("model", MODEL_ID) != MODEL_ID:
        raise ApiError(404, f"the model {req.get('model')!r} does not exist; use {MODEL_ID!r}", "not_found_error")
    last = messages[-1]
    question = text_of(last.get("content")).strip()
    if last.get("role") != "user" or not question:
        raise ApiError(400, "the last message must be a non-empty user message (the question)")
    if len(question) > MAX_QUESTION_CHARS:
        raise ApiError(413, f"the question is longer than {MAX_QUESTION_CHARS} characters")
    max_tokens = req.get("max_completion_tokens") or req.get("max_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or not 1 <= max_tokens <= MAX_TOKENS):
        raise ApiError(400, f"max_tokens must be a whole number from 1 to {MAX_TOKENS}")
    return question, exchanges(messages[:-1]), max_tokens, bool(req.get("stream"))


def json_only(request: Request) -> None:
    """415 unless the body is declared JSON: a form or text/plain post from a page elsewhere needs no CORS
    preflight, so it must not reach the model."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise ApiError(415, "the request body must be JSON, sent with `Content-Type: application/json`")


def run(settings: Settings) -> None:
    """Serves until Ctrl-C; first warns on stderr when other machines can reach it without a key."""
    import uvicorn

    warning = access.exposure_warning(settings)
    if warning:
        log.warning(warning)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


def create_app(
    settings: Settings, bot: Assistant | None = None, page: bool = True, loader: Loader | None = None
) -> Any:
    """The FastAPI app: /healthz, /login, /v1/models, /v1/chat/completions, and the page at `/`, sharing one
    Assistant (`bot`, or one built from `settings`), which starts loading now. With `settings.api_key` every
    route but /healthz and /login needs the key (access.py)."""
    from fastapi import FastAPI

    loader = loader or Loader(settings, bot)
    loader.warm_up_in_background()
    web = WebApp(settings, loader)
    queue = Queue(settings.queue_limit, settings.queue_limit if settings.llm_url else 1)
    app = FastAPI(title="rag", docs_url=None, redoc_url=None, openapi_url=None)
    _add_error_replies(app)
    _add_status_routes(app, web, queue)
    _add_chat_route(app, Answering(loader, queue))
    access.protect(app, settings.api_key)  # before the page: /login is routed here
    if page:
        from .page import mount

        mount(app, web, "/")
    return app


def _add_error_replies(app: Any) -> None:
    """ApiError becomes OpenAI-style JSON with its status (and Retry-After on a 429)."""
    from fastapi.responses import JSONResponse

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        error = {"message": str(exc), "type": exc.kind, "param": None, "code": exc.status}
        return JSONResponse({"error": error}, status_code=exc.status, headers=exc.headers)


def _add_status_routes(app: Any, web: WebApp, queue: Queue) -> None:
    """/healthz (open to all: a load balancer's probe) and /v1/models."""

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "queued": queue.count}

    @app.get("/v1/models")
    def models() -> dict:
        # `llm`: what writes the answers (the remote server's model, or the local GGUF), not only what was asked for.
        model = {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "rag", "llm": web.answering()}
        return {"object": "list", "data": [model]}


class Answering:
    """One API question's way through the shared model: wait in the queue, run the core, always leave the queue."""

    def __init__(self, loader: Loader, queue: Queue):
        self.loader, self.queue = loader, queue

    def start(self, question: str, history: list, max_tokens: int | None) -> tuple[Iterator, str | Answer, float]:
        """Waits for the model, then runs the core to the first piece of its reply, so errors still get a status."""
        started = self.queue.enter()
        try:
            events = self.loader.bot().stream(question, history=history, max_tokens=max_tokens)
            return events, sse.first_event(events), started
        except RagError as exc:
            self.queue.leave(started)
            raise as_api_error(exc) from None
        except BaseException:
            self.queue.leave(started)
            raise

    def finish(self, first: str | Answer, events: Iterator, started: float) -> Answer:
        """The whole answer of a non-streamed request."""
        try:
            return sse.final(first, events)
        except RagError as exc:
            raise as_api_error(exc) from None
        finally:
            self.queue.leave(started)


def _add_chat_route(app: Any, answering: Answering) -> None:
    """POST /v1/chat/completions (JSON only), streamed as server-sent events or whole."""
    from fastapi import Depends
    from fastapi.responses import StreamingResponse
    from starlette.concurrency import run_in_threadpool

    @app.post("/v1/chat/completions", dependencies=[Depends(json_only)])
    async def chat(request: Request) -> Any:
        question, history, max_tokens, stream = parse(await request.body())
        events, first, started = await run_in_threadpool(answering.start, question, history, max_tokens)
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()), "model": MODEL_ID}
        if not stream:
            # In a worker thread: the model must not block the event loop (other requests, 429s, the page).
            return sse.completion(base, await run_in_threadpool(answering.finish, first, events, started))
        body = sse.stream(base, first, events, lambda: answering.queue.leave(started))
        return StreamingResponse(body, media_type="text/event-stream")
