"""The bodies of `/v1/chat/completions`: a streamed answer as OpenAI `chat.completion.chunk` events, or one
`chat.completion`.

Content carries only checked text, so a client that concatenates `delta.content` gets the answer exactly once:
while the model writes, its draft goes out in the extra field `delta.rag_draft` (standard clients ignore it);
the checked answer follows as one content delta, then a last chunk with `answer`, `citations`, `found` and
`usage`. It does not parse requests, queue or hold answer logic (see server.py, answer.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from ..errors import LlmTimeout, RagError, UsageError
from ..types import Answer, Citation, Retrieved

log = logging.getLogger(__name__)

DRAFT = "rag_draft"  # the delta field that carries the unchecked draft


def status_of(exc: RagError) -> int:
    """The HTTP status of a named error: bad input 400, a silent LLM server 504, anything else unavailable 503."""
    if isinstance(exc, UsageError):
        return 400
    return 504 if isinstance(exc, LlmTimeout) else 503


def error_body(exc: RagError) -> dict:
    status = status_of(exc)
    kind = "invalid_request_error" if status == 400 else "timeout_error" if status == 504 else "server_error"
    return {"error": {"message": str(exc), "type": kind, "param": None, "code": status}}


def citation_dict(c: Citation) -> dict:
    return {k: v for k, v in asdict(c).items() if k != "chunk_id"}


def usage(answer: Answer) -> dict:
    t = answer.timings
    return {
        "prompt_tokens": t.prompt_tokens,
        "completion_tokens": t.completion_tokens,
        "total_tokens": t.prompt_tokens + t.completion_tokens,
    }


def first_event(events: Iterator) -> str | Answer:
    """The first draft piece or the answer, past the `Retrieved` event: a request fails with an HTTP status
    (the LLM server unreachable or silent, say) until its model has written something."""
    for event in events:
        if not isinstance(event, Retrieved):
            return event
    raise AssertionError("the answer stream ended without an answer")


def final(first: str | Answer, events: Iterator) -> Answer:
    """The answer, the rest of the stream consumed."""
    if isinstance(first, Answer):
        return first
    return next(e for e in events if isinstance(e, Answer))


def completion(base: dict, answer: Answer) -> dict:
    """The non-streamed reply: the checked answer, its citations and whether the documents held it."""
    message = {"role": "assistant", "content": answer.text}
    return {
        **base,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": usage(answer),
        "citations": [citation_dict(c) for c in answer.citations],
        "found": answer.found,
    }


def _chunk(base: dict, delta: dict, finish: str | None = None, **extra: Any) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    body = {**base, "object": "chat.completion.chunk", "choices": [choice], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def stream(base: dict, first: str | Answer, events: Iterator, done: Callable[[], None]) -> Iterator[str]:
    """The server-sent events of one answer, ending `data: [DONE]` also after an error event; `done` is called
    once the model is no longer used (even if the client went away)."""
    try:
        yield _chunk(base, {"role": "assistant", "content": ""})
        for event in _chain(first, events):
            if isinstance(event, str):
                yield _chunk(base, {DRAFT: event})
            elif isinstance(event, Answer):
                yield _chunk(base, {"content": event.text})
                cited = [citation_dict(c) for c in event.citations]
                yield _chunk(
                    base, {}, "stop", answer=event.text, found=event.found, usage=usage(event), citations=cited
                )
    except RagError as exc:
        yield f"data: {json.dumps(error_body(exc), ensure_ascii=False)}\n\n"
    except Exception as exc:  # noqa: BLE001 - the client still gets an error event and a clean end
        log.exception("streamed answer failed")
        error = {"message": f"internal error ({type(exc).__name__}); details are in the server log"}
        yield f"data: {json.dumps({'error': {**error, 'type': 'server_error', 'param': None, 'code': 500}})}\n\n"
    finally:
        done()
    yield "data: [DONE]\n\n"


def _chain(first: Any, rest: Iterator) -> Iterator:
    yield first
    yield from rest
