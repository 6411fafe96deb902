"""Grounded answers: retrieve, judge the grounds, trim, generate, check citations, or refuse.

`Assistant.stream` yields a `Retrieved` event (the passages the model will read), then text pieces
as the model writes them, and the final `Answer` last. Each step is a short method below, in order.
It refuses (found=False) rather than answer from the model's own knowledge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from collections.abc import Generator as Gen
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from . import (
    citations,
    context,
    crossling,
    followup,
    grounds,
    lang,
    languages,
    prompt,
    qtype,
    tidy,
    translate,
)
from .backends.llm import Generator
from .errors import UsageError
from .lexical import Lexical
from .limits import DEFAULT_K, DEFAULT_MAX_TOKENS, DEFAULT_SOURCE_TOKENS, MAX_QUESTION_CHARS
from .rerank import Closeness
from .retrieve import Retriever
from .types import Answer, Citation, Exchange, Hit, Message, Passage, Retrieved, Source, Timings

MIN_SCORE = grounds.MIN_SCORE  # kept as a name here for eval/ablate.py


def standalone(question: str, history: list[Exchange] | None, language: str) -> tuple[str, Exchange | None]:
    """(retrieval query, earlier exchange): a follow-up is searched together with the question before it;
    a new question is searched and answered exactly as without history."""
    earlier = history[-1] if history else None
    if earlier and followup.is_follow_up(question, f"{earlier.question} {earlier.answer}", language):
        return f"{earlier.question} {question}", earlier
    return question, None


@dataclass
class Turn:
    """One question on its way through the steps of `Assistant.stream`."""

    question: str
    code: str
    t0: float
    notices: list[str]
    query: str = ""  # what is searched: the question, or a follow-up joined to the question before it
    qvec: np.ndarray | None = None
    earlier: Exchange | None = None
    hits: list[Hit] = field(default_factory=list)
    grounds: grounds.Grounds | None = None
    ranked: list[context.Candidate] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    vectors: dict = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    retrieved_at: float = 0.0
    ttft: float = 0.0

    def base(self, model: str) -> dict:
        """The fields every `Answer` of this turn shares."""
        best = context.evidence(self.ranked)
        # The refusal names the document of the closest evidence shown beneath it, not another one.
        closest = best.chunk.source if best else self.hits[0].chunk.source if self.hits else None
        return {
            "question": self.question,
            "retrieved": tuple(self.hits),
            "model": model,
            "closest": closest,
            "evidence": citations.cite(best) if best else None,
        }


class Assistant:
    """Answers questions from one index with one model; `generator` is built on first use."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Callable[[], Generator],
        k: int = DEFAULT_K,
        source_tokens: int = DEFAULT_SOURCE_TOKENS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        translate_question: bool = False,
        translator: Callable[[], Generator] | None = None,
        closeness: Closeness | None = None,
    ):
        self.retriever = retriever
        self._generator_factory = generator
        self._generator: Generator | None = None
        self.k, self.source_tokens, self.max_tokens = k, source_tokens, max_tokens
        self.translate_question = translate_question
        self._translator_factory = translator
        self._translator: Generator | None = None
        self._closeness = closeness  # a second model's view of each sentence (rerank.py); None: not asked

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = self._generator_factory()
        return self._generator

    @property
    def translator(self) -> Generator:
        """What translates the question (`translator`, built on first use), else the answering generator."""
        if self._translator_factory is None:
            return self.generator
        if self._translator is None:
            self._translator = self._translator_factory()
        return self._translator

    def ask(
        self, question: str, history: list[Exchange] | None = None, k: int | None = None, max_tokens: int | None = None
    ) -> Answer:
        for event in self.stream(question, history, k, max_tokens):
            if isinstance(event, Answer):
                return event
        raise AssertionError("stream ended without an answer")

    def evidence(self, question: str, history: list[Exchange] | None = None, k: int | None = None) -> list[Passage]:
        """The sentences the model would be shown, best-ranked first, whatever the grounds (the LLM runs only to
        translate the question, with `translate_question`)."""
        turn = self._retrieve(self._intake(question, history), k or self.k)
        turn = self._select(turn)
        return sorted(turn.passages, key=lambda p: -p.score)

    def stream(
        self, question: str, history: list[Exchange] | None = None, k: int | None = None, max_tokens: int | None = None
    ) -> Iterator[Retrieved | str | Answer]:
        turn = self._retrieve(self._intake(question, history), k or self.k)
        if not turn.grounds.ok:
            yield self._refusal(turn, Timings(retrieve_s=self._since(turn), total_s=self._since(turn)))
            return
        turn = self._select(turn)
        yield Retrieved(tuple(turn.passages), round(turn.retrieved_at - turn.t0, 3))
        limit = max_tokens or self.max_tokens
        raw = yield from self._write(turn, limit)
        raw = self._ask_again_if_echo(turn, raw, limit)
        yield self._finish(turn, raw, limit)

    # The steps, in order.

    def _intake(self, question: str, history: list[Exchange] | None) -> Turn:
        """The question checked, trimmed and its language detected; a follow-up paired with its earlier turn."""
        if not question or not question.strip():
            raise UsageError("the question is empty")
        turn = Turn(question.strip(), "en", time.perf_counter(), [])
        if len(turn.question) > MAX_QUESTION_CHARS:
            turn.question = turn.question[:MAX_QUESTION_CHARS]
            turn.notices.append(f"the question was trimmed to its first {MAX_QUESTION_CHARS} characters")
        turn.code = lang.detect(turn.question)
        turn.query, turn.earlier = standalone(turn.question, history, turn.code)
        return turn

    def _retrieve(self, turn: Turn, k: int) -> Turn:
        """The k best chunks for the (follow-up-joined) query, whether they can ground an answer, and their
        sentences ranked (the best is shown as the closest evidence, even with a refusal)."""
        turn.qvec = self.retriever.embedder.embed([turn.query])[0]
        turn.hits = self.retriever.search_vector(turn.qvec, k, turn.query)
        lexical = self.retriever.lexical_index()
        turn.grounds = grounds.judge(turn.question, turn.code, turn.hits, lexical)
        # A follow-up finds its chunks together with the earlier question, but the sentences shown are those
        # nearest the follow-up itself: ranked by the joint query they brought back the earlier answer
        # (eval/chats.jsonl: a sentence holding the answer was shown for 5 of 8 follow-ups, now 7 of 8).
        svec = turn.qvec if turn.earlier is None else self.retriever.embedder.embed([turn.question])[0]
        wanted = qtype.kind(turn.question, turn.code)
        versions = self._versions(turn, lexical) if self.translate_question and turn.grounds.ok else {}
        query = context.Query(
            svec,
            turn.question,
            wanted,
            coverage=lambda text: lexical.coverage(turn.question, text),
            versions=versions,
            language_of=crossling.chunk_language,
            code=turn.code,
            matched=lambda texts: self.retriever.words.coverage(turn.question, texts, lexical.idf),
            # A follow-up has no content of its own ("Und wer hat es mitgegründet?", followup.py): the second
            # model's cosine for it is noise that outranked the co-founder sentence (tests/test_answer_default.py).
            closeness=partial(self._closeness, turn.question) if self._closeness and turn.earlier is None else None,
        )
        turn.ranked, turn.vectors = context.rank(turn.hits, query)
        return turn

    def _versions(self, turn: Turn, lexical: Lexical) -> dict[str, context.Version]:
        """The question translated by the model into each language of the retrieved chunks (crossling.py)."""
        found = crossling.versions(turn.question, turn.code, turn.hits, self.translator, self.retriever.embedder.embed)
        return {
            code: context.Version(vector, lambda sentence, t=text: lexical.coverage(t, sentence))
            for code, (text, vector) in found.items()
        }

    def _select(self, turn: Turn) -> Turn:
        """The sentences shown to the model, within the token budget, and the prompt around them."""
        turn.sources, turn.passages = context.fit(turn.ranked, self.generator.count_tokens, self.source_tokens)
        turn.messages = prompt.messages(turn.question, turn.sources, lang.name(turn.code), turn.earlier)
        turn.retrieved_at = time.perf_counter()
        return turn

    def _write(self, turn: Turn, limit: int) -> Gen[str, None, str]:
        """Streams the model's reply, holding it back while it could still be the NOT_FOUND signal; returns it."""
        raw, held = "", True
        for piece in self.generator.stream(turn.messages, limit):
            turn.ttft = turn.ttft or self._since(turn)
            raw += piece
            if held and not prompt.could_become_not_found(raw):
                held = False
                yield raw
            elif not held:
                yield piece
        return raw

    def _ask_again_if_echo(self, turn: Turn, raw: str, limit: int) -> str:
        """The small model sometimes repeats its earlier answer instead of answering the follow-up: asked again
        from the same sources without the earlier turns (the search already used them)."""
        if turn.earlier is None or not followup.echoes(raw, turn.earlier.answer):
            return raw
        turn.messages = prompt.messages(turn.question, turn.sources, lang.name(turn.code))
        return "".join(self.generator.stream(turn.messages, limit))

    def _finish(self, turn: Turn, raw: str, limit: int) -> Answer:
        """The reply checked against the shown passages: an answer with verified quotes, or a refusal."""
        gen = self.generator
        timings = Timings(
            retrieve_s=round(turn.retrieved_at - turn.t0, 3),
            ttft_s=round(turn.ttft, 3),
            total_s=self._since(turn),
            prompt_tokens=sum(gen.count_tokens(m["content"]) for m in turn.messages),
            completion_tokens=gen.count_tokens(raw) if raw else 0,
        )
        # A NOT_FOUND beside cited sentences ("… [1]. NOT_FOUND") drops only itself: the sentences are checked.
        reply = tidy.scrub(prompt.without_not_found(raw), [s.source for s in turn.sources])
        if not any(ch.isalnum() for ch in reply):
            return self._quote_or_refuse(turn, timings, raw, limit)
        vectors = np.array([turn.vectors[(p.chunk.source, p.start)] for p in turn.passages])
        checked = citations.check(
            reply, turn.passages, self.retriever.embedder.embed, vectors, turn.question, turn.code
        )
        if not checked.citations or citations.restates(checked.text, turn.question):
            # Nothing the model wrote is backed by a shown passage, or it only repeated the question.
            return self._quote_or_refuse(turn, timings, raw, limit)
        if qtype.lacks_figure(checked.text, turn.question, turn.code, self._relevant(turn)):
            turn.notices.append("the question asks for a figure and no source about it states the one given")
            return self._refusal(turn, timings, raw)
        if qtype.other_year(checked.text, turn.question, turn.code):
            turn.notices.append("the question asks about a year and the answer speaks only of others")
            return self._refusal(turn, timings, raw)
        if name := self._unnamed(turn, checked.citations):
            turn.notices.append(f"no source the answer cites names {name}, which the question is about")
            return self._quote_or_refuse(turn, timings, raw, limit)
        if qtype.lacks_name(checked.text, turn.question, turn.code):
            turn.notices.append("the question asks who and the answer names nobody")
            return self._quote_or_refuse(turn, timings, raw, limit, who=True)
        text = checked.text
        if translated := translate.needed(text, turn.code):
            # Written in a source's language rather than the question's: translated, markers kept.
            text = translate.into(text, turn.code, lang.name(turn.code), gen, limit)
            timings = replace(timings, total_s=self._since(turn))
        if checked.unsupported:
            turn.notices.append(
                f"{checked.unsupported} sentence(s) marked {citations.UNSUPPORTED} have no supporting passage"
            )
        return Answer(
            text=text,
            found=True,
            citations=checked.citations,
            timings=timings,
            notices=tuple(turn.notices),
            draft=raw,
            translated=translated,
            **turn.base(gen.name),
        )

    @staticmethod
    def _relevant(turn: Turn) -> list[str]:
        """The shown sentences that are about the question: dense relevance at the retrieval floor or above. The
        sentences holding the 26 expected figures of qa and held-out score 0.27-0.63; the investment sum given as
        Microsoft's share price (qa q59) 0.22."""
        return [
            p.text
            for p in turn.passages
            if float(turn.vectors[(p.chunk.source, p.start)] @ turn.qvec) >= grounds.MIN_SCORE
        ]

    def _unnamed(self, turn: Turn, cited: tuple[Citation, ...]) -> str | None:
        """The question's rarest name if the documents hold it but no chunk the answer cites does: the answer is
        then about something else ("How much did Nvidia put into the round?" -> Microsoft's $750 million). It
        replaces the answer with a refusal, or with the sentence naming them for a question about names alone."""
        name = grounds.subject(turn.question, turn.code, turn.hits, self.retriever.lexical_index())
        chunks = {p.chunk.id: p.chunk.text for p in turn.passages}
        if name is None or any(grounds.names_in(name, chunks.get(c.chunk_id, "")) for c in cited):
            return None
        return " ".join(name)

    def _quote_or_refuse(self, turn: Turn, timings: Timings, raw: str, limit: int, who: bool = False) -> Answer:
        """A refusal; but when a short question asks about names alone and the best-ranked shown sentence holds
        them ("Who is Michael Elias?"), that sentence is the answer, cited and in the question's language: the
        small model often says a name is not mentioned when its sentence is in another language, or answers about
        another name ("Apa itu DeepSeek?" -> a company founded by Mustafa Suleyman). So too for a question asking
        `who` that the model answered naming nobody, when the best sentence holds its names and another."""
        best = max(turn.passages, key=lambda p: p.score, default=None)
        asked = grounds.names(turn.question, turn.code) if who else grounds.names_alone(turn.question, turn.code)
        fits = bool(asked and best and grounds.holds_all(asked, best.text))
        if fits and who:
            # It must name someone else too, and be about the question (the floor of `_relevant`).
            fits = qtype.names_new(best.text, turn.question) and best.text in self._relevant(turn)
        if not fits:
            return self._refusal(turn, timings, raw)
        sentence = " ".join(best.text.split())
        body = sentence.rstrip(".!?")
        text = f"{body} [1]{sentence[len(body) :] or '.'}"  # the marker before the full stop, as the model writes it
        if translated := translate.needed(text, turn.code):
            text = translate.into(text, turn.code, lang.name(turn.code), self.generator, limit)
        turn.notices.append(
            f"the model gave no usable answer; shown is the source sentence that names {' '.join(asked)}"
        )
        return Answer(
            text=text,
            found=True,
            citations=(citations.cite(best, 1),),
            timings=replace(timings, total_s=self._since(turn)),
            notices=tuple(turn.notices),
            draft=raw,
            translated=translated,
            **turn.base(self.generator.name),
        )

    def _refusal(self, turn: Turn, timings: Timings, raw: str = "") -> Answer:
        # In the question's language when its file gives the phrases (rag/languages/*.toml), else in English.
        phrases = languages.get(turn.code)
        phrases = phrases if phrases and phrases.refusal else languages.get("en")
        text = phrases.refusal
        base = turn.base(self.generator.name)
        if base["closest"]:
            text += f" {phrases.closest}: {base['closest']}"
        return Answer(text=text, found=False, timings=timings, notices=tuple(turn.notices), draft=raw, **base)

    @staticmethod
    def _since(turn: Turn) -> float:
        return round(time.perf_counter() - turn.t0, 3)
