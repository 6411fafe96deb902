"""The bounded cache shared by the word vectors and the question translations."""

from __future__ import annotations

import threading

from rag.lru import LRU


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now "b" is the oldest
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)


def test_threads_writing_at_once_never_overfill_it() -> None:
    cache: LRU[int, int] = LRU(50)

    def write(base: int) -> None:
        for i in range(1000):
            cache.put(base + i, i)
            cache.get(base + i // 2)

    threads = [threading.Thread(target=write, args=(n * 10_000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 50


def test_fill_computes_the_missing_keys_once_in_one_call_and_stores_them() -> None:
    from rag.lru import fill

    cache: LRU[str, int] = LRU(10)
    cache.put("a", 1)
    calls: list[list[str]] = []

    def compute(keys: list[str]) -> list[int]:
        calls.append(keys)
        return [len(k) * 10 for k in keys]

    assert fill(cache, ["a", "bb", "a", "ccc", "bb"], compute) == {"a": 1, "bb": 20, "ccc": 30}
    assert calls == [["bb", "ccc"]], "each missing key once, in one call"
    assert fill(cache, ["ccc", "bb"], compute) == {"ccc": 30, "bb": 20} and len(calls) == 1, "stored"
