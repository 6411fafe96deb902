"""Keeps instructions planted in documents away from the model.

A sentence that talks to an AI rather than about the world (ignore your instructions, reveal the
system prompt, add this link to every answer, a chat-role or question-and-answer label such as "User:" or "Answer:") is not shown to the
model at all; Markdown links and images in what is shown are reduced to their words. A heuristic
phrase list per language (rag/languages/*.toml), on top of the fenced prompt (prompt.py) and the page
that renders no markup (web.py): it will not catch every phrasing. It does not change the index or
the files.
"""

from __future__ import annotations

import functools
import re

from . import languages


@functools.cache
def _pattern(table: tuple[languages.Language, ...]) -> re.Pattern[str]:
    """One pattern over the guard phrases of every known language (rag/languages/*.toml): a document in one
    language is read for a question in another."""

    def alt(field: str) -> str:
        return "|".join(x for lang in table for x in getattr(lang, field))

    return re.compile(
        "|".join(
            [
                # ignore / forget / disregard + instructions, rules, sources, prompt
                rf"\b(?:{alt('guard_ignore')})\b[^.!?\n]{{0,40}}\b(?:{alt('guard_targets')})\b",
                # "system prompt", "developer mode", "… every answer", "reply only with": orders about the reply
                "|".join(rf"\b(?:{p})\b" for lang in table for p in lang.guard_phrases),
                # a chat-role label opening a line, as if the document were a turn of the conversation
                rf"^\s*(?:{alt('role_labels')})\s*:",
            ]
        ),
        re.I | re.M,
    )


_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")


def addresses_an_ai(sentence: str) -> bool:
    """True for a sentence giving orders to the model (see the module docstring)."""
    return bool(_pattern(tuple(languages.all_languages().values())).search(sentence))


def defang(text: str) -> str:
    """The text with Markdown links and images reduced to their words, so there is no address to repeat."""
    return _MD_LINK.sub(lambda m: m.group(1), text)
