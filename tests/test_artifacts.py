"""Artefact counting for `rag eval`: what makes an answer look broken."""

from __future__ import annotations

from rag.evaluation.artifacts import find

SOURCES = ["seeds/004_85b4fb37c10d1e96.txt"]


def test_each_kind_is_counted() -> None:
    assert find("Microsoft paid 650 million [1]. According to, the team was bought [].", "en") == {
        "empty_mark": 1,
        "dangling_according_to": 1,
        "other_language": 0,
        "unsupported_mark": 0,
        "file_name": 0,
        "repeated_name": 0,
        "copies_question": 0,
    }
    echo = find("Wie viel zahlte Microsoft für das Team von Inflection AI [1]? seeds/004_85b [?]", "de", "", SOURCES)
    assert echo["file_name"] == 1 and echo["unsupported_mark"] == 1
    mixed = "Microsoft betaalde 650 miljoen dollar voor het team [1]. Das Team gehörte zu Mustafa Suleyman [1]."
    assert find(mixed, "nl")["other_language"] == 1
    assert find("Laut [1]. Menurut [2], perusahaan itu membayar.", "id")["dangling_according_to"] == 2


def test_a_clean_answer_has_none() -> None:
    clean = "According to TD Cowen, Microsoft ended leases at two US sites [1]. It paid 650 million dollars [2]."
    assert sum(find(clean, "en").values()) == 0
    assert sum(find("Ja [1].", "de").values()) == 0, "a short sentence is not judged by language"


def test_garbles_are_counted() -> None:
    """A name written twice in one short sentence, and a sentence copying half the question (issue 21)."""
    garbled = "Microsoft hat Microsoft für das Team von Inflection AI bezahlt [1]."
    assert find(garbled, "de")["repeated_name"] == 1
    question = "How long did Microsoft have an observer seat on the board of OpenAI?"
    echo = "Microsoft had an observer seat on the board of OpenAI for a while [1]."
    assert find(echo, "en", question)["copies_question"] == 1
    assert find("Microsoft had the seat for half a year [1].", "en", question)["copies_question"] == 0
    assert find("Quellen zufolge, Microsoft zahlte [1].", "de")["dangling_according_to"] == 0
