"""A `Generator` backed by any OpenAI-compatible server (llama.cpp, llama-cpp-python, vLLM, Ollama).

It streams `/chat/completions` at temperature 0 and counts tokens for the source budget; it does not
retry, batch or pick models (the server's first listed model unless a name is given)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

from ..errors import LlmTimeout, LlmUnavailable, RagError

# llama_cpp.server's default (interrupt_requests) ends the stream under way when another request arrives, and
# rag serve sends up to queue_limit at once (tests/test_faults.py).
CUT_HINT = (
    "a llama_cpp.server also does this when another request arrives unless started with --interrupt_requests False"
)


class RemoteGenerator:
    """Many requests may run at once: the server schedules them. A server silent for `timeout` seconds (before
    its first token or between two) is given up on with `LlmTimeout`; one that goes away mid-answer gives
    `LlmUnavailable`. Both leave the generator usable: the next request opens a new connection."""

    n_ctx = 2048

    def __init__(
        self,
        url: str,
        name: str | None = None,
        api_key: str | None = None,
        tokens: str = "auto",
        tokenizer: Path | None = None,
        timeout: float = 120,
    ):
        import httpx

        self.url, self.timeout = url.rstrip("/"), timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout, connect=min(5, timeout)))
        self.model = self._pick_model(name)
        self.name = f"{self.model} @ {self.url}"
        self.tokens = tokens
        self._vocab = _vocab(tokenizer) if tokens == "local" and tokenizer else None

    def _call(self, method: str, path: str, **kw: object):  # noqa: ANN202 - an httpx.Response
        import httpx

        try:
            return self.http.request(method, self.url + path, **kw)
        except httpx.HTTPError as exc:
            raise self._failure(exc, "") from None

    def _failure(self, exc: Exception, during: str) -> RagError:
        """The named error for a transport failure: a timeout, a server that is gone, or one lost `during` a reply."""
        import httpx

        kind = type(exc).__name__
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            return LlmTimeout(
                f"the LLM server at {self.url} sent nothing for {self.timeout:g} s{during} ({kind}); it may be "
                "overloaded: ask again, or raise llm_timeout (RAG_LLM_TIMEOUT)"
            )
        if during and not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return LlmUnavailable(
                f"lost the LLM server at {self.url}{during} ({kind}); ask again once it is back ({CUT_HINT})"
            )
        return LlmUnavailable(f"cannot reach the LLM server at {self.url} ({kind}); start it or fix --llm-url")

    def _pick_model(self, name: str | None) -> str:
        """`name` if the server lists it, else (no name) the first model it lists; LlmUnavailable otherwise."""
        res = self._call("GET", "/models")
        listed = [m.get("id") for m in res.json().get("data") or []] if res.status_code == 200 else []
        if not listed:
            raise LlmUnavailable(
                f"the LLM server at {self.url} lists no models (HTTP {res.status_code}); check --llm-url"
            )
        if name is None:
            return listed[0]
        if name not in listed:
            raise LlmUnavailable(
                f"the LLM server at {self.url} has no model {name!r}; it lists: {', '.join(map(str, listed))} "
                "(fix llm_remote_model, RAG_LLM_REMOTE_MODEL)"
            )
        return name

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        import httpx

        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
        started, finished = False, None
        try:
            with self.http.stream("POST", self.url + "/chat/completions", json=body) as res:
                if res.status_code != 200:
                    raise LlmUnavailable(
                        f"the LLM server at {self.url} answered HTTP {res.status_code}: {res.read()[:200]!r}"
                    )
                for line in res.iter_lines():
                    if not line.startswith("data:") or line.strip() == "data: [DONE]":
                        continue
                    choices = json.loads(line[5:]).get("choices") or [{}]
                    finished = finished or choices[0].get("finish_reason")
                    delta = (choices[0].get("delta") or {}).get("content")
                    if delta:
                        started = True
                        yield delta
        except httpx.HTTPError as exc:
            raise self._failure(exc, " in the middle of an answer" if started else " before its answer") from None
        if not finished:
            # Every OpenAI-compatible server ends a complete reply with a finish_reason: one that ends without it
            # (cleanly, with [DONE]) was cut short, not finished.
            raise LlmUnavailable(f"the LLM server at {self.url} cut the answer short (no finish_reason; {CUT_HINT})")

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one generator per process; texts repeat per question
    def count_tokens(self, text: str) -> int:
        if self._vocab is not None:
            return len(self._vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True))
        if self.tokens in ("auto", "server"):
            base = self.url.removesuffix("/v1")
            for path, body in (("/extras/tokenize/count", {"input": text}), ("/tokenize", {"content": text})):
                try:
                    res = self.http.post(base + path, json=body)
                except Exception:  # noqa: BLE001 - fall through to the next way of counting
                    continue
                if res.status_code == 200:
                    data = res.json()
                    return int(data["count"]) if "count" in data else len(data["tokens"])
            if self.tokens == "server":
                raise LlmUnavailable(
                    f"the LLM server at {self.url} has no tokenize endpoint; set RAG_LLM_TOKENS=estimate"
                )
            self.tokens = "estimate"
        return len(text) // 3 + 1  # about 3 characters a token in these languages: errs toward a smaller budget


def _vocab(path: Path):  # noqa: ANN202 - a llama_cpp.Llama holding only the vocabulary
    """The tokenizer of a local GGUF without its weights: loads in well under a second, counts exactly for
    the same model family the server runs."""
    from llama_cpp import Llama

    return Llama(str(path), vocab_only=True, verbose=False)
