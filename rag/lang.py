"""Detects the language of a question so the answer can be written in it. Nothing else."""

from __future__ import annotations

import functools
import re

# Languages the detector may choose from; a narrower set makes short questions reliable.
NAMES = {
    "en": "English", "nl": "Dutch", "de": "German", "id": "Indonesian", "ms": "Indonesian",
    "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "sv": "Swedish",
    "da": "Danish", "no": "Norwegian", "pl": "Polish", "tr": "Turkish", "fi": "Finnish", "cs": "Czech",
}  # fmt: skip
# Question words that belong to one corpus language only ("wie" and "was" are left out: Dutch and German,
# English and German). In a short question they outweigh the names around them: "Siapa CEO Microsoft AI?"
# is Indonesian, though three of its four words look English to a character-level model.
_CUES = {
    "id": "siapa apa apakah berapa kapan mengapa kenapa bagaimana dimana",
    "nl": "wat welke welk waarom wanneer waar hoeveel hoe",
    "de": "wer welche welcher welches welchen welchem warum wann wo wieso weshalb wieviel",
    "en": "who what which why when where how",
}
_CUE_OF = {w: code for code, words in _CUES.items() for w in words.split()}
SHORT_WORDS = 6  # up to this many words a question word decides; longer text has enough letters for langid


@functools.lru_cache(maxsize=1)
def _langid():  # noqa: ANN202 - py3langid module
    import py3langid

    py3langid.set_languages(list(NAMES))
    return py3langid


def detect(text: str) -> str:
    """ISO code of the text's language ('ms' is folded into 'id'); 'en' when unsure."""
    if len(text.strip()) < 3:
        return "en"
    words = re.findall(r"[^\W\d_]+", text.lower())
    cues = {_CUE_OF[w] for w in words if w in _CUE_OF}
    if len(words) <= SHORT_WORDS and len(cues) == 1:
        return cues.pop()
    code, _ = _langid().classify(text)
    return "id" if code == "ms" else code


def name(code: str) -> str:
    return NAMES.get(code, "English")
