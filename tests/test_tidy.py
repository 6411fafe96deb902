"""Reply cleanup: file names and dangling "according to" go; a real attribution stays."""

from __future__ import annotations

import pytest

from rag.tidy import says_absent, scrub


@pytest.mark.parametrize(
    ("reply", "clean"),
    [
        ("According to, Microsoft walked away from 2 gigawatt [1].", "Microsoft walked away from 2 gigawatt [1]."),
        ("According to the information in, TD Cowen estimated it [1].", "TD Cowen estimated it [1]."),
        ("Laut [1], Microsoft zahlte 650 Millionen.", "Microsoft zahlte 650 Millionen."),
        ("Microsoft paid [1]. See seeds/004_85b4fb37c10d1e96.txt.", "Microsoft paid [1]. See."),
        ("Microsoft paid [1] (004_85b).", "Microsoft paid [1]."),
        ("The report.pdf says Microsoft paid [1].", "The says Microsoft paid [1]."),
        ("The report says Microsoft paid [1].", "The report says Microsoft paid [1]."),
        ("According to TD Cowen, Microsoft ended leases [1].", "According to TD Cowen, Microsoft ended leases [1]."),
        # A list item ends its sentence, its number dropped (qa q51 once kept "adalah: 1 [1]." and lost the name).
        (
            "Media itu adalah:\n\n1. New York Times [1]\n\nThis source says so.",
            "Media itu adalah: New York Times [1]. This source says so.",
        ),
        ("Two:\n- Microsoft [1]\n- Google [2]", "Two:\nMicrosoft [1].\nGoogle [2]"),
        ("Microsoft paid 650 million\nfor the team [1].", "Microsoft paid 650 million\nfor the team [1]."),
    ],
)
def test_scrub(reply: str, clean: str) -> None:
    assert scrub(reply, ["seeds/004_85b4fb37c10d1e96.txt", "docs/report.pdf"]) == clean


@pytest.mark.parametrize(
    "sentence",
    [
        "Microsoft's current share price is not provided in the given text [5].",
        "The sources do not say when it was announced.",
        "De prijs wordt in de bronnen niet vermeld.",
        "Das Alter von Satya Nadella wird in den Quellen nicht erwähnt.",
        "Die Quellen enthalten keine Angaben dazu.",
        "Tidak ada informasi tentang kantor pusat Cohere.",
    ],
)
def test_a_sentence_saying_the_sources_are_silent(sentence: str) -> None:
    assert says_absent(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Microsoft did not invest more money in OpenAI [1].",
        "Microsoft heeft niet meer geïnvesteerd [1].",
        "Microsoft investierte nicht mehr [1].",
        "Microsoft tidak berinvestasi lagi [1].",
    ],
)
def test_a_fact_in_the_negative_is_a_claim(sentence: str) -> None:
    assert not says_absent(sentence)


def test_german_zufolge_names_what_comes_before_it_and_stays() -> None:
    """ "Quellen zufolge, …" is an attribution that names its source; only "laut, …" dangles."""
    assert (
        scrub("Quellen zufolge, Microsoft zahlte 650 Millionen [1].")
        == "Quellen zufolge, Microsoft zahlte 650 Millionen [1]."
    )
