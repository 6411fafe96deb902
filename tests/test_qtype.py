"""Answer typing of questions: what kind of answer is asked for, and which sentences offer one."""

from __future__ import annotations

import pytest

from rag import qtype


@pytest.mark.parametrize(
    ("question", "language", "kind"),
    [
        ("How much does Microsoft plan to spend?", "en", "number"),
        ("In which month and year was Sam Altman fired?", "en", "number"),
        ("Which analyst spoke about the leases?", "en", "name"),
        ("Why did Microsoft shelve its plans?", "en", None),
        ("Hoeveel verlies verwachtte OpenAI voor 2024?", "nl", "number"),
        ("Welke bank adviseert Microsoft?", "nl", "name"),
        ("Wie viel will Microsoft investieren?", "de", "number"),
        ("Wie lange hatte Microsoft einen Beobachterposten?", "de", "number"),
        ("Welcher Analyst von TD Cowen verwies darauf?", "de", "name"),
        ("Worauf würde sich das Joint Venture konzentrieren?", "de", None),
        ("Berapa besar investasi Microsoft?", "id", "number"),
        ("Siapa CEO Microsoft AI?", "id", "name"),
    ],
)
def test_kind_of_answer_from_the_question_words(question: str, language: str, kind: str | None) -> None:
    assert qtype.kind(question, language) == kind


def test_a_sentence_offers_only_what_the_question_lacks() -> None:
    q = "How much did Microsoft invest in 2023?"
    assert qtype.offers("Microsoft put in 10 billion dollars.", "number", q)
    assert not qtype.offers("In 2023 Microsoft invested heavily.", "number", q), "2023 is in the question"
    assert qtype.offers("The analyst was Michael Elias of TD Cowen.", "name", "Which analyst spoke?")
    assert not qtype.offers("Microsoft spoke.", "name", "Which company, Microsoft?"), "a first word is no name"
    assert not qtype.offers("Microsoft put in 10 billion dollars.", None, q)


def test_the_first_question_word_decides() -> None:
    # "hoeveel" here sits in a subordinate clause; the question asks for a company.
    assert qtype.kind("Welk Chinees AI-bedrijf zorgde voor twijfels over hoeveel rekenkracht?", "nl") == "name"
    assert qtype.kind("At how many US sites did Microsoft end leases, and who said so?", "en") == "number"


def test_figures_written_as_words_count() -> None:
    assert qtype.offers("Microsoft stopped leases at two sites.", "number", "At how many sites?")
    assert qtype.offers("Microsoft zog sich aus zwei Standorten zurück.", "number", "An wie vielen Standorten?")


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Wat is de huidige aandelenkoers van Microsoft?", "nl"),
        ("What is the current share price of Microsoft?", "en"),
        ("Wie hoch ist der Aktienkurs von Microsoft?", "de"),
        ("Was kostet ChatGPT Plus?", "de"),
        ("Berapa harga saham Microsoft?", "id"),
    ],
)
def test_a_price_asks_for_a_figure(question: str, language: str) -> None:
    assert qtype.kind(question, language) == "number"


def test_an_answer_to_a_figure_question_needs_a_figure_from_a_sentence_about_it() -> None:
    q = "Wat is de huidige aandelenkoers van Microsoft?"
    investment = "Microsofts bisherige Investitionen von 13,75 Milliarden Dollar in Eigenkapital umzuwandeln."
    # No figure at all: it answers something else.
    assert qtype.lacks_figure("Microsoft heeft pachten opgezegd [1]. Dat blijkt [2].", q, "nl", [investment])
    # A figure, but only from a sentence that is not about the question (not among `relevant`).
    assert qtype.lacks_figure("De aandelenkoers is 13,75 miljard dollar [1].", q, "nl", [])
    assert not qtype.lacks_figure("De aandelenkoers is 13,75 miljard dollar [1].", q, "nl", [investment])
    # The citation marker is no figure, and a figure the question gave is not an answer.
    assert qtype.lacks_figure("Het kwam in 2023 [1].", "Hoeveel kostte het in 2023?", "nl", ["In 2023 kostte het."])
    # A question that asks for no figure is never held to one.
    assert not qtype.lacks_figure("Satya Nadella [1].", "Who leads Microsoft?", "en", [])


@pytest.mark.parametrize(
    ("question", "language", "answer", "lacks"),
    [
        # qa q24: the model talked around the question and named nobody.
        (
            "Wie beweerde dat de geldschieters van Stargate niet genoeg geld hebben?",
            "nl",
            "Het geldschieters van Stargate heeft niet genoeg geld om de projecten te financieren [1].",
            True,
        ),
        (
            "Wie beweerde dat de geldschieters van Stargate niet genoeg geld hebben?",
            "nl",
            "Elon Musk beweerde dat [1].",
            False,
        ),
        ("And who co-founded that company?", "en", "The company was co-founded by its founders [1].", True),
        ("Und wer hat es mitgegründet?", "de", "Mustafa Suleyman hat es mitgegründet [1].", False),
        ("Siapa yang menyebut itu?", "id", "Itu disebut oleh Walsh [1].", False),
        # "Who is X?" asks what X is; "which goal" asks for a thing; German "wie" asks how.
        ("Who is Elon Musk?", "en", "He is a business man [1].", False),
        ("Welk langetermijndoel van OpenAI past daarbij?", "nl", "Het doel is het democratiseren van AI [1].", False),
        ("Wie viel kostet das?", "de", "Es kostet viel [1].", False),
    ],
)
def test_a_who_question_needs_a_name_in_its_answer(question: str, language: str, answer: str, lacks: bool) -> None:
    assert qtype.lacks_name(answer, question, language) is lacks


@pytest.mark.parametrize(
    ("question", "language", "answer", "other"),
    [
        # qa q26: a loss expected for 2024 answered with Microsoft's 2023 investment.
        (
            "Hoeveel verlies verwachtte OpenAI voor 2024?",
            "nl",
            "Begin 2023 had Microsoft 10 miljard dollar geïnvesteerd [1].",
            True,
        ),
        (
            "Hoeveel verlies verwachtte OpenAI voor 2024?",
            "nl",
            "OpenAI verwachtte voor 2024 5 miljard dollar verlies [1].",
            False,
        ),
        (
            "Hoeveel verlies verwachtte OpenAI voor 2024?",
            "nl",
            "OpenAI verwachtte 5 miljard dollar verlies [1].",
            False,
        ),
        ("How much did Microsoft invest?", "en", "Microsoft invested $10 billion in 2023 [1].", False),
        ("Which company did Microsoft back in 2019?", "en", "In 2023 Microsoft backed OpenAI [1].", False),  # a name
    ],
)
def test_a_figure_for_another_year_than_the_asked_one(question: str, language: str, answer: str, other: bool) -> None:
    assert qtype.other_year(answer, question, language) is other
