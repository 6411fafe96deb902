"""Question words matched to a sentence's words across languages (wordmatch.py): the cache with a stand-in
embedder, and the matching with the real multilingual embedder."""

from __future__ import annotations

import numpy as np

from rag import wordmatch
from rag.api import embedder
from rag.backends.embed import DEFAULT_EMBED


class Counting:
    """A stand-in embedder: one fixed unit vector per word, and a record of what it was asked."""

    def __init__(self, vectors: dict[str, list[float]]):
        self.vectors = {w: np.array(v) / np.linalg.norm(v) for w, v in vectors.items()}
        self.asked: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.asked.append(list(texts))
        return np.array([self.vectors[t] for t in texts])


def test_the_share_is_weighted_by_idf_and_each_word_is_embedded_once() -> None:
    embed = Counting({"ontslagen": [1, 0, 0], "altman": [0, 1, 0], "entlassung": [0.9, 0.1, 0], "team": [0, 0, 1]})
    matcher = wordmatch.WordMatcher(embed)
    idf = {"ontslagen": 3.0, "altman": 1.0}.get
    shares = matcher.coverage("ontslagen Altman", ["Entlassung", "Team", "Altman 2023", ""], lambda w: idf(w, 1.0))
    assert shares == [0.75, 0.0, 0.25, 0.0]
    assert sorted(embed.asked[0]) == ["altman", "entlassung", "ontslagen", "team"], "numbers are no words"
    matcher.coverage("Altman ontslagen", ["Team"], lambda w: 1.0)
    assert len(embed.asked) == 1, "cached: no second call for known words"
    assert matcher.coverage("2023", ["Altman"], lambda w: 1.0) == [0.0], "a question without words matches nothing"


def test_the_real_embedder_matches_a_word_to_its_translation() -> None:
    matcher = wordmatch.WordMatcher(embedder(DEFAULT_EMBED).embed)
    question = "Wanneer werd Sam Altman ontslagen?"  # Dutch: "When was Sam Altman fired?"
    answer, other = "Nach der Entlassung Altmans im November 2023.", "Microsoft kaufte das Team von Inflection."
    on, off = matcher.coverage(question, [answer, other], lambda w: 1.0)
    assert on > off == 0.0, (on, off)
