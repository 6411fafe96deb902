"""The evaluation's vocabulary: questions, one question's result, and the typed summary of a run.

`Summary.to_dict` is the JSON shape of `rag eval --json` (stable keys); the report and the ablation
read the typed fields. No scoring happens here (see evaluate.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..types import Answer


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    gold: tuple[str, ...]
    expected: tuple[str, ...]
    answerable: bool
    evidence: str = ""  # a verbatim passage of a gold file that holds the answer ("" when the set gives none)


@dataclass(frozen=True)
class Chat:
    """A two-turn conversation: `first` is asked, then `question` with the first exchange as history."""

    id: str
    lang: str
    first: str
    question: str
    kind: str  # "follow_up" (leans on the first turn) or "switch" (a new topic)
    gold: tuple[str, ...]
    expected: tuple[str, ...]


@dataclass
class Result:
    """One question's outcome; `checks` maps a check name to pass/fail (absent when it does not apply)."""

    q: Question
    rank: int | None
    answer: Answer | None = None
    checks: dict[str, bool] = field(default_factory=dict)
    quotes: list[bool] = field(default_factory=list)
    detected: str | None = None  # language of a found answer
    artifacts: dict[str, int] = field(default_factory=dict)  # of a found answer, by kind (artifacts.py)
    draft_artifacts: dict[str, int] = field(default_factory=dict)  # of the model's reply before it was checked
    stage: str | None = None  # where the expected fact ranks among the shown sentences (`evidence_stage`)
    # Whether the passage holding the question's `evidence` was among the retrieved chunks / the shown sentences.
    evidence_retrieved: bool | None = None
    evidence_shown: bool | None = None

    @property
    def correct(self) -> bool | None:
        """Right fact for an answerable question, a refusal for an unanswerable one."""
        if self.answer is None:
            return None
        return self.checks["fact"] if self.q.answerable else self.checks["refused"]


@dataclass(frozen=True)
class Retrieval:
    hit_at_1: float | None
    hit_at_k: float | None
    mrr: float | None


@dataclass(frozen=True)
class Answers:
    accuracy: float | None
    fact: float | None
    answered: float | None
    cites_gold: float | None
    quotes_verified: float | None
    refused_unanswerable: float | None
    language: float | None


@dataclass(frozen=True)
class Evidence:
    """Cumulative shares: fact in the best sentence, in the best three, anywhere in what the model is shown."""

    top1: float | None
    top3: float | None
    shown: float | None
    questions: int
    # The set's `evidence` passage (not just the expected string) among the retrieved chunks, and among the
    # sentences shown to the model; None when the set gives no evidence.
    passage_retrieved: float | None = None
    passage_shown: float | None = None


@dataclass(frozen=True)
class Artifacts:
    answers_with_artifacts: int
    found_answers: int
    total: int
    kinds: dict[str, int]
    # The same count on the model's own replies: an artefact there came from the prompt, one only in the checked
    # answer from the checks or the translation step.
    in_drafts: dict[str, int]
    translated_answers: int

    def to_dict(self) -> dict[str, Any]:
        head = {k: v for k, v in asdict(self).items() if k not in ("kinds", "in_drafts", "translated_answers")}
        return {**head, **self.kinds, "in_drafts": self.in_drafts, "translated_answers": self.translated_answers}


@dataclass(frozen=True)
class Times:
    ttft_s_p50: float | None
    ttft_s_p95: float | None
    total_s_p50: float | None
    total_s_p95: float | None


@dataclass(frozen=True)
class LanguageScores:
    questions: int
    hit_at_k: float | None
    accuracy: float | None
    times: Times

    def to_dict(self) -> dict[str, Any]:
        return {"questions": self.questions, "hit_at_k": self.hit_at_k, "accuracy": self.accuracy, **asdict(self.times)}


@dataclass(frozen=True)
class Failure:
    id: str
    lang: str
    question: str
    problems: list[str]
    answer: str | None


@dataclass(frozen=True)
class Conversations:
    chats: int
    follow_ups: int
    follow_up_right: float | None
    follow_up_cites_gold: float | None
    switches: int
    switch_same_sources: float | None
    switch_right: float | None
    results: list[dict[str, Any]]


@dataclass
class Summary:
    """A scored run over one question set (and, optionally, the conversations)."""

    questions: int
    answerable: int
    unanswerable: int
    k: int
    retrieval: Retrieval
    answers: Answers | None
    evidence: Evidence | None
    time: Times
    by_lang: dict[str, LanguageScores]
    failures: list[Failure]
    results: list[dict[str, Any]]
    artifacts: Artifacts | None = None
    run: dict[str, Any] = field(default_factory=dict)  # when, which set, index, store, models
    conversations: Conversations | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `rag eval --json` shape."""
        out: dict[str, Any] = {**self.run}
        out |= {"questions": self.questions, "answerable": self.answerable, "unanswerable": self.unanswerable}
        out |= {"k": self.k, "retrieval": asdict(self.retrieval)}
        out["answers"] = asdict(self.answers) if self.answers else None
        out["evidence"] = asdict(self.evidence) if self.evidence else None
        out["time"] = asdict(self.time)
        out["by_lang"] = {code: g.to_dict() for code, g in self.by_lang.items()}
        out["failures"] = [asdict(f) for f in self.failures]
        if self.artifacts:
            out["artifacts"] = self.artifacts.to_dict()
        out["results"] = self.results
        if "model" in self.run:
            out["conversations"] = asdict(self.conversations) if self.conversations else None
        return out
