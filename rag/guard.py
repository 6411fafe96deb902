"""Keeps instructions planted in documents away from the model.

A sentence that talks to an AI rather than about the world (ignore your instructions, reveal the
system prompt, add this link to every answer, a chat-role label such as "User:") is not shown to the
model at all; Markdown links and images in what is shown are reduced to their words. A heuristic
word list in four languages, on top of the fenced prompt (prompt.py) and the page that renders no
markup (web.py): it will not catch every phrasing. It does not change the index or the files.
"""

from __future__ import annotations

import re

_ADDRESSING_AN_AI = re.compile(
    r"|".join(
        [
            # ignore / forget / disregard + instructions, rules, sources, prompt (en, de, nl, id)
            r"\b(?:ignore|forget|disregard|ignorier\w*|vergiss|missachte|negeer|vergeet|abaikan|lupakan)\b"
            r"[^.!?\n]{0,40}\b(?:instructions?|rules?|sources?|prompt|above|previous|anweisungen|regeln|quellen|"
            r"instructies|regels|bronnen|instruksi|aturan|sumber|perintah)\b",
            r"\bsystem[\s-]?prompt\b|\bdeveloper mode\b|\bentwicklermodus\b|\bontwikkelaarsmodus\b",
            # "… every answer" / "reply only with": orders about the reply itself
            r"\b(?:every|each) (?:answer|reply|response)\b|\bjede[nmr]? antwort\b|\belk antwoord\b|"
            r"\bsetiap jawaban\b|\b(?:reply|respond|answer) only\b|\bantworte nur\b|\bantwoord alleen\b|"
            r"\bjawab hanya\b|\b(?:do not|don't) cite\b",
            # a chat-role label opening a line, as if the document were a turn of the conversation
            r"^\s*(?:system|user|assistant|human|ai|benutzer|nutzer|gebruiker|pengguna|asisten)\s*:",
        ]
    ),
    re.I | re.M,
)
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")


def addresses_an_ai(sentence: str) -> bool:
    """True for a sentence giving orders to the model (see the module docstring)."""
    return bool(_ADDRESSING_AN_AI.search(sentence))


def defang(text: str) -> str:
    """The text with Markdown links and images reduced to their words, so there is no address to repeat."""
    return _MD_LINK.sub(lambda m: m.group(1), text)
