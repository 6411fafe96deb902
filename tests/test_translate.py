"""An answer written in a source's language is translated into the question's, its markers kept (stand-in LLM)."""

from __future__ import annotations

from rag import translate
from tests.scripted import Scripted

INDONESIAN = (
    "Noelle Walsh, Kepala Operasi Cloud Microsoft, mengatakan perusahaan akan memacu rencana secara strategis [2]."
)


def test_a_sentence_in_the_wrong_language_is_translated_and_keeps_its_markers() -> None:
    gen = Scripted(
        "Noelle Walsh, Microsoft's head of cloud operations, said the company will strategically pace its plans."
    )
    assert translate.needed(INDONESIAN, "en")
    text = translate.into(INDONESIAN, "en", "English", gen, 100)
    assert (
        text
        == "Noelle Walsh, Microsoft's head of cloud operations, said the company will strategically pace its plans [2]."
    )
    assert (
        "English" in gen.prompts[0][0]["content"]
        and gen.prompts[0][1]["content"] == INDONESIAN.removesuffix(" [2].") + "."
    )


def test_a_sentence_in_the_right_language_is_not_sent() -> None:
    gen = Scripted("unused")
    answer = "Microsoft paid 650 million dollars for the Inflection AI team [1]."
    assert not translate.needed(answer, "en")
    assert translate.into(answer, "en", "English", gen, 100) == answer and gen.prompts == []


def test_a_translation_that_changes_a_figure_is_not_used() -> None:
    source = "Microsoft membayar 650 juta dolar untuk tim Inflection AI pada tahun lalu [1]."
    assert (
        translate.into(
            source, "en", "English", Scripted("Microsoft paid 600 million dollars for the team last year."), 100
        )
        == source
    )


def test_a_source_sentence_copied_after_a_colon_is_translated_alone() -> None:
    head = "Media yang melaporkan rencana investasi tambahan Microsoft di OpenAI adalah"
    copied = (
        "Angesichts der angespannten Lage stimmte Microsoft einer Vertragsänderung zu, die OpenAI einen Vertrag "
        "über 10 Milliarden Dollar mit Oracle ermöglichte"
    )
    reply = (
        "Mengingat situasi tersebut, Microsoft menyetujui perubahan kontrak yang memungkinkan OpenAI membuat kontrak "
        "senilai 10 miliar dolar dengan Oracle."
    )
    gen = Scripted(reply)
    assert translate.needed(f"{head}: {copied} [1].", "id")
    text = translate.into(f"{head}: {copied} [1].", "id", "Indonesian", gen, 100)
    assert text == f"{head}: {reply.removesuffix('.')} [1]."
    assert gen.prompts[0][1]["content"] == copied + ".", "only the copied part is sent"
