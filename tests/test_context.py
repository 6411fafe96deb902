"""Sentence selection for the prompt, with hand-made vectors (no models)."""

from __future__ import annotations

import numpy as np
import pytest

from rag import context
from rag.chunker import chunk_sentences
from rag.types import Chunk, Hit


def words(text: str) -> int:
    return len(text.split())


def _hit(text: str, rank: int, score: float, vectors: list[np.ndarray]) -> Hit:
    chunk = Chunk(rank, f"seeds/{rank}.txt", 0, len(text), 1, 1, text)
    spans = chunk_sentences(chunk)
    return Hit(rank, score, chunk, {start: v for (start, _), v in zip(spans, vectors)})


def test_selection_prefers_the_sentence_holding_the_asked_for_figure() -> None:
    q = np.array([1.0, 0.0])
    close, closer = np.array([0.6, 0.8]), np.array([0.65, 0.76])
    hit = _hit(
        "Microsoft will invest a lot this year. Microsoft will invest 80 billion dollars.", 1, 0.5, [closer, close]
    )
    question = "How much will Microsoft invest this year?"
    # A budget of one sentence: which one is shown?
    _, plain, _ = context.select([hit], context.Query(q), words, budget=8)
    _, typed, _ = context.select([hit], context.Query(q, question, "number"), words, budget=8)
    assert [p.text for p in plain] == ["Microsoft will invest a lot this year."]
    assert [p.text for p in typed] == ["Microsoft will invest 80 billion dollars."]


def test_a_repeated_sentence_is_shown_once() -> None:
    q = np.array([1.0, 0.0])
    title, other = np.array([0.9, 0.44]), np.array([0.5, 0.87])
    text = "Microsoft pauses data centers. Microsoft pauses data centers. Meta fills the gap."
    hit = _hit(text, 1, 0.5, [title, title, other])
    _, passages, _ = context.select([hit], context.Query(q), words, budget=100)
    assert [p.text for p in passages] == ["Microsoft pauses data centers.", "Meta fills the gap."]


def test_a_sentence_is_also_scored_against_the_question_in_its_own_language() -> None:
    q, translated = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    dutch = _hit("Microsoft betaalde veel geld.", 1, 0.5, [np.array([0.8, 0.6])])
    german = _hit("Microsoft zahlte 650 Millionen Dollar.", 2, 0.5, [np.array([0.1, 0.99])])
    language = {dutch.chunk.source: "nl", german.chunk.source: "de"}.get

    def of(chunk: Chunk) -> str:
        return language(chunk.source, "en")

    plain, _ = context.rank([dutch, german], context.Query(q))
    version = context.Version(translated, lambda text: 1.0 if "Millionen" in text else 0.0)
    crossed, _ = context.rank([dutch, german], context.Query(q, versions={"de": version}, language_of=of))
    assert plain[0].text.startswith("Microsoft betaalde")
    assert crossed[0].text.startswith("Microsoft zahlte"), "nearer to the German version, and holds its terms"
    # A sentence in a language with no version keeps its score.
    assert [c.score for c in crossed if c.text.startswith("Microsoft betaalde")] == [plain[0].score]


def test_sentences_in_another_language_gain_the_share_of_question_words_they_match() -> None:
    q = np.array([1.0, 0.0])
    dutch = _hit("Microsoft betaalde veel geld.", 1, 0.5, [np.array([0.8, 0.6])])
    german = _hit("Nach der Entlassung von Altman.", 2, 0.5, [np.array([0.7, 0.71])])
    language = {dutch.chunk.source: "nl", german.chunk.source: "de"}.get
    asked: list[list[str]] = []

    def matched(texts: list[str]) -> list[float]:
        asked.append(texts)
        return [1.0 if "Entlassung" in t else 0.0 for t in texts]

    question = "Wanneer werd Sam Altman kortstondig ontslagen als CEO van OpenAI?"  # longer than a short question
    plain, _ = context.rank([dutch, german], context.Query(q, question))
    query = context.Query(q, question, language_of=lambda c: language(c.source, "en"), code="nl", matched=matched)
    crossed, _ = context.rank([dutch, german], query)
    assert plain[0].text.startswith("Microsoft betaalde")
    assert crossed[0].text.startswith("Nach der Entlassung"), "it matches the Dutch question's words"
    assert asked == [["Nach der Entlassung von Altman."]], "sentences in the question's language are not matched"
    assert crossed[0].score == next(c.score for c in plain if c.text.startswith("Nach")) + context.WORD_MATCH_BONUS


def test_in_a_short_question_sentences_in_its_own_language_are_matched_too() -> None:
    q = np.array([1.0, 0.0])
    # "Siapa CEO Microsoft AI?": the Indonesian sentence holding the asked words was outranked by a Dutch one
    # that held them loosely and got the word-match bonus alone.
    dutch = _hit(
        "Toen Sam Altman als CEO was afgezet, leek een AI-team binnen Microsoft.", 1, 0.5, [np.array([0.8, 0.6])]
    )
    indonesian = _hit("Mustafa Suleyman, CEO Microsoft AI, mengakui.", 2, 0.5, [np.array([0.7, 0.71])])
    language = {dutch.chunk.source: "nl", indonesian.chunk.source: "id"}.get
    asked: list[list[str]] = []

    def matched(texts: list[str]) -> list[float]:
        asked.append(texts)
        return [1.0 if "Suleyman" in t else 0.8 for t in texts]

    def best(question: str) -> str:
        query = context.Query(q, question, language_of=lambda c: language(c.source), code="id", matched=matched)
        ranked, _ = context.rank([dutch, indonesian], query)
        return ranked[0].text

    assert best("Siapa CEO Microsoft AI?").startswith("Mustafa Suleyman")
    assert sorted(asked[-1]) == sorted([dutch.chunk.text, indonesian.chunk.text]), "both languages are matched"
    assert best("Siapa yang sekarang menjabat sebagai CEO Microsoft AI di perusahaan itu?").startswith("Toen Sam")
    assert asked[-1] == [dutch.chunk.text], "a longer question matches other languages only"


def test_the_source_holding_the_best_sentence_is_numbered_first(monkeypatch) -> None:
    q = np.array([1.0, 0.0])
    first = _hit("Microsoft leased data centers.", 1, 0.6, [np.array([0.3, 0.95])])
    second = _hit("Microsoft paid 650 million dollars.", 2, 0.5, [np.array([0.99, 0.1])])
    ranked, _ = context.rank([first, second], context.Query(q))
    monkeypatch.setattr(context, "LEAD_WITH_BEST", False)
    by_chunk, _ = context.fit(ranked, words, 100)
    monkeypatch.setattr(context, "LEAD_WITH_BEST", True)
    by_best, passages = context.fit(ranked, words, 100)
    assert [s.source for s in by_chunk] == ["seeds/1.txt", "seeds/2.txt"]
    assert [(s.n, s.source) for s in by_best] == [(1, "seeds/2.txt"), (2, "seeds/1.txt")]
    assert {p.text: p.n for p in passages} == {
        "Microsoft paid 650 million dollars.": 1,
        "Microsoft leased data centers.": 2,
    }


def test_a_sentence_that_asks_a_question_ranks_below_an_equal_one_that_states() -> None:
    q = np.array([1.0, 0.0])
    same = np.array([0.8, 0.6])
    hit = _hit("Is OpenAI hiervoor verantwoordelijk? OpenAI is hiervoor verantwoordelijk.", 1, 0.5, [same, same])
    ranked, _ = context.rank([hit], context.Query(q))
    assert [c.text for c in ranked] == ["OpenAI is hiervoor verantwoordelijk.", "Is OpenAI hiervoor verantwoordelijk?"]
    assert ranked[0].score - ranked[1].score == pytest.approx(context.QUESTION_PENALTY)
    assert context._asks("Wer hat es gesagt?”") and not context._asks("Er fragte, wer es war.")


def test_a_second_models_closeness_is_added_to_each_sentences_score() -> None:
    q = np.array([1.0, 0.0])
    hit = _hit("Microsoft invests a lot. Suleyman leads Microsoft AI.", 1, 0.5, [np.array([0.9, 0.44])] * 2)
    asked: list[list[str]] = []

    def closeness(texts: list[str]) -> list[float]:
        asked.append(texts)
        return [0.9 if "leads" in t else 0.8 for t in texts]

    plain, _ = context.rank([hit], context.Query(q, "Who leads Microsoft AI?"))
    second, _ = context.rank([hit], context.Query(q, "Who leads Microsoft AI?", closeness=closeness))
    assert asked == [["Microsoft invests a lot.", "Suleyman leads Microsoft AI."]], "one call, every candidate"
    assert plain[0].text == "Microsoft invests a lot.", "equal vectors: the first sentence stays first"
    assert second[0].text == "Suleyman leads Microsoft AI."
    by_text = {c.text: c.score for c in plain}
    for c, close in zip(second, (0.9, 0.8)):
        assert c.score == pytest.approx(by_text[c.text] + context.RERANK_WEIGHT * close)
