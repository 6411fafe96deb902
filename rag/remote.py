"""A `Generator` backed by any OpenAI-compatible server (llama.cpp, llama-cpp-python, vLLM, Ollama).

It streams `/chat/completions` at temperature 0 and counts tokens for the source budget; it does not
retry, batch or pick models (the server's first listed model unless a name is given)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

from .errors import RagError


class LlmUnavailable(RagError):
    pass


class RemoteGenerator:
    """Many requests may run at once: the server schedules them."""

    n_ctx = 2048

    def __init__(
        self,
        url: str,
        name: str | None = None,
        api_key: str | None = None,
        tokens: str = "auto",
        tokenizer: Path | None = None,
    ):
        import httpx

        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(headers=headers, timeout=httpx.Timeout(600, connect=5))
        self.model = name or self._first_model()
        self.name = f"{self.model} @ {self.url}"
        self.tokens = tokens
        self._vocab = _vocab(tokenizer) if tokens == "local" and tokenizer else None

    def _call(self, method: str, path: str, **kw: object):  # noqa: ANN202 - an httpx.Response
        import httpx

        try:
            return self.http.request(method, self.url + path, **kw)
        except httpx.HTTPError as exc:
            raise LlmUnavailable(
                f"cannot reach the LLM server at {self.url} ({type(exc).__name__}); start it or fix --llm-url"
            ) from None

    def _first_model(self) -> str:
        res = self._call("GET", "/models")
        if res.status_code != 200 or not res.json().get("data"):
            raise LlmUnavailable(
                f"the LLM server at {self.url} lists no models (HTTP {res.status_code}); check --llm-url"
            )
        return res.json()["data"][0]["id"]

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        import httpx

        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
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
                    delta = (choices[0].get("delta") or {}).get("content")
                    if delta:
                        yield delta
        except httpx.HTTPError as exc:
            raise LlmUnavailable(f"lost the LLM server at {self.url} ({type(exc).__name__})") from None

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
