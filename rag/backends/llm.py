"""The LLM seam: a `Generator` protocol and its llama.cpp implementation, loaded once.

It knows nothing about retrieval or citations (see answer.py); it streams text for messages.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from ..errors import ModelMissing
from ..types import Message

log = logging.getLogger(__name__)

N_CTX = 2048  # sources are trimmed to fit; a bigger window only costs memory and time
SIDE_CTX = 1024  # a side task's prompt and reply: a question (at most 1,000 characters) and its translation


def has_amx() -> bool:
    """Whether the installed llama.cpp was compiled with AMX matrix kernels (a native build on a recent Xeon)."""
    import llama_cpp

    return b"AMX_INT8 = 1" in llama_cpp.llama_print_system_info()


@functools.cache
def _warn_if_amx() -> None:
    """Once per process, however many contexts load (the side context is a second one)."""
    if has_amx():
        log.warning(
            "this llama.cpp build has AMX kernels, which segfault on some CPUs (llama.cpp#20824); "
            "`make setup` builds one without them"
        )


class Generator(Protocol):
    name: str
    n_ctx: int

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """Text pieces of the reply, in order."""
        ...

    def count_tokens(self, text: str) -> int: ...


class LlamaGenerator:
    """llama-cpp-python on the CPU. One generation at a time: callers queue on a lock."""

    def __init__(
        self, path: Path, n_ctx: int = N_CTX, n_threads: int | None = None, lock: threading.Lock | None = None
    ):
        self.path = path
        self.name = path.name
        self.n_ctx = n_ctx
        # A context that shares another's lock (side_context) takes turns with it: two generations at once on
        # these cores would only slow both.
        self.lock = lock or threading.Lock()
        self.n_threads = n_threads or len(os.sched_getaffinity(0))
        self.llm = self._load(path, n_ctx, self.n_threads)
        self._format = _formatter(self.llm)
        self._prefixes: dict[str, list[int]] = {}  # system prompt -> the tokens every prompt with it starts with

    @staticmethod
    def _load(path: Path, n_ctx: int, n_threads: int) -> Any:
        from llama_cpp import Llama

        _warn_if_amx()
        try:
            llm = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,  # the default is half the cores
                n_threads_batch=n_threads,
                n_batch=512,
                flash_attn=True,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelMissing(
                f"cannot load model {path}: the file is truncated or not a valid GGUF; pass another --model or run `make setup`"
            ) from exc
        if "tokenizer.chat_template" not in llm.metadata:
            # Without the model's own template llama-cpp-python falls back to llama-2's,
            # which garbles prompts for most models.
            raise ModelMissing(f"model {path} has no chat template; use an instruct GGUF that carries one")
        # Free the model before interpreter teardown: llama-cpp-python's __del__ otherwise prints
        # "Exception ignored" tracebacks once its module globals are gone.
        atexit.register(llm.close)
        return llm

    def side_context(self, n_ctx: int = SIDE_CTX) -> LlamaGenerator:
        """A second context over the same model file, taking turns with this one, for short side tasks
        (translating the question). Run here they would evict the cached prefix of the answer prompt (its fixed
        system prompt, re-read at ~70 tokens/s: about 3 s each time)."""
        return LlamaGenerator(self.path, n_ctx, self.n_threads, self.lock)

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        with self.lock:
            self._pin_prefix(messages)
            for part in self.llm.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=0.0, repeat_penalty=1.05, stream=True
            ):
                delta = part["choices"][0]["delta"].get("content")
                if delta:
                    yield delta

    def _pin_prefix(self, messages: list[Message]) -> None:
        """Leaves exactly the system prompt's tokens in the KV cache (evaluated on their own if missing), so every
        prompt is read the same way: from the end of the system prompt, whatever was asked before.

        llama-cpp-python reuses the longest prefix the prompt shares with the previous one. That prefix varies with
        the previous question (a shared source, or the whole prompt when it is asked again), and a suffix read from
        another position rounds differently: enough to change a greedy token, so the same question could get
        another answer. The fixed system prompt is still read once (first-token time 3.4 s -> 0.4 s)."""
        prefix = self._prefix(messages[0]) if messages and messages[0]["role"] == "system" else []
        held = self.llm.n_tokens >= len(prefix) and list(self.llm.input_ids[: len(prefix)]) == prefix
        if not held:
            self.llm.reset()
            self.llm.eval(prefix)
        self.llm.n_tokens = len(prefix)  # generate() then keeps these and reads the rest of the prompt

    def _prefix(self, system: Message) -> list[int]:
        """The tokens of the chat template up to the end of this system message (cached per system prompt)."""
        if system["content"] not in self._prefixes:
            a, b = (self._tokens([system, {"role": "user", "content": text}]) for text in ("a", "b"))
            n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            self._prefixes[system["content"]] = a[:n]
        return self._prefixes[system["content"]]

    def _tokens(self, messages: list[Message]) -> list[int]:
        """The prompt tokens, as llama-cpp-python's chat handler makes them from the GGUF's template."""
        result = self._format(messages=messages)
        return self.llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)


def _formatter(llm: Any) -> Any:
    """The GGUF's chat template as llama-cpp-python applies it (the same arguments as `Llama.__init__`)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def text(token: int) -> str:
        return llm._model.token_get_text(token) if token != -1 else ""

    return Jinja2ChatFormatter(
        template=llm.metadata["tokenizer.chat_template"],
        eos_token=text(llm.token_eos()),
        bos_token=text(llm.token_bos()),
        stop_token_ids=[llm.token_eos()],
    )
