"""Rewrites a checked answer that came out in another language than the question's, sentence by sentence.

The small model sometimes copies a source's language ("Noelle Walsh, Kepala Operasi Cloud Microsoft…"
for an English question). Each such sentence is translated by the same model and keeps its `[n]`
markers, so its citations still hold; a translation that changes a figure is not used. It does not
check citations (citations.py did) and never touches a sentence already in the right language.
"""

from __future__ import annotations

from . import citations, numbers, prompt, tidy
from .backends.llm import Generator
from .types import Message

SYSTEM = "Translate the user's text into {language}. Keep names and numbers exactly. Reply with the translation only."


def needed(text: str, code: str) -> bool:
    """True when a sentence of the answer is written in another language than `code`."""
    return any(tidy.foreign(citations.strip_markers(c), code) for c in citations.claims(text))


def into(text: str, code: str, language: str, gen: Generator, max_tokens: int) -> str:
    """`text` with each sentence in another language than `code` translated into `language`."""
    out = []
    for claim in citations.claims(text):
        body = citations.strip_markers(claim)
        if not tidy.foreign(body, code):
            out.append(claim)
            continue
        head, sep, tail = body.partition(": ")
        if sep and not tidy.foreign(head, code) and tidy.foreign(tail, code):
            # "Media yang melaporkan … adalah: Angesichts der Lage …": the model introduced a source sentence in
            # the question's language and copied it. Sent whole, the mixed text came back unchanged (qa q51).
            done = _translated(tail, code, language, gen, max_tokens)
            done = done and f"{head}{sep}{done}"
        else:
            done = _translated(body, code, language, gen, max_tokens)
        out.append(citations.with_markers(done, citations.markers(claim)) if done else claim)
    return " ".join(out)


def _translated(body: str, code: str, language: str, gen: Generator, max_tokens: int) -> str:
    """`body` in `language`, or '' when the translation changes a figure, stays foreign or is the refusal signal."""
    msgs: list[Message] = [
        {"role": "system", "content": SYSTEM.format(language=language)},
        {"role": "user", "content": body},
    ]
    done = citations.strip_markers(" ".join("".join(gen.stream(msgs, max_tokens)).split()))
    ok = done and not prompt.says_not_found(done) and numbers.figures(done) == numbers.figures(body)
    return done if ok and not tidy.foreign(done, code) else ""
