"""End to end with the real default model (Qwen2.5-Coder-1.5B): facts, citations, language, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import lang
from rag.answer import Assistant
from rag.api import assistant
from rag.types import Answer, Exchange
from tests.conftest import DUTCH, ENGLISH_A, GERMAN

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bot(built: Path) -> Assistant:
    return assistant(built / "index", "qwen2.5-coder-1.5b")


def cited_files(answer: Answer) -> set[str]:
    return {c.source for c in answer.citations}


def assert_quotes_verbatim(answer: Answer, base: Path) -> None:
    for c in answer.citations:
        lines = (base / c.source).read_text(encoding="utf-8").split("\n")
        assert c.quote in "\n".join(lines[c.start_line - 1 : c.end_line])


def test_english_question_about_the_german_article(bot: Assistant, built: Path) -> None:
    answer = bot.ask("How much did Microsoft pay for the Inflection AI team?")
    assert answer.found and "650" in answer.text
    assert GERMAN in cited_files(answer)
    assert lang.detect(answer.text) == "en"
    assert_quotes_verbatim(answer, built)


def test_dutch_question_answered_in_dutch(bot: Assistant, built: Path) -> None:
    answer = bot.ask("Hoeveel geld wil het Stargate-project investeren?")
    assert answer.found and "500" in answer.text
    assert cited_files(answer) & {DUTCH, ENGLISH_A}
    assert lang.detect(answer.text) == "nl"
    assert_quotes_verbatim(answer, built)


def test_german_question_answered_in_german(bot: Assistant, built: Path) -> None:
    answer = bot.ask("Wie viel zahlte Microsoft für das Team von Inflection AI?")
    assert answer.found and "650" in answer.text
    assert GERMAN in cited_files(answer)
    assert lang.detect(answer.text) == "de"


@pytest.mark.parametrize("question", ["What is Microsoft's current share price?", "What is the capital of Australia?"])
def test_unanswerable_question_is_refused(bot: Assistant, question: str) -> None:
    answer = bot.ask(question)
    assert not answer.found
    assert answer.citations == ()
    assert "don't contain" in answer.text and answer.closest and answer.closest in answer.text
    assert "Canberra" not in answer.text


def test_follow_up_uses_the_history(bot: Assistant) -> None:
    history = [Exchange("Wie viel zahlte Microsoft für das Team von Inflection AI?", "650 Millionen US-Dollar [1].")]
    answer = bot.ask("Und wer hat es mitgegründet?", history=history)
    assert answer.found and "Suleyman" in answer.text
    assert GERMAN in cited_files(answer)
