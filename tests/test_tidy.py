"""Reply cleanup: file names and dangling "according to" go; a real attribution stays."""

from __future__ import annotations

import pytest

from rag.tidy import scrub


@pytest.mark.parametrize(
    ("reply", "clean"),
    [
        ("According to, Microsoft walked away from 2 gigawatt [1].", "Microsoft walked away from 2 gigawatt [1]."),
        ("According to the information in, TD Cowen estimated it [1].", "TD Cowen estimated it [1]."),
        ("Laut [1], Microsoft zahlte 650 Millionen.", "Microsoft zahlte 650 Millionen."),
        ("Microsoft paid [1]. See seeds/004_85b4fb37c10d1e96.txt.", "Microsoft paid [1]. See."),
        ("According to TD Cowen, Microsoft ended leases [1].", "According to TD Cowen, Microsoft ended leases [1]."),
    ],
)
def test_scrub(reply: str, clean: str) -> None:
    assert scrub(reply) == clean
