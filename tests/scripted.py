"""Stand-in LLMs (the `Generator` protocol) for tests of the mechanics around the model: streaming, the
citation check, the page, the API. They are not models: answer quality is tested with the real ones."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator


class Scripted:
    """Streams a fixed reply word by word and records the prompts it saw."""

    name, n_ctx = "scripted", 2048

    def __init__(self, reply: str):
        self.reply = reply
        self.prompts: list[list[dict]] = []

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        self.prompts.append(messages)
        words = self.reply.split(" ")
        yield from [words[0], *(" " + w for w in words[1:])]

    def count_tokens(self, text: str) -> int:
        return len(text.split())


class Quoting(Scripted):
    """Streams, word by word, the sentence of source [1] sharing most words with the questions asked, marked
    [1]; any other request (a translation) it echoes. With `gated`, its first word waits for `gate`, so a test
    can look at the page before the model writes."""

    name = "scripted-test-model"

    def __init__(self, delay: float = 0.0, gated: bool = False):
        super().__init__("")
        self.delay, self.gate = delay, threading.Event()
        if not gated:
            self.gate.set()

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        assert self.gate.wait(60), "the test never opened the gate"
        prompt = messages[-1]["content"]
        if "[1] " not in prompt:
            # Not an answer prompt (the translation step): like a model that cannot translate, it echoes.
            yield prompt
            return
        source = prompt.split("[1] ", 1)[1].split("<<<\n", 1)[1].split("\n>>>", 1)[0]
        # Like a model reading the whole chat: the question and the earlier questions of a follow-up.
        earlier = " ".join(m["content"] for m in messages[1:-1] if m["role"] == "user")
        words = set(re.findall(r"\w{4,}", f"{prompt.rsplit('Question:', 1)[1]} {earlier}".lower()))
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", source) if s.strip()]
        best = max(sentences, key=lambda s: len(words & set(re.findall(r"\w{4,}", s.lower()))))
        for i, word in enumerate(f"{best.rstrip('.')} [1].".split(" ")):
            time.sleep(self.delay)
            yield word if i == 0 else " " + word
