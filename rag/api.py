"""The core API both front ends call; heavy models are loaded once per process and shared.

Every function takes an optional `Settings` (front ends build one with `Settings.load`) and
keyword overrides of its fields; without one, it loads the defaults, `rag.toml` and `RAG_*`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path

from .answer import Assistant
from .backends import stores
from .backends.embed import STEmbedder
from .backends.llm import Generator, LlamaGenerator
from .backends.models import resolve_llm
from .errors import RagError
from .indexer import build
from .rerank import E5Scorer
from .retrieve import Retriever
from .settings import Settings
from .types import BuildReport, ChunkerSettings


def configure(settings: Settings | None = None, **fields: object) -> Settings:
    """`settings` (or the loaded defaults, rag.toml and env) with `fields` applied."""
    return (settings or Settings.load()).replace(**fields)


@functools.lru_cache(maxsize=4)
def embedder(name: str) -> STEmbedder:
    """One embedder per model name per process."""
    return STEmbedder(name)


def build_index(
    docs: Path | str | None = None,
    index: Path | str | None = None,
    *,
    settings: Settings | None = None,
    full: bool = False,
    dry_run: bool = False,
    progress: bool = True,
    **fields: object,
) -> BuildReport:
    """Brings the index up to date with the documents folder, embedding only what changed."""
    s = configure(settings, docs=docs, index=index, **fields)
    return build(s, embedder(s.embed_model), ChunkerSettings(), full, dry_run, progress)


def watch_index(
    *, settings: Settings | None = None, full: bool = False, progress: bool = True, **fields: object
) -> Iterator[BuildReport | RagError]:
    """Builds, then rebuilds incrementally on every change of the documents folder, yielding each
    build's report (or the error that stopped it) until Ctrl-C; see watch.py."""
    from .watch import watch

    s = configure(settings, **fields)
    return watch(s, lambda f: build(s, embedder(s.embed_model), ChunkerSettings(), f, False, progress), full)


def open_retriever(
    index: Path | str | None = None, *, settings: Settings | None = None, eager: bool = False, **fields: object
) -> Retriever:
    """A retriever over the index; `eager` opens the index before the embedding model loads, so a missing or
    damaged index fails at once (a command line), not at the first search (a server starts without one)."""
    s = configure(settings, index=index, **fields)
    store = stores.open_store(s) if eager else None
    return Retriever(s, embedder(s.embed_model), store=store)


@functools.lru_cache(maxsize=2)
def _local_generator(path: Path) -> LlamaGenerator:
    return LlamaGenerator(path)


@functools.lru_cache(maxsize=4)
def _remote_generator(
    url: str, name: str | None, api_key: str | None, tokens: str, tokenizer: Path | None, timeout: int
) -> Generator:
    from .backends.remote import RemoteGenerator

    return RemoteGenerator(url, name, api_key, tokens, tokenizer, timeout)


def generator(settings: Settings) -> Generator:
    """One loaded LLM per model per process (loading takes seconds; KV cache reuse needs one), or the
    OpenAI-compatible server at `settings.llm_url`."""
    if settings.llm_url:
        # `local` counts with the tokenizer of the local GGUF (--model): exact when the server runs the same family.
        tokenizer = resolve_llm(settings.llm_model, settings.cache_dir) if settings.llm_tokens == "local" else None
        s = settings
        return _remote_generator(s.llm_url, s.llm_remote_model, s.llm_api_key, s.llm_tokens, tokenizer, s.llm_timeout)
    return _local_generator(resolve_llm(settings.llm_model, settings.cache_dir))


def translator(settings: Settings) -> Generator:
    """What translates the question (translate_question): a second context of the local model, so the answer's
    cached prompt prefix survives; a server keeps its own cache, so its generator serves both."""
    if settings.llm_url:
        return generator(settings)
    return _side_generator(resolve_llm(settings.llm_model, settings.cache_dir))


@functools.lru_cache(maxsize=2)
def _side_generator(path: Path) -> LlamaGenerator:
    return _local_generator(path).side_context()


def assistant(
    index: Path | str | None = None,
    model: str | None = None,
    *,
    settings: Settings | None = None,
    llm: Callable[[], Generator] | None = None,
    **fields: object,
) -> Assistant:
    """The quickstart: `assistant("index").ask("...")` returns an `Answer` with verified citations. `llm`
    builds the answering generator instead of the settings (the bench wraps one to record its prompts); the
    question's translator (translate_question) still comes from the settings."""
    s = configure(settings, index=index, llm_model=model, **fields)
    return Assistant(
        open_retriever(settings=s),
        llm or (lambda: generator(s)),
        k=s.k,
        source_tokens=s.source_tokens,
        max_tokens=s.max_tokens,
        translate_question=s.translate_question == "on",
        translator=lambda: translator(s),
        closeness=E5Scorer().closeness if s.rerank == "e5" else None,
    )


def model_file(settings: Settings) -> Path:
    """The local GGUF that `settings.llm_model` names (the default one is assembled and verified once)."""
    return resolve_llm(settings.llm_model, settings.cache_dir)


def index_manifest(settings: Settings) -> dict:
    """The committed index's manifest (model, files, counts, build time), without loading any vector."""
    return stores.read_manifest(settings)


__all__ = [
    "Assistant",
    "assistant",
    "build_index",
    "configure",
    "embedder",
    "generator",
    "index_manifest",
    "model_file",
    "open_retriever",
    "watch_index",
]
