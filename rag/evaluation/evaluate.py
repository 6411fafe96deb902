"""Scores the real pipeline on a question set: retrieval, grounded answers, refusals, language, time."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from .. import lang, languages
from ..errors import RagError, UsageError
from ..settings import Settings
from ..types import Answer, Citation, Exchange, Hit, Passage
from . import artifacts
from .types import (
    Answers,
    Artifacts,
    Chat,
    Conversations,
    Evidence,
    Failure,
    LanguageScores,
    Question,
    Result,
    Retrieval,
    Summary,
    Times,
)

LANGS = tuple(languages.all_languages())
_MARKER = re.compile(r"\[[^\[\]]*\]")


def load_qa(path: Path, limit: int | None = None) -> list[Question]:
    """The questions of a JSON-lines file (see eval/README.md), or UsageError naming the bad line. Records in the
    schema of ../shared/corpora/office-help (`q`, `expect`, `out_of_scope`, gold as bare file names) are read too."""
    if not path.is_file():
        raise UsageError(f"question set {path} not found; pass --qa PATH")
    out = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(_question(d))
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}:{no}: not a question record ({exc}); see eval/README.md") from exc
    return out[:limit] if limit else out


def _question(d: dict) -> Question:
    if "q" in d:  # the office-help schema
        answerable = not d.get("out_of_scope", False)
        expected = tuple(d["expect"]) if answerable else ()
        return Question(str(d["id"]), d["q"], d["lang"], tuple(d["gold"]), expected, answerable, d.get("evidence", ""))
    return Question(
        str(d["id"]),
        d["question"],
        d["lang"],
        tuple(d["gold"]),
        tuple(d["expected"]),
        bool(d["answerable"]),
        d.get("evidence", ""),
    )


def in_gold(source: str, gold: tuple[str, ...]) -> bool:
    """Whether a cited or retrieved `source` is one of the `gold` files: the same path, or, for a gold entry that
    is a bare file name (office-help's), the same file name."""
    return source in gold or PurePosixPath(source).name in gold


EVIDENCE_SHARE = 0.8  # of the evidence's distinct words, held by the gold files' texts, to count as "there"


def holds_evidence(texts: list[str], evidence: str) -> bool:
    """Whether `texts` (of gold files) together hold the evidence passage: at least EVIDENCE_SHARE of its distinct
    words. Words, not the exact string: a set's evidence may be a plain tag strip of a web page, which glues what
    a reader keeps apart ("PreferencesTools - Options")."""
    wanted = set(re.findall(r"\w\w+", evidence.lower()))
    have = set(re.findall(r"\w\w+", " ".join(texts).lower()))
    return bool(wanted) and len(wanted & have) / len(wanted) >= EVIDENCE_SHARE


def load_chats(path: Path) -> list[Chat]:
    """The conversations of a JSON-lines file (see eval/README.md), or UsageError naming the bad line."""
    if not path.is_file():
        raise UsageError(f"conversation set {path} not found; pass --chats PATH or --no-chats")
    out = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                d = json.loads(line)
                out.append(
                    Chat(
                        d["id"], d["lang"], d["first"], d["question"], d["kind"], tuple(d["gold"]), tuple(d["expected"])
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise UsageError(f"{path}:{no}: not a conversation record ({exc}); see eval/README.md") from exc
    return out


def run_chats(chats: list[Chat], bot: Any, k: int) -> Conversations:
    """Follow-ups answered right, and topic switches retrieving exactly what they retrieve without history."""
    from tqdm import tqdm

    rows = []
    for c in tqdm(chats, desc="chats", unit="chat", file=sys.stderr, dynamic_ncols=True):
        first = bot.ask(c.first)
        answer = bot.ask(c.question, history=[Exchange(c.first, first.text)])
        alone = [h.chunk.id for h in bot.retriever.search(c.question, k)]
        rows.append(
            {
                "id": c.id,
                "lang": c.lang,
                "kind": c.kind,
                "question": c.question,
                "answer": answer.text,
                "right": answer.found and states(answer.text, c.expected),
                "cites_gold": any(in_gold(x.source, c.gold) for x in answer.citations),
                "same_sources_as_alone": [h.chunk.id for h in answer.retrieved] == alone,
            }
        )
    follow, switch = [r for r in rows if r["kind"] == "follow_up"], [r for r in rows if r["kind"] == "switch"]
    return Conversations(
        chats=len(rows),
        follow_ups=len(follow),
        follow_up_right=rate([r["right"] for r in follow]),
        follow_up_cites_gold=rate([r["cites_gold"] for r in follow]),
        switches=len(switch),
        switch_same_sources=rate([r["same_sources_as_alone"] for r in switch]),
        switch_right=rate([r["right"] for r in switch]),
        results=rows,
    )


def states(text: str, expected: tuple[str, ...]) -> bool:
    """True if `text` contains one of the expected strings where a word or number starts
    (so "75 Milliarden" does not count as "5 Milliarden"); case is ignored."""
    return any(re.search(rf"(?<![\w.,]){re.escape(e)}", text, re.I) for e in expected)


def gold_rank(hits: list[Hit], gold: tuple[str, ...]) -> int | None:
    """Rank of the first hit from a gold file (file level), None if none was retrieved."""
    return next((h.rank for h in hits if in_gold(h.chunk.source, gold)), None)


def quote_at_lines(c: Citation) -> bool:
    """True when the quote stands verbatim in the file's extracted text (the readers') within the cited
    lines, and, for a paged document (PDF), on the cited page."""
    from ..documents import extract

    path = Path(c.source)
    try:
        text, paged = extract(path, path.read_bytes())
    except (OSError, RagError):
        return False
    # split("\n") keeps "\r", as the chunker's line numbers and offsets do.
    lines = text.split("\n")
    window = "\n".join(lines[c.start_line - 1 : c.end_line])
    at = window.find(c.quote)
    if at < 0 or c.start_line < 1 or paged != (c.page is not None):
        return False
    offset = sum(len(line) + 1 for line in lines[: c.start_line - 1]) + at
    return not paged or text.count("\f", 0, offset) + 1 == c.page


STAGES = ("top1", "top3", "shown", "not_shown")


def evidence_stage(shown: list[Passage], expected: tuple[str, ...]) -> str:
    """Where the first shown sentence stating the expected fact ranks (`shown` is best-ranked first)."""
    at = next((i for i, p in enumerate(shown) if states(p.text, expected)), None)
    return "not_shown" if at is None else "top1" if at == 0 else "top3" if at < 3 else "shown"


def score(q: Question, hits: list[Hit], answer: Answer | None, shown: list[Passage] | None = None) -> Result:
    r = Result(q, gold_rank(hits, q.gold) if q.answerable else None, answer)
    if q.answerable and shown is not None:
        r.stage = evidence_stage(shown, q.expected)
        if q.evidence:
            r.evidence_shown = holds_evidence([p.text for p in shown if in_gold(p.chunk.source, q.gold)], q.evidence)
    if q.answerable and q.evidence:
        retrieved = answer.retrieved if answer is not None else tuple(hits)
        r.evidence_retrieved = holds_evidence(
            [h.chunk.text for h in retrieved if in_gold(h.chunk.source, q.gold)], q.evidence
        )
    if answer is None:
        return r
    if not q.answerable:
        r.checks["refused"] = not answer.found or not answer.citations
        return r
    r.checks["answered"] = answer.found
    r.checks["fact"] = answer.found and states(answer.text, q.expected)
    r.checks["cites_gold"] = any(in_gold(c.source, q.gold) for c in answer.citations)
    r.quotes = [quote_at_lines(c) for c in answer.citations]
    if answer.found:
        r.detected = lang.detect(_MARKER.sub("", answer.text))
        r.checks["language"] = r.detected == q.lang
        shown = [h.chunk.source for h in answer.retrieved]
        r.artifacts = artifacts.find(answer.text, q.lang, q.question, shown)
        r.draft_artifacts = artifacts.find(answer.draft, q.lang, q.question, shown)
    return r


def _stages(answerable: list[Result]) -> Evidence | None:
    """Cumulative shares: fact in the best sentence, in the best three, anywhere in what the model is shown."""
    staged = [r.stage for r in answerable if r.stage]
    if not staged and not any(r.evidence_retrieved is not None for r in answerable):
        return None
    return Evidence(
        top1=rate([s == "top1" for s in staged]),
        top3=rate([s in ("top1", "top3") for s in staged]),
        shown=rate([s != "not_shown" for s in staged]),
        questions=len(staged),
        passage_retrieved=rate([r.evidence_retrieved for r in answerable]),
        passage_shown=rate([r.evidence_shown for r in answerable]),
    )


def rate(flags: list[bool | None]) -> float | None:
    vals = [f for f in flags if f is not None]
    return round(sum(vals) / len(vals), 3) if vals else None


def pct(values: list[float], p: float) -> float | None:
    return round(float(np.percentile(values, p)), 3) if values else None


def _times(results: list[Result]) -> Times:
    # Only answers the LLM wrote: a refusal before it ran (ttft 0) takes milliseconds and would skew both.
    ran = [r.answer.timings for r in results if r.answer is not None and r.answer.timings.ttft_s > 0]
    ttft, total = [t.ttft_s for t in ran], [t.total_s for t in ran]
    return Times(pct(ttft, 50), pct(ttft, 95), pct(total, 50), pct(total, 95))


def _problems(r: Result) -> list[str]:
    a, q = r.answer, r.q
    out = [] if r.rank is not None or not q.answerable else ["gold file not retrieved"]
    if a is None:
        return out
    if not q.answerable:
        return out + ([] if r.checks["refused"] else ["answered an unanswerable question"])
    if not a.found:
        return out + ["refused an answerable question"]
    out += [] if r.checks["fact"] else ["expected fact missing"]
    out += [] if r.checks["cites_gold"] else ["no citation of a gold file"]
    out += [] if all(r.quotes) else ["quote not found at the cited lines"]
    out += [] if r.checks["language"] else [f"answer in {r.detected}, not {q.lang}"]
    out += [f"artefact: {kind} ×{n}" for kind, n in r.artifacts.items() if n]
    return out


def _record(r: Result) -> dict[str, Any]:
    """One question's outcome for the JSON report."""
    a = r.answer
    return {
        "id": r.q.id,
        "lang": r.q.lang,
        "answerable": r.q.answerable,
        "rank": r.rank,
        "found": None if a is None else a.found,
        "checks": r.checks,
        "quotes_verified": r.quotes,
        "artifacts": r.artifacts,
        "draft_artifacts": r.draft_artifacts,
        "stage": r.stage,
        "evidence_retrieved": r.evidence_retrieved,
        "evidence_shown": r.evidence_shown,
        "answer": None if a is None else a.text,
        "draft": None if a is None else a.draft,
        "translated": None if a is None else a.translated,
        "cited": [] if a is None else sorted({c.source for c in a.citations}),
        "ttft_s": None if a is None else a.timings.ttft_s,
    }


def summarize(results: list[Result], k: int) -> Summary:
    answerable = [r for r in results if r.q.answerable]
    ranks = [r.rank for r in answerable]
    return Summary(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(results) - len(answerable),
        k=k,
        retrieval=Retrieval(
            hit_at_1=rate([rk == 1 for rk in ranks]),
            hit_at_k=rate([rk is not None for rk in ranks]),
            mrr=round(sum(1 / rk for rk in ranks if rk) / len(ranks), 3) if ranks else None,
        ),
        answers=_answers(results),
        evidence=_stages(answerable),
        time=_times(results),
        by_lang=_by_language(results),
        failures=[
            Failure(r.q.id, r.q.lang, r.q.question, problems, r.answer.text if r.answer else None)
            for r in results
            if (problems := _problems(r))
        ],
        results=[_record(r) for r in results],
        artifacts=_artifacts(results),
    )


def _answers(results: list[Result]) -> Answers | None:
    if not any(r.answer is not None for r in results):
        return None
    return Answers(
        accuracy=rate([r.correct for r in results]),
        fact=rate([r.checks.get("fact") for r in results]),
        answered=rate([r.checks.get("answered") for r in results]),
        cites_gold=rate([r.checks.get("cites_gold") for r in results]),
        quotes_verified=rate([ok for r in results for ok in r.quotes]),
        refused_unanswerable=rate([r.checks.get("refused") for r in results]),
        language=rate([r.checks.get("language") for r in results]),
    )


def _artifacts(results: list[Result]) -> Artifacts | None:
    found = [r for r in results if r.artifacts]
    if not any(r.answer is not None for r in results):
        return None
    kinds = list(found[0].artifacts) if found else []
    return Artifacts(
        answers_with_artifacts=sum(any(r.artifacts.values()) for r in found),
        found_answers=len(found),
        total=sum(sum(r.artifacts.values()) for r in found),
        kinds={kind: sum(r.artifacts[kind] for r in found) for kind in kinds},
        in_drafts={kind: sum(r.draft_artifacts.get(kind, 0) for r in found) for kind in kinds},
        translated_answers=sum(bool(r.answer and r.answer.translated) for r in found),
    )


def _by_language(results: list[Result]) -> dict[str, LanguageScores]:
    out = {}
    for code in LANGS:
        if group := [r for r in results if r.q.lang == code]:
            out[code] = LanguageScores(
                questions=len(group),
                hit_at_k=rate([r.rank is not None for r in group if r.q.answerable]),
                accuracy=rate([r.correct for r in group]),
                times=_times(group),
            )
    return out


def run(
    qa: Path,
    settings: Settings,
    limit: int | None = None,
    retrieval_only: bool = False,
    chats: Path | None = None,
) -> tuple[Summary, list[Result]]:
    """Asks every question through `rag.api.assistant` (one at a time, as a user would) and scores it."""
    from tqdm import tqdm

    from ..api import assistant, generator
    from . import replay

    questions = load_qa(qa, limit)
    store = replay.folder()
    bot = assistant(settings=settings, llm=(lambda: replay.Replay(generator(settings), store)) if store else None)
    results = []
    for q in tqdm(questions, desc="eval", unit="q", file=sys.stderr, dynamic_ncols=True):
        hits = bot.retriever.search(q.question, settings.k)
        shown = None if retrieval_only else bot.evidence(q.question)
        results.append(score(q, hits, None if retrieval_only else bot.ask(q.question), shown))
    manifest = bot.retriever.store.manifest
    summary = summarize(results, settings.k)
    summary.run = {
        "run_at": time.strftime("%Y-%m-%d %H:%M"),
        "qa": str(qa),
        "index": str(settings.index),
        "store": settings.store,
        "index_type": manifest.get("index_type", "flat"),
        "embed_model": manifest.get("embed_model"),
        "model": None if retrieval_only else bot.generator.name,
    }
    if not retrieval_only and chats is not None:
        summary.conversations = run_chats(load_chats(chats), bot, settings.k)
    return summary, results
