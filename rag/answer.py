"""Grounded answers: retrieve, trim, generate, check citations, or refuse.

`Assistant.stream` yields a `Retrieved` event (the passages the model will read), then text pieces
as the model writes them, and the final `Answer` last.
It refuses (found=False) rather than answer from the model's own knowledge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from . import citations, context, followup, lang, prompt, qtype, tidy, translate
from .errors import UsageError
from .limits import DEFAULT_K, DEFAULT_MAX_TOKENS, DEFAULT_SOURCE_TOKENS, MAX_QUESTION_CHARS
from .llm import Generator
from .retrieve import Retriever
from .types import Answer, Exchange, Retrieved, Timings

# Below this top relevance nothing relevant was retrieved: refuse without asking the model (calibrated on
# eval/qa.jsonl). Switched off, 5 of 7 unanswerable qa questions were refused instead of 7, and 3 of 8 on the
# held-out set instead of 5 (eval/ablate.py).
MIN_SCORE = 0.25
REFUSAL = {
    "en": "The documents don't contain an answer to this question.",
    "nl": "De documenten bevatten geen antwoord op deze vraag.",
    "de": "Die Dokumente enthalten keine Antwort auf diese Frage.",
    "id": "Dokumen tidak memuat jawaban atas pertanyaan ini.",
}
CLOSEST = {
    "en": "Closest document",
    "nl": "Dichtstbijzijnde document",
    "de": "Nächstes Dokument",
    "id": "Dokumen terdekat",
}


def standalone(question: str, history: list[Exchange] | None, language: str) -> tuple[str, Exchange | None]:
    """(retrieval query, earlier exchange): a follow-up is searched together with the question before it;
    a new question is searched and answered exactly as without history."""
    earlier = history[-1] if history else None
    if earlier and followup.is_follow_up(question, f"{earlier.question} {earlier.answer}", language):
        return f"{earlier.question} {question}", earlier
    return question, None


class Assistant:
    """Answers questions from one index with one model; `generator` is built on first use."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Callable[[], Generator],
        k: int = DEFAULT_K,
        source_tokens: int = DEFAULT_SOURCE_TOKENS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ):
        self.retriever = retriever
        self._generator_factory = generator
        self._generator: Generator | None = None
        self.k, self.source_tokens, self.max_tokens = k, source_tokens, max_tokens

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = self._generator_factory()
        return self._generator

    def ask(
        self, question: str, history: list[Exchange] | None = None, k: int | None = None, max_tokens: int | None = None
    ) -> Answer:
        for event in self.stream(question, history, k, max_tokens):
            if isinstance(event, Answer):
                return event
        raise AssertionError("stream ended without an answer")

    def stream(
        self, question: str, history: list[Exchange] | None = None, k: int | None = None, max_tokens: int | None = None
    ) -> Iterator[Retrieved | str | Answer]:
        if not question or not question.strip():
            raise UsageError("the question is empty")
        t0 = time.perf_counter()
        question, notices = question.strip(), []
        if len(question) > MAX_QUESTION_CHARS:
            question = question[:MAX_QUESTION_CHARS]
            notices.append(f"the question was trimmed to its first {MAX_QUESTION_CHARS} characters")
        code = lang.detect(question)
        query, earlier = standalone(question, history, code)
        embed = self.retriever.embedder.embed
        qvec = embed([query])[0]
        hits = self.retriever.search_vector(qvec, k or self.k)
        base = {"question": question, "retrieved": tuple(hits), "model": self.generator.name, "notices": tuple(notices)}
        closest = hits[0].chunk.source if hits else None
        if not hits or hits[0].score < MIN_SCORE:
            yield self._refusal(
                code, closest, base, Timings(retrieve_s=time.perf_counter() - t0, total_s=time.perf_counter() - t0)
            )
            return
        gen = self.generator
        wanted = qtype.kind(question, code)
        # A follow-up finds its chunks together with the earlier question, but the sentences shown are those
        # nearest the follow-up itself: ranked by the joint query they brought back the earlier answer
        # (eval/chats.jsonl: a sentence holding the answer was shown for 5 of 8 follow-ups, now 7 of 8).
        svec = qvec if earlier is None else embed([question])[0]
        sources, passages, vecmap = context.select(hits, svec, gen.count_tokens, self.source_tokens, question, wanted)
        msgs = prompt.messages(question, sources, lang.name(code), earlier)
        t_retrieved = time.perf_counter()
        yield Retrieved(tuple(passages), round(t_retrieved - t0, 3))
        raw, ttft, held = "", 0.0, True
        for piece in gen.stream(msgs, max_tokens or self.max_tokens):
            ttft = ttft or time.perf_counter() - t0
            raw += piece
            # Hold output back while it could still be the NOT_FOUND signal.
            if held and not prompt.NOT_FOUND.startswith(raw.strip()[: len(prompt.NOT_FOUND)]):
                held = False
                yield raw
            elif not held:
                yield piece
        if earlier is not None and followup.echoes(raw, earlier.answer):
            # The small model repeated its earlier answer instead of answering the follow-up: asked again from
            # the same sources without the earlier turns (the search already used them).
            msgs = prompt.messages(question, sources, lang.name(code))
            raw = "".join(gen.stream(msgs, max_tokens or self.max_tokens))
        timings = Timings(
            retrieve_s=round(t_retrieved - t0, 3),
            ttft_s=round(ttft, 3),
            total_s=round(time.perf_counter() - t0, 3),
            prompt_tokens=sum(gen.count_tokens(m["content"]) for m in msgs),
            completion_tokens=gen.count_tokens(raw) if raw else 0,
        )
        # A NOT_FOUND beside cited sentences ("… [1]. NOT_FOUND") drops only itself: the sentences are checked.
        reply = tidy.scrub(raw.replace(prompt.NOT_FOUND, " "))
        if not any(ch.isalnum() for ch in reply):
            yield self._refusal(code, closest, base, timings)
            return
        vectors = np.array([vecmap[(p.chunk.source, p.start)] for p in passages])
        checked = citations.check(reply, passages, embed, vectors, question, code)
        if not checked.citations or citations.restates(checked.text, question):
            # Nothing the model wrote is backed by a shown passage, or it only repeated the question:
            # the documents gave no answer.
            yield self._refusal(code, closest, base, timings)
            return
        text = checked.text
        if translate.needed(text, code):
            # Written in a source's language rather than the question's: translated, markers kept.
            text = translate.into(text, code, lang.name(code), gen, max_tokens or self.max_tokens)
            timings = replace(timings, total_s=round(time.perf_counter() - t0, 3))
        if checked.unsupported:
            notices.append(
                f"{checked.unsupported} sentence(s) marked {citations.UNSUPPORTED} have no supporting passage"
            )
        yield Answer(
            text=text,
            found=True,
            citations=checked.citations,
            timings=timings,
            closest=closest,
            **{**base, "notices": tuple(notices)},
        )

    @staticmethod
    def _refusal(code: str, closest: str | None, base: dict, timings: Timings) -> Answer:
        text = REFUSAL.get(code, REFUSAL["en"])
        if closest:
            text += f" {CLOSEST.get(code, CLOSEST['en'])}: {closest}"
        return Answer(text=text, found=False, timings=timings, closest=closest, **base)
