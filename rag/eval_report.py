"""Writes an evaluation summary as a Markdown report and one PNG chart, plus `latest.md`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .evaluate import LANGS


def _pc(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def markdown(summary: dict[str, Any], chart: str, command: str) -> str:
    s, ret, t = summary, summary["retrieval"], summary["time"]
    k = s["k"]
    lines = [
        "# Evaluation report",
        "",
        f"{s['run_at']} · LLM `{s['model'] or 'none (retrieval only)'}` · embeddings `{s['embed_model']}` · "
        f"{s['index_type']} index `{s['index']}` · {s['questions']} questions from `{s['qa']}` "
        f"({s['answerable']} answerable, {s['unanswerable']} unanswerable) · k={k}",
        "",
        f"Reproduce: `{command}`. Chart: `{chart}` (not committed).",
        "",
        "## Retrieval (answerable questions, file level)",
        "",
        f"| hit@1 | hit@{k} | MRR |",
        "|---|---|---|",
        f"| {_pc(ret['hit_at_1'])} | {_pc(ret['hit_at_k'])} | {ret['mrr']} |",
    ]
    if a := s["answers"]:
        lines += [
            "",
            "## Answers",
            "",
            "| check | result | counted over |",
            "|---|---|---|",
            f"| correct (fact present, or refusal when unanswerable) | {_pc(a['accuracy'])} | all questions |",
            f"| expected fact present | {_pc(a['fact'])} | answerable |",
            f"| answered (not refused) | {_pc(a['answered'])} | answerable |",
            f"| cites a gold file | {_pc(a['cites_gold'])} | answerable |",
            f"| quote verbatim at the cited lines | {_pc(a['quotes_verified'])} | citations |",
            f"| refused | {_pc(a['refused_unanswerable'])} | unanswerable |",
            f"| written in the question's language | {_pc(a['language'])} | found answers |",
        ]
        if art := s.get("artifacts"):
            skip = ("answers_with_artifacts", "found_answers", "total", "in_drafts", "translated_answers")
            kinds = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in art.items() if k not in skip)
            lines.append(
                f"| found answers with an artefact ({kinds}) | {art['answers_with_artifacts']} of {art['found_answers']} "
                f"({art['total']} in all) | found answers |"
            )
        if art and art.get("in_drafts"):
            drafts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in art["in_drafts"].items() if v)
            lines.append(
                f"| the same in the model's drafts ({drafts or 'none'}); answers translated: "
                f"{art['translated_answers']} | | found answers |"
            )
        if ev := s.get("evidence"):
            lines += [
                "",
                "## Evidence ranking (where the expected fact sits among the sentences shown to the model)",
                "",
                "| best sentence | best 3 | shown at all | questions |",
                "|---|---|---|---|",
                f"| {_pc(ev['top1'])} | {_pc(ev['top3'])} | {_pc(ev['shown'])} | {ev['questions']} answerable |",
            ]
        lines += [
            "",
            "## Time",
            "",
            "Over the answers the LLM wrote (a refusal before it runs takes milliseconds).",
            "",
            "| | median | p95 |",
            "|---|---|---|",
            f"| first token | {_s(t['ttft_s_p50'])} | {_s(t['ttft_s_p95'])} |",
            f"| whole answer | {_s(t['total_s_p50'])} | {_s(t['total_s_p95'])} |",
        ]
    if c := s.get("conversations"):
        lines += [
            "",
            "## Conversations (two turns; the first answer is the history of the second)",
            "",
            "| check | result | counted over |",
            "|---|---|---|",
            f"| follow-up answered with the expected fact | {_pc(c['follow_up_right'])} | {c['follow_ups']} follow-ups |",
            f"| follow-up cites a gold file | {_pc(c['follow_up_cites_gold'])} | {c['follow_ups']} follow-ups |",
            f"| topic switch retrieves what it retrieves without history | {_pc(c['switch_same_sources'])} "
            f"| {c['switches']} switches |",
            f"| topic switch answered with the expected fact | {_pc(c['switch_right'])} | {c['switches']} switches |",
        ]
        for r in c["results"]:
            if not (r["right"] and (r["kind"] == "follow_up" or r["same_sources_as_alone"])):
                lines.append(f"- **{r['id']}** ({r['lang']}, {r['kind']}) {r['question']}")
                lines.append(f"  > {' '.join(r['answer'].split())}")
    lines += [
        "",
        "## By question language",
        "",
        f"| language | questions | hit@{k} | correct | first token p50 | whole answer p50 |",
        "|---|---|---|---|---|---|",
    ]
    for code, g in s["by_lang"].items():
        lines.append(
            f"| {code} | {g['questions']} | {_pc(g['hit_at_k'])} | {_pc(g['accuracy'])} | "
            f"{_s(g['ttft_s_p50'])} | {_s(g['total_s_p50'])} |"
        )
    lines += ["", f"## Failures ({len(s['failures'])})", ""]
    for f in s["failures"]:
        answer = " ".join((f["answer"] or "").split())
        lines.append(f"- **{f['id']}** ({f['lang']}) {f['question']} — {'; '.join(f['problems'])}")
        if answer:
            lines.append(f"  > {answer}")
    return "\n".join(lines) + "\n"


def chart(summary: dict[str, Any], path: Path) -> None:
    """Per-language bars: retrieval hit@k and answer accuracy (left), latency medians (right)."""
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    import matplotlib.pyplot as plt
    import numpy as np

    codes = [c for c in LANGS if c in summary["by_lang"]]
    g = [summary["by_lang"][c] for c in codes]
    x, w = np.arange(len(codes)), 0.38
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.bar(x - w / 2, [100 * (v["hit_at_k"] or 0) for v in g], w, label=f"retrieval hit@{summary['k']}")
    left.bar(x + w / 2, [100 * (v["accuracy"] or 0) for v in g], w, label="answer correct")
    left.set(xticks=x, xticklabels=codes, ylim=(0, 125), ylabel="%", title="Quality by question language")
    left.legend(loc="upper left", ncol=2, fontsize=8)
    right.bar(x - w / 2, [v["ttft_s_p50"] or 0 for v in g], w, label="first token (median)")
    right.bar(x + w / 2, [v["total_s_p50"] or 0 for v in g], w, label="whole answer (median)")
    top = max([v["total_s_p50"] or 0 for v in g] + [1.0])
    right.set(xticks=x, xticklabels=codes, ylim=(0, 1.3 * top), ylabel="seconds", title=f"Latency · {summary['model']}")
    right.legend(loc="upper left", ncol=2, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(summary: dict[str, Any], out_dir: Path, command: str) -> tuple[Path, Path]:
    """Timestamped report and chart (git-ignored) and `latest.md` (committed); returns the first two."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    md, png = out_dir / f"eval-{stamp}.md", out_dir / f"eval-{stamp}.png"
    chart(summary, png)
    text = markdown(summary, png.name, command)
    md.write_text(text, encoding="utf-8")
    (out_dir / "latest.md").write_text(text, encoding="utf-8")
    return md, png


def text(summary: dict[str, Any], md: Path, png: Path) -> str:
    """The few figures worth a glance, for stdout."""
    r, a, t = summary["retrieval"], summary["answers"], summary["time"]
    out = [f"retrieval: hit@1 {_pc(r['hit_at_1'])}, hit@{summary['k']} {_pc(r['hit_at_k'])}, MRR {r['mrr']}"]
    if ev := summary.get("evidence"):
        out.append(
            f"evidence: fact in the best sentence {_pc(ev['top1'])}, best 3 {_pc(ev['top3'])}, shown {_pc(ev['shown'])}"
        )
    if a:
        out.append(
            f"answers: correct {_pc(a['accuracy'])}, fact {_pc(a['fact'])}, cites gold {_pc(a['cites_gold'])}, "
            f"quotes verified {_pc(a['quotes_verified'])}, unanswerable refused {_pc(a['refused_unanswerable'])}, "
            f"language {_pc(a['language'])}"
        )
        if art := summary.get("artifacts"):
            out.append(
                f"artefacts: {art['total']} in {art['answers_with_artifacts']} of {art['found_answers']} found answers"
            )
        out.append(f"time: first token median {_s(t['ttft_s_p50'])}, whole answer median {_s(t['total_s_p50'])}")
    if c := summary.get("conversations"):
        out.append(
            f"conversations: follow-ups right {_pc(c['follow_up_right'])} of {c['follow_ups']}, "
            f"topic switches with unchanged sources {_pc(c['switch_same_sources'])} of {c['switches']}"
        )
    out.append(f"{len(summary['failures'])} question(s) with problems; report {md}, chart {png}")
    return "\n".join(out)
