"""Question language detection, short questions included (real py3langid)."""

from __future__ import annotations

import pytest

from rag import lang


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("Siapa CEO Microsoft AI?", "id"),  # langid alone says English: three of four words are names
        ("Wat is MGX?", "nl"),
        ("Wer ist der CEO?", "de"),
        ("Warum?", "de"),
        ("Who is the CEO of Microsoft AI?", "en"),
        ("Was ist MGX?", "de"),  # "was" is English too: langid decides
        ("Welke analist van Barclays zei dat Microsoft te veel had geïnvesteerd in grond en gebouwen?", "nl"),
        ("Berapa besar investasi Microsoft di OpenAI pada awal 2023?", "id"),
    ],
)
def test_detects_the_question_language(question: str, code: str) -> None:
    assert lang.detect(question) == code


def test_a_long_text_is_left_to_langid_whatever_its_question_words() -> None:
    # One Dutch question word in an English sentence of more than SHORT_WORDS words does not make it Dutch.
    assert lang.detect("Tell me what the article says about the data centers in Abilene, Texas, hoe") == "en"
