"""Ablation: the real pipeline scored with each answer-path heuristic switched off in turn (issue 13).

    .venv/bin/python eval/ablate.py [--qa eval/qa.jsonl] [--only no_bonus,no_min_score] [--stages] [--json]

Each configuration runs every question of the set through `rag.evaluation.evaluate.run` (default model, k=5),
one after another in one process (the model is loaded once). `--stages` scores only retrieval and
where the expected fact ranks among the sentences shown (no answer is generated: seconds, not an
hour). A heuristic stays in the product only with a measured gain on `eval/qa.jsonl` and no loss on
the frozen `eval/heldout.jsonl`. It patches module constants for the length of one run; it changes
no file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag import citations, context, grounds, qtype, retrieve  # noqa: E402
from rag.evaluation import evaluate  # noqa: E402
from rag.settings import Settings  # noqa: E402

CONFIGS: dict[str, Callable[[ExitStack], None]] = {
    "all": lambda stack: None,
    # The answer-type bonus in sentence selection (context.ANSWER_TYPE_BONUS).
    "no_bonus": lambda stack: stack.enter_context(mock.patch.object(context, "ANSWER_TYPE_BONUS", 0.0)),
    # The retrieval floor: below MIN_SCORE (and without the question's specific terms) the LLM is not asked.
    "no_min_score": lambda stack: stack.enter_context(mock.patch.object(grounds, "MIN_SCORE", -1.0)),
    # Lexical evidence (issue 24): BM25 in retrieval, coverage in sentence ranking and in the grounds.
    "no_lexical": lambda stack: stack.enter_context(mock.patch.object(retrieve, "LEXICAL_WEIGHT", 0.0)),
    # The query's words matched in each chunk, across languages, steering which chunks are picked
    # (retrieve.WORD_MATCH_WEIGHT).
    "no_word_pick": lambda stack: stack.enter_context(mock.patch.object(retrieve, "WORD_MATCH_WEIGHT", 0.0)),
    "no_lexical_bonus": lambda stack: stack.enter_context(mock.patch.object(context, "LEXICAL_BONUS", 0.0)),
    "no_coverage": lambda stack: stack.enter_context(mock.patch.object(grounds, "MIN_COVERAGE", 2.0)),
    "no_missing_names": lambda stack: stack.enter_context(mock.patch.object(grounds, "HINGE_SHARE", 2.0)),
    "no_heading": lambda stack: stack.enter_context(mock.patch.object(context, "HEADING_PENALTY", 0.0)),
    # A sentence that is a question itself ranks lower (context.QUESTION_PENALTY).
    "no_question": lambda stack: stack.enter_context(mock.patch.object(context, "QUESTION_PENALTY", 0.0)),
    # Question words matched to the words of a sentence in another language (wordmatch.py).
    "no_word_match": lambda stack: stack.enter_context(mock.patch.object(context, "WORD_MATCH_BONUS", 0.0)),
    # A second model's closeness of question and sentence (rerank.py, multilingual E5) in sentence ranking.
    "no_rerank": lambda stack: stack.enter_context(mock.patch.object(context, "RERANK_WEIGHT", 0.0)),
    # In a short question, sentences in its own language are word-matched too (context.MATCH_OWN_LANGUAGE_WHEN_SHORT).
    "no_own_language_match": lambda stack: stack.enter_context(
        mock.patch.object(context, "MATCH_OWN_LANGUAGE_WHEN_SHORT", False)
    ),
    # Sources numbered by their chunk's rank instead of by their best sentence (context.LEAD_WITH_BEST).
    "no_lead_with_best": lambda stack: stack.enter_context(mock.patch.object(context, "LEAD_WITH_BEST", False)),
    # An answer whose cited chunks never name the question's rarest name is refused (grounds.subject).
    "no_subject": lambda stack: stack.enter_context(mock.patch.object(grounds, "subject", lambda *a: None)),
    # A sentence of the answer cites the shown passage holding more of its names (citations.NAMES_DECIDE).
    "no_names_decide": lambda stack: stack.enter_context(mock.patch.object(citations, "NAMES_DECIDE", False)),
    # A question asking who, answered naming nobody, gets the best sentence or a refusal (qtype.lacks_name).
    "no_who_check": lambda stack: stack.enter_context(mock.patch.object(qtype, "lacks_name", lambda *a: False)),
    # An answer to a question about a year that names only other years is refused (qtype.other_year).
    "no_year_check": lambda stack: stack.enter_context(mock.patch.object(qtype, "other_year", lambda *a: False)),
    # The question-word lists themselves: no question is typed, so the bonus never applies.
    "no_qtype": lambda stack: stack.enter_context(mock.patch.object(qtype, "kind", lambda *a: None)),
}
KEYS = ("fact", "cites_gold", "refused_unanswerable", "language")


def stages(qa: Path, names: list[str]) -> list[dict]:
    """Retrieval and evidence ranking only, per configuration (no answers generated)."""
    from rag.api import assistant

    questions = [q for q in evaluate.load_qa(qa) if q.answerable]
    bot = assistant(settings=Settings.load())
    rows = []
    for name in names:
        with ExitStack() as stack:
            CONFIGS[name](stack)
            results = [
                evaluate.score(q, bot.retriever.search(q.question, bot.k), None, bot.evidence(q.question))
                for q in questions
            ]
        s = evaluate.summarize(results, bot.k)
        rows.append({"config": name, "hit_at_k": s.retrieval.hit_at_k, **asdict(s.evidence)})
        print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def stage_table(rows: list[dict], qa: Path) -> str:
    head = f"| {qa} | gold file in top k | fact in best sentence | best 3 | shown |\n|---|---|---|---|---|"
    lines = [
        f"| {r['config']} | {r['hit_at_k']:.0%} | {r['top1']:.0%} | {r['top3']:.0%} | {r['shown']:.0%} |" for r in rows
    ]
    return "\n".join([head, *lines])


def run(qa: Path, names: list[str]) -> list[dict]:
    rows = []
    for name in names:
        with ExitStack() as stack:
            CONFIGS[name](stack)
            summary, results = evaluate.run(qa, Settings.load())
        a = asdict(summary.answers)
        rows.append(
            {
                "config": name,
                **{k: a[k] for k in KEYS},
                "facts": sum(bool(r.checks.get("fact")) for r in results),
                "refusals": sum(bool(r.checks.get("refused")) for r in results),
                "artefacts": summary.artifacts.total,
                "artefact_kinds": {k: v for k, v in summary.artifacts.kinds.items() if v},
                "ttft_s_p50": summary.time.ttft_s_p50,
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def table(rows: list[dict], qa: Path) -> str:
    head = f"| {qa} | fact | gold file cited | refusals | language | artefacts | first token p50 |\n|---|---|---|---|---|---|---|"
    lines = [
        f"| {r['config']} | {r['fact']:.0%} ({r['facts']}) | {r['cites_gold']:.0%} | {r['refusals']} | "
        f"{r['language']:.0%} | {r['artefacts']} | {r['ttft_s_p50']} s |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--qa", type=Path, default=Path("eval/qa.jsonl"))
    p.add_argument("--only", default=",".join(CONFIGS), help="comma-separated: " + ", ".join(CONFIGS))
    p.add_argument("--stages", action="store_true", help="retrieval and evidence ranking only (no answers)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        p.error(f"unknown configuration {unknown[0]!r}; choose from {', '.join(CONFIGS)}")
    rows = (stages if args.stages else run)(args.qa, names)
    print(json.dumps(rows, indent=1) if args.json else (stage_table if args.stages else table)(rows, args.qa))


if __name__ == "__main__":
    main()
