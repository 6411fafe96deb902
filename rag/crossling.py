"""Puts the question into the languages of the retrieved documents, so sentences are ranked like with like.

A Dutch question and the German sentence that answers it are further apart for the embedding model than
two sentences of one language, and share no words. So the question is translated by the LLM into each
language of the retrieved chunks (other than its own), and a sentence is scored against the version in
its own language too (context.rank). The fact in the best-ranked sentence: qa 49% -> 60%, held-out
40% -> 55%. It only ranks: it does not retrieve with the translations, translate documents or answers
(translate.py does that), or decide whether the documents can answer (grounds.py). Translations are cached
per question and language.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from . import lang, languages
from .backends.llm import Generator
from .lru import LRU
from .types import Chunk, Hit, Message

# Asked to "translate the user's text", the model wrote a statement, not a question, in 95 of 225 translations
# (qa and held-out), often an answer with made-up facts ("… was Bill Gates") that pulled matching sentences
# up. Framed as a question to restate: 21 of 225, 0.1 s less per translation, and the fact in the best-ranked
# sentence on held-out 51% -> 55% (qa 55% both, at the same weights).
SYSTEM = (
    "You translate questions. You never answer them. Keep names and numbers exactly. "
    "Reply with the translated question only, on one line."
)
USER = "Question: {question}\n\nThe same question in {language}:"
MAX_TOKENS = 80  # a question's length; a longer reply is an answer, not a translation
CACHE_SIZE = 1024


@functools.lru_cache(maxsize=4096)
def chunk_language(chunk: Chunk) -> str:
    """The language a chunk is written in (py3langid on its text; chunks are frozen, so cached)."""
    return lang.detect(chunk.text)


_CACHE: LRU[tuple[str, str], str] = LRU(CACHE_SIZE)  # (language, question) -> translation


def translate(question: str, code: str, gen: Generator) -> str:
    """`question` in the language `code`, by the model; '' if the language is unknown to rag/languages."""
    key = (code, question)
    if (cached := _CACHE.get(key)) is not None:
        return cached
    known = languages.get(code)
    if known is None:
        return ""
    msgs: list[Message] = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": USER.format(question=question, language=known.name)},
    ]
    text = " ".join("".join(gen.stream(msgs, MAX_TOKENS)).split())
    _CACHE.put(key, text)
    return text


def versions(
    question: str, code: str, hits: list[Hit], gen: Generator, embed: Callable[[list[str]], np.ndarray]
) -> dict[str, tuple[str, np.ndarray]]:
    """The question's translation and its vector for each language of `hits` other than `code`."""
    wanted = sorted({chunk_language(h.chunk) for h in hits} - {code})
    texts = {c: t for c in wanted if (t := translate(question, c, gen))}
    if not texts:
        return {}
    vecs = embed(list(texts.values()))
    return {c: (t, v) for (c, t), v in zip(texts.items(), vecs)}
