"""Detects the language of a question so the answer can be written in it. Nothing else.

A short question has too few letters for a character model: "Wie is Sam Altman?" reads as German
to one. There the function words of the known languages (rag/languages/*.toml) decide: "wie" and
"is" are Dutch, "wer" and "ist" German, "siapa" and "itu" Indonesian. Longer text goes to py3langid.
"""

from __future__ import annotations

import functools
import re

from . import languages

# Languages the detector may choose from besides the known ones; a narrower set makes short questions reliable.
NAMES = {
    "ms": "Indonesian", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "sv": "Swedish",
    "da": "Danish", "no": "Norwegian", "pl": "Polish", "tr": "Turkish", "fi": "Finnish", "cs": "Czech",
}  # fmt: skip
SHORT_WORDS = 6  # up to this many words function words decide; longer text has enough letters for langid


def is_short(text: str) -> bool:
    """Whether `text` has at most SHORT_WORDS words (split on spaces): a short question is about the names it
    gives, which is how retrieval and sentence ranking treat it."""
    return len(text.split()) <= SHORT_WORDS


@functools.lru_cache(maxsize=1)
def _langid():  # noqa: ANN202 - py3langid module
    import py3langid

    py3langid.set_languages(sorted({*NAMES, *languages.all_languages()}))
    return py3langid


def _by_function_words(words: list[str]) -> list[str]:
    """The known languages with the most function words in `words` (a question word counts twice:
    "Siapa CEO Microsoft AI?" has nothing else); several at a tie ("Wie?"), none when none is there."""
    counts = {
        code: sum(2 if w in lang.question_words else 1 for w in words if w in lang.function_words)
        for code, lang in languages.all_languages().items()
    }
    best = max(counts.values(), default=0)
    return [code for code, n in counts.items() if n == best] if best else []


def detect(text: str) -> str:
    """ISO code of the text's language ('ms' is folded into 'id'); 'en' when unsure."""
    if len(text.strip()) < 3:
        return "en"
    words = re.findall(r"[^\W\d_]+", text.lower())
    tied = _by_function_words(words) if len(words) <= SHORT_WORDS else []
    if len(tied) == 1:
        return tied[0]
    ranked = [("id" if code == "ms" else code) for code, _ in _langid().rank(text)]
    # At a tie the character model only chooses among the tied languages.
    return next((code for code in ranked if code in tied), ranked[0]) if tied else ranked[0]


def name(code: str) -> str:
    known = languages.get(code)
    return known.name if known else NAMES.get(code, "English")
