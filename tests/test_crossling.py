"""The question put into the languages of the retrieved documents (crossling.py): the mechanics with a stand-in
model, and the real pipeline with the test model through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rag import crossling
from rag.answer import Assistant
from rag.api import open_retriever
from rag.settings import Settings
from tests.conftest import run_cli
from tests.scripted import Scripted

QUESTION = "Hoeveel betaalde Microsoft voor het team van Inflection AI?"  # the answer is in a German article


def test_a_translation_is_asked_once_per_question_and_language() -> None:
    gen = Scripted("Wie viel zahlte Microsoft   für das Team?")
    question = "Hoeveel betaalde Microsoft voor het team? (cache test)"
    assert crossling.translate(question, "de", gen) == "Wie viel zahlte Microsoft für das Team?"
    assert crossling.translate(question, "de", gen) == "Wie viel zahlte Microsoft für das Team?"
    assert len(gen.prompts) == 1 and gen.prompts[0][0]["content"] == crossling.SYSTEM
    asked = gen.prompts[0][1]["content"]
    assert question in asked and asked.endswith("in German:"), "the question is restated, not answered"
    assert crossling.translate(question, "xx", gen) == "", "a language without a file is not asked for"


def test_the_assistant_translates_into_each_other_language_of_the_hits(built: Path) -> None:
    settings = Settings().replace(index=built / "index", docs=built / "seeds")
    gen = Scripted("Microsoft zahlte 650 Millionen Dollar für das Team von Inflection AI.")
    bot = Assistant(open_retriever(settings=settings), lambda: gen, translate_question=True)
    shown = bot.evidence(QUESTION)
    asked = {p[1]["content"] for p in gen.prompts if p[0]["content"] == crossling.SYSTEM}
    hit_languages = {crossling.chunk_language(h.chunk) for h in bot.retriever.search(QUESTION, bot.k)} - {"nl"}
    assert hit_languages and len(asked) == len(hit_languages), (asked, hit_languages)
    assert shown and "650" in shown[0].text, "the sentence matching the German version ranks first"
    off = Assistant(open_retriever(settings=settings), lambda: Scripted("unused"))
    assert off.evidence(QUESTION) and not off.generator.prompts, "off by default: no model call to rank"


def test_translations_go_to_the_translator_and_leave_the_answering_context_alone(built: Path) -> None:
    settings = Settings().replace(index=built / "index", docs=built / "seeds")
    answering, side = Scripted("Microsoft zahlte 650 Millionen Dollar [1]."), Scripted("Wie viel zahlte Microsoft?")
    bot = Assistant(
        open_retriever(settings=settings), lambda: answering, translate_question=True, translator=lambda: side
    )
    bot.ask(QUESTION + " (side context)")
    assert side.prompts and all(p[0]["content"] == crossling.SYSTEM for p in side.prompts)
    assert answering.prompts and not any(p[0]["content"] == crossling.SYSTEM for p in answering.prompts)


def test_the_local_translator_is_a_second_context_of_the_same_model_taking_turns() -> None:
    from rag.api import generator, translator
    from rag.backends.llm import SIDE_CTX

    settings = Settings().replace(llm_model="smollm2-135m")
    main, side = generator(settings), translator(settings)
    assert side is not main and side.llm is not main.llm and side.path == main.path
    assert side.lock is main.lock and side.n_ctx == SIDE_CTX, "one generation at a time on these cores"
    assert translator(settings) is side, "loaded once"
    assert "".join(side.stream([{"role": "user", "content": "Hallo"}], 4)), "it generates"


def test_the_real_pipeline_with_translation_on(built: Path) -> None:
    env = {"RAG_LLM_MODEL": "smollm2-135m", "RAG_TRANSLATE_QUESTION": "on"}
    res = run_cli("ask", "--json", QUESTION, cwd=built, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    answer = json.loads(res.stdout)
    assert answer["evidence"] is not None and answer["evidence"]["source"].startswith("seeds/")
    bad = run_cli("ask", QUESTION, cwd=built, env={**env, "RAG_TRANSLATE_QUESTION": "maybe"})
    assert bad.returncode != 0 and "translate_question" in bad.stderr and "Traceback" not in bad.stderr


def test_no_hits_no_model_call() -> None:
    gen = Scripted("x")
    found = crossling.versions("Who paid?", "en", [], gen, lambda texts: np.zeros((len(texts), 2)))
    assert found == {} and not gen.prompts
