"""Question words matched to a sentence's words across languages (wordmatch.py): the cache with a stand-in
embedder, and the matching and the retrieval it steers with the real multilingual embedder and index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag import retrieve, wordmatch
from rag.api import embedder, open_retriever
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


def test_retrieval_picks_the_chunk_that_names_the_asked_word_in_another_language(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Dutch sentence naming the paradox ("de paradox van Jevons") sits in a chunk whose cosine to the English
    question ranks it 11th; matching the question's words in it brings it into the top 5 (qa q03)."""
    retriever = open_retriever(built / "index")
    question = "Which paradox did Satya Nadella bring up in response to the doubts caused by DeepSeek?"

    def names_jevons(hits: list) -> bool:
        return any("Jevons" in h.chunk.text for h in hits)

    hits = retriever.search(question, 5)
    assert names_jevons(hits), [h.chunk.text[:60] for h in hits]
    assert all(0.0 <= h.words <= 1.0 for h in hits) and max(h.words for h in hits) > 0
    monkeypatch.setattr(retrieve, "WORD_MATCH_WEIGHT", 0.0)
    assert not names_jevons(retriever.search(question, 5)), "without the word match the chunk is not picked"


def test_a_short_question_picks_chunks_without_the_word_match(built: Path) -> None:
    """A short question is about its names: "Waar ligt Abilene?" matched "ligt" in every language. (A long one
    gets the match: the test above.)"""
    retriever = open_retriever(built / "index")
    assert all(h.words == 0.0 for h in retriever.search("Waar ligt Abilene?", 5))
