"""The llama.cpp generator with the tiny real model: a prompt gets the same greedy reply whatever was asked before
it, because every prompt is read from the end of the cached system prompt."""

from __future__ import annotations

from rag import prompt
from rag.backends import models
from rag.backends.llm import LlamaGenerator
from rag.types import Source

SOURCES = [
    Source(1, "seeds/a.txt", "Microsoft paid 650 million dollars for the team of Inflection AI."),
    Source(2, "seeds/b.txt", "Microsoft cancelled leases for data centers in the United States."),
]


def test_a_question_gets_the_same_reply_whatever_came_before() -> None:
    gen = LlamaGenerator(models.test_model_path())
    first = prompt.messages("How much did Microsoft pay for Inflection?", SOURCES, "English")
    # Shares the system prompt and both sources with `first`: llama-cpp-python alone would reuse all of that.
    other = prompt.messages("Why did Microsoft cancel leases?", SOURCES, "English")

    def reply(messages: list) -> str:
        return "".join(gen.stream(messages, 24))

    fresh = reply(first)
    reply(other)
    after_other = reply(first)
    twice = reply(first)  # the same prompt right after itself
    assert fresh.strip() and fresh == after_other == twice
    # What stays cached between prompts is exactly the system prompt: the reply to `other` is gone.
    gen._pin_prefix(first)
    kept = gen.llm.detokenize(list(gen.llm.input_ids[: gen.llm.n_tokens])).decode()
    assert prompt.SYSTEM in kept and "Question:" not in kept
