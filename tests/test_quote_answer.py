"""Answers decided after the model's reply (stand-in model): a name the model fails to read is answered with its
sentence; a figure question answered without a figure about it, or about another year, is refused."""

from __future__ import annotations

from pathlib import Path

from rag.answer import Assistant
from rag.api import open_retriever
from rag.settings import Settings
from tests.scripted import Scripted


def bot(built: Path, reply: str) -> Assistant:
    settings = Settings().replace(index=built / "index", docs=built / "seeds")
    gen = Scripted(reply)
    return Assistant(open_retriever(settings=settings), lambda: gen)


def test_a_name_the_model_says_is_not_mentioned_is_answered_with_its_sentence(built: Path) -> None:
    answer = bot(built, "Michael Elias is not mentioned in the provided sources.").ask("Who is Michael Elias?")
    assert answer.found, answer.text
    [quote] = answer.citations
    assert "Elias" in quote.quote and "Elias" in answer.text and "[1]" in answer.text and "[?]" not in answer.text
    # The quote is the file's text at the stated lines, and the reader is told the model gave no usable answer.
    lines = (built / quote.source).read_text(encoding="utf-8").splitlines()[quote.start_line - 1 : quote.end_line]
    assert " ".join(quote.quote.split()) in " ".join(" ".join(lines).split())
    assert any("names Michael Elias" in n for n in answer.notices)
    assert answer.draft.startswith("Michael Elias is not mentioned")


def test_a_question_asking_more_than_the_name_stays_refused(built: Path) -> None:
    for question in ("Wie alt ist Satya Nadella?", "What did Michael Elias say about the weather?"):
        answer = bot(built, "NOT_FOUND").ask(question)
        assert not answer.found and not answer.citations, (question, answer.text)


def test_a_figure_question_answered_without_a_figure_is_refused(built: Path) -> None:
    # qa q59: the model copied true sentences about leases for a share price; quoted, they would pass.
    reply = "Microsoft heeft verschillende pachten opgezegd voor datacenters [1]."
    answer = bot(built, reply).ask("Wat is de huidige aandelenkoers van Microsoft?")
    assert not answer.found and not answer.citations, answer.text
    assert answer.text.startswith("De documenten bevatten geen antwoord")
    assert any("asks for a figure" in n for n in answer.notices)
    assert answer.evidence is not None, "the closest evidence is still shown"


def test_an_answer_whose_sources_never_name_the_question_s_subject_is_refused(built: Path) -> None:
    # The documents name Nvidia (an investor in the round) but state no sum for it; the model gave Microsoft's.
    reply = "In the most recent $6.6 billion fundraising round for OpenAI, Nvidia did provide $750 million [1]."
    answer = bot(built, reply).ask("How much money did Nvidia put into OpenAI's latest funding round?")
    assert not answer.found and not answer.citations, answer.text
    assert any("names Nvidia" in n for n in answer.notices), answer.notices
    assert answer.evidence is not None, "the closest evidence is still shown"


def test_an_answer_about_another_name_gives_the_sentence_that_names_the_asked_one(built: Path) -> None:
    # short set s36: the model made DeepSeek a company founded by Mustafa Suleyman, citing the Suleyman sentence.
    reply = "DeepSeek was bought by Microsoft for 650 Millionen US-Dollar from Mustafa Suleyman [1]."
    answer = bot(built, reply).ask("What is DeepSeek?")
    assert any("names DeepSeek, which the question is about" in n for n in answer.notices), answer.notices
    assert answer.found and "DeepSeek" in answer.text, answer.text
    [quote] = answer.citations
    assert "DeepSeek" in quote.quote and "Suleyman" not in answer.text


def test_a_who_question_answered_naming_nobody_gets_the_sentence_that_names_someone(built: Path) -> None:
    # qa q24: "Wie beweerde …?" answered "De geldschieters van Stargate hebben niet genoeg geld [1]." (nobody named).
    reply = "The backers of Stargate don't have enough money to realize their goals [1]."
    answer = bot(built, reply).ask("Who claimed that the backers of Stargate don't have enough money?")
    assert answer.found and "Musk" in answer.text, answer.text
    [quote] = answer.citations
    assert "Musk" in quote.quote and "Stargate" in quote.quote
    assert any("asks who" in n for n in answer.notices), answer.notices


def test_a_who_question_answered_with_a_name_is_kept(built: Path) -> None:
    reply = "Elon Musk claimed that the project's backers don't have enough money [1]."
    answer = bot(built, reply).ask("Who claimed that the backers of Stargate don't have enough money?")
    assert answer.found and answer.text.startswith("Elon Musk claimed"), answer.text
    assert not any("asks who" in n for n in answer.notices)


def test_a_figure_for_another_year_than_the_asked_one_is_refused(built: Path) -> None:
    # qa q26: a loss expected for 2024, answered with the investment of early 2023 (a true figure about OpenAI).
    reply = "Het zou een grote ommekeer betekenen ten opzichte van begin 2023, toen Microsoft nog 10 miljard dollar had geïnvesteerd in de AI-speler [1]."
    answer = bot(built, reply).ask("Hoeveel verlies verwachtte OpenAI voor 2024?")
    assert not answer.found and not answer.citations, answer.text
    assert any("asks about a year" in n for n in answer.notices), answer.notices
