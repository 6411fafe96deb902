"""The core API both front ends call; heavy models are loaded once per process and shared."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from .answer import Assistant
from .chunker import ChunkerSettings
from .embed import DEFAULT_EMBED, STEmbedder
from .indexer import BuildReport, build
from .llm import LlamaGenerator
from .models import resolve_llm
from .retrieve import Retriever


@functools.lru_cache(maxsize=4)
def embedder(name: str | None = None) -> STEmbedder:
    """One embedder per model name per process."""
    return STEmbedder(name or os.environ.get("RAG_EMBED_MODEL") or DEFAULT_EMBED)


def build_index(
    docs: Path | str = "seeds",
    index: Path | str = "index",
    embed_model: str | None = None,
    full: bool = False,
    dry_run: bool = False,
    index_type: str | None = None,
    progress: bool = True,
) -> BuildReport:
    """Brings `index` up to date with `docs`, embedding only what changed."""
    return build(Path(docs), Path(index), embedder(embed_model), ChunkerSettings(), index_type, full, dry_run, progress)


def open_retriever(index: Path | str = "index", embed_model: str | None = None) -> Retriever:
    return Retriever(Path(index), embedder(embed_model))


@functools.lru_cache(maxsize=2)
def generator(model: str | None = None) -> LlamaGenerator:
    """One loaded LLM per model per process (loading takes seconds; KV cache reuse needs one)."""
    return LlamaGenerator(resolve_llm(model))


def assistant(
    index: Path | str = "index", model: str | None = None, embed_model: str | None = None, k: int = 5
) -> Assistant:
    """The quickstart: `assistant().ask("...")` returns an `Answer` with verified citations."""
    model = model or os.environ.get("RAG_LLM_MODEL")
    return Assistant(open_retriever(index, embed_model), lambda: generator(model), k=k)
