"""Replays the model's replies to prompts it has already answered, for evaluation runs only (RAG_EVAL_REPLAY=DIR).

With greedy decoding and the KV prefix pinned (backends/llm.py), a prompt always gets the same reply, so a
second evaluation of a design that changes only some prompts (or only what happens after generation) needs the
model only for those. Replies are stored one file per prompt, named by the sha256 of the model, the messages and
the token limit. First-token times of replayed replies are not the model's: a run that reports speed must not
use it. It is never used by `ask`, the page or the API.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from ..backends.llm import Generator
from ..types import Message

ENV = "RAG_EVAL_REPLAY"


class Replay:
    """A Generator that answers from `folder` when it can and asks `inner` (and stores its reply) when not."""

    def __init__(self, inner: Generator, folder: Path):
        self.inner, self.folder = inner, folder
        self.name, self.n_ctx = inner.name, inner.n_ctx
        folder.mkdir(parents=True, exist_ok=True)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        key = hashlib.sha256(json.dumps([self.name, messages, max_tokens], ensure_ascii=False).encode()).hexdigest()
        path = self.folder / f"{key}.json"
        if path.is_file():
            yield json.loads(path.read_text(encoding="utf-8"))["reply"]
            return
        reply = ""
        for piece in self.inner.stream(messages, max_tokens):
            reply += piece
            yield piece
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"reply": reply}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


def folder() -> Path | None:
    """The replay folder RAG_EVAL_REPLAY names, or None."""
    value = os.environ.get(ENV, "")
    return Path(value) if value else None
