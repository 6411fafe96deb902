"""A bounded mapping that forgets the least recently used entry first, safe to share between threads.

The word vectors of wordmatch.py, the sentence vectors of rerank.py and the question translations of crossling.py
are kept in one each. It does not expire entries by age or persist them, and never computes a missing value under
its lock (`fill` has the caller's function compute the missing ones, outside it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most `size` entries; a read or a write makes an entry the most recently used."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()  # the server answers on several threads

    def get(self, key: K) -> V | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def fill(cache: LRU[K, V], keys: list[K], compute: Callable[[list[K]], Iterable[V]]) -> dict[K, V]:
    """Each distinct key's value: from `cache`, or computed for all missing keys in one call of `compute` (one
    value per key, in order) and stored."""
    have = {k: v for k in dict.fromkeys(keys) if (v := cache.get(k)) is not None}
    missing = [k for k in dict.fromkeys(keys) if k not in have]
    if missing:
        for k, v in zip(missing, compute(missing)):
            have[k] = v
            cache.put(k, v)
    return have
