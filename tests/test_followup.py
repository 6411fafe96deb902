"""Follow-up detection: only clear signs make a question lean on the earlier exchange."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answer import Assistant
from rag.api import open_retriever
from rag.followup import is_follow_up
from rag.types import Exchange

EARLIER = "How much did Microsoft pay for the Inflection AI team? Microsoft paid 650 million dollars [1]."


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("And who founded it?", "en"),
        ("What about Oracle?", "en"),
        ("Why?", "en"),
        ("When did he join Microsoft?", "en"),
        ("En wanneer gebeurde dat?", "nl"),
        ("Waarom deden ze dat?", "nl"),
        ("Und wer hat es mitgegründet?", "de"),
        ("Wann hat er das gesagt?", "de"),
        ("Wie hoch war sein Verlust?", "de"),  # "Verlust" after "sein" is a noun, not a new subject
        ("Berapa harganya?", "id"),
        ("Kapan dia bergabung?", "id"),
        ("Lalu siapa yang membelinya?", "id"),
    ],
)
def test_follow_ups(question: str, language: str) -> None:
    assert is_follow_up(question, EARLIER, language)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("What did Elon Musk say about Stargate?", "en"),
        ("How much does OpenAI expect to lose in 2024?", "en"),
        ("Why did OpenAI move its workloads away from Azure?", "en"),  # "its" is OpenAI's
        ("Which analyst said that Microsoft pulled back?", "en"),  # "that" is a conjunction
        ("Hoeveel verlies verwacht OpenAI voor 2024?", "nl"),
        ("Wat is het Stargate-project?", "nl"),
        ("Wofür gibt OpenAI nahezu alle seine Einnahmen aus?", "de"),
        ("Wie viele Standorte gibt es?", "de"),  # "gibt es" refers to nothing
        ("Auf wie viele Quellen beruft sich die New York Times in ihrem Bericht?", "de"),
        ("Siapa Kepala Operasi Cloud Microsoft?", "id"),
        ("Melalui media apa Microsoft mengumumkan bahwa OpenAI boleh memakai modelnya?", "id"),
    ],
)
def test_new_questions(question: str, language: str) -> None:
    assert not is_follow_up(question, EARLIER, language)


def test_a_pronoun_next_to_a_new_name_starts_a_new_topic() -> None:
    assert is_follow_up("What did he say about Microsoft?", EARLIER, "en")  # Microsoft is already known
    assert not is_follow_up("What did he say about Nvidia?", EARLIER, "en")


class Recording:
    """A stand-in LLM that records the prompts it is given (what reaches the model is what is tested)."""

    name, n_ctx = "recording", 2048

    def __init__(self) -> None:
        self.prompts: list[list[dict]] = []

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        self.prompts.append(messages)
        yield "NOT_FOUND"

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def test_a_topic_switch_is_retrieved_and_prompted_exactly_as_without_history(built: Path) -> None:
    gen = Recording()
    bot = Assistant(open_retriever(built / "index"), lambda: gen)
    history = [Exchange("How much did Microsoft pay for the Inflection AI team?", "650 million dollars [1].")]
    switch = "How much money does OpenAI expect to lose in 2024?"
    with_history, alone = bot.ask(switch, history=history), bot.ask(switch)
    assert [h.chunk.id for h in with_history.retrieved] == [h.chunk.id for h in alone.retrieved]
    assert gen.prompts[0] == gen.prompts[1] and [m["role"] for m in gen.prompts[0]] == ["system", "user"]
    follow = bot.ask("And who co-founded it?", history=history)
    assert [m["role"] for m in gen.prompts[2]] == ["system", "user", "assistant", "user"]
    assert "Inflection" in follow.retrieved[0].chunk.text, "the follow-up is searched with the question before it"


class Echoing(Recording):
    """Repeats the earlier answer when it sees one in the chat, as the small model did; answers otherwise."""

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        self.prompts.append(messages)
        earlier = [m["content"] for m in messages if m["role"] == "assistant"]
        yield earlier[0] if earlier else "Microsoft provided 750 million dollars [1]."


def test_a_follow_up_that_echoes_the_earlier_answer_is_asked_again_without_it(built: Path) -> None:
    gen = Echoing()
    bot = Assistant(open_retriever(built / "index"), lambda: gen)
    first = "How much did Microsoft invest in OpenAI in early 2023?"
    history = [Exchange(first, "Microsoft invested 10 billion dollars in OpenAI in early 2023 [2].")]
    answer = bot.ask("And how much did it provide in the latest funding round?", history=history)
    assert [[m["role"] for m in p] for p in gen.prompts] == [
        ["system", "user", "assistant", "user"],
        ["system", "user"],
    ]
    assert answer.found and "750" in answer.text and "10 billion" not in answer.text
