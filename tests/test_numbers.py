"""Figures compared across en/nl/de/id: digits, number words, compounds and scale words."""

from __future__ import annotations

import pytest

from rag.numbers import figures


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("two gigawatts", "2 Gigawatt"),
        ("lebih dari dua gigawatt", "more than 2 gigawatts"),
        ("650 Millionen US-Dollar", "$650 million"),
        ("80 miljard dollar", "$80 billion"),
        ("500 miliar dolar", "500 Milliarden Dollar"),
        ("fünfhundert Milliarden", "500 billion"),
        ("vijfhonderd miljard", "five hundred billion"),
        ("lima ratus miliar", "500 billion"),
        ("13,75 Milliarden", "13.75 billion"),
        ("een paar honderd megawatt", "a few hundred megawatts"),
    ],
)
def test_the_same_figure_in_two_languages(a: str, b: str) -> None:
    assert figures(a) == figures(b) != set()


@pytest.mark.parametrize(
    ("a", "b"),
    [("650 billion", "650 Millionen"), ("two sites", "three sites"), ("fünf Milliarden", "5 Millionen")],
)
def test_different_figures_differ(a: str, b: str) -> None:
    assert figures(a) != figures(b)


def test_articles_count_as_one_only_on_the_lenient_side() -> None:
    assert figures("Ein Rechenzentrum mit einem Gigawatt") == set()
    assert figures("Ein Rechenzentrum mit einem Gigawatt", lenient=True) == {"1"}
    assert figures("Hunderttausende von Chips") == {"e2", "e3"}
