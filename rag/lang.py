"""Detects the language of a question so the answer can be written in it. Nothing else."""

from __future__ import annotations

import functools

# Languages the detector may choose from; a narrower set makes short questions reliable.
NAMES = {
    "en": "English", "nl": "Dutch", "de": "German", "id": "Indonesian", "ms": "Indonesian",
    "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "sv": "Swedish",
    "da": "Danish", "no": "Norwegian", "pl": "Polish", "tr": "Turkish", "fi": "Finnish", "cs": "Czech",
}  # fmt: skip


@functools.lru_cache(maxsize=1)
def _langid():  # noqa: ANN202 - py3langid module
    import py3langid

    py3langid.set_languages(list(NAMES))
    return py3langid


def detect(text: str) -> str:
    """ISO code of the text's language ('ms' is folded into 'id'); 'en' when unsure."""
    if len(text.strip()) < 3:
        return "en"
    code, _ = _langid().classify(text)
    return "id" if code == "ms" else code


def name(code: str) -> str:
    return NAMES.get(code, "English")
