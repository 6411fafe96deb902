"""Writes an evaluation summary as a Markdown report and one PNG chart, plus `latest.md`. It scores nothing."""

from __future__ import annotations

import time
from pathlib import Path

from .evaluate import LANGS
from .types import Conversations, Summary


def _pc(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def markdown(summary: Summary, chart: str, command: str) -> str:
    """The whole report: a header, then one section per kind of score."""
    parts = [_header(summary, chart, command), _retrieval(summary)]
    if summary.answers:
        parts += [_answers(summary), _evidence(summary), _time(summary)]
    if summary.conversations:
        parts.append(_conversations(summary.conversations))
    parts += [_languages(summary), _failures(summary)]
    return "\n\n".join(p for p in parts if p) + "\n"


def _header(s: Summary, chart: str, command: str) -> str:
    r = s.run
    return (
        "# Evaluation report\n\n"
        f"{r.get('run_at')} · LLM `{r.get('model') or 'none (retrieval only)'}` · embeddings `{r.get('embed_model')}` · "
        f"{r.get('index_type')} index `{r.get('index')}` · {s.questions} questions from `{r.get('qa')}` "
        f"({s.answerable} answerable, {s.unanswerable} unanswerable) · k={s.k}\n\n"
        f"Reproduce: `{command}`. Chart: `{chart}` (not committed)."
    )


def _retrieval(s: Summary) -> str:
    ret = s.retrieval
    return "\n".join(
        [
            "## Retrieval (answerable questions, file level)",
            "",
            f"| hit@1 | hit@{s.k} | MRR |",
            "|---|---|---|",
            f"| {_pc(ret.hit_at_1)} | {_pc(ret.hit_at_k)} | {ret.mrr} |",
        ]
    )


def _answers(s: Summary) -> str:
    a = s.answers
    lines = [
        "## Answers",
        "",
        "| check | result | counted over |",
        "|---|---|---|",
        f"| correct (fact present, or refusal when unanswerable) | {_pc(a.accuracy)} | all questions |",
        f"| expected fact present | {_pc(a.fact)} | answerable |",
        f"| answered (not refused) | {_pc(a.answered)} | answerable |",
        f"| cites a gold file | {_pc(a.cites_gold)} | answerable |",
        f"| quote verbatim at the cited lines | {_pc(a.quotes_verified)} | citations |",
        f"| refused | {_pc(a.refused_unanswerable)} | unanswerable |",
        f"| written in the question's language | {_pc(a.language)} | found answers |",
    ]
    if art := s.artifacts:
        kinds = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in art.kinds.items())
        drafts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in art.in_drafts.items() if v)
        lines += [
            f"| found answers with an artefact ({kinds}) | {art.answers_with_artifacts} of {art.found_answers} "
            f"({art.total} in all) | found answers |",
            f"| the same in the model's drafts ({drafts or 'none'}); answers translated: {art.translated_answers} "
            "| | found answers |",
        ]
    return "\n".join(lines)


def _evidence(s: Summary) -> str:
    if not (ev := s.evidence):
        return ""
    return "\n".join(
        [
            "## Evidence ranking (where the expected fact sits among the sentences shown to the model)",
            "",
            "| best sentence | best 3 | shown at all | evidence passage retrieved | evidence passage shown | questions |",
            "|---|---|---|---|---|---|",
            f"| {_pc(ev.top1)} | {_pc(ev.top3)} | {_pc(ev.shown)} | {_pc(ev.passage_retrieved)} | "
            f"{_pc(ev.passage_shown)} | {ev.questions} answerable |",
        ]
    )


def _time(s: Summary) -> str:
    t = s.time
    return "\n".join(
        [
            "## Time",
            "",
            "Over the answers the LLM wrote (a refusal before it runs takes milliseconds).",
            "",
            "| | median | p95 |",
            "|---|---|---|",
            f"| first token | {_s(t.ttft_s_p50)} | {_s(t.ttft_s_p95)} |",
            f"| whole answer | {_s(t.total_s_p50)} | {_s(t.total_s_p95)} |",
        ]
    )


def _conversations(c: Conversations) -> str:
    lines = [
        "## Conversations (two turns; the first answer is the history of the second)",
        "",
        "| check | result | counted over |",
        "|---|---|---|",
        f"| follow-up answered with the expected fact | {_pc(c.follow_up_right)} | {c.follow_ups} follow-ups |",
        f"| follow-up cites a gold file | {_pc(c.follow_up_cites_gold)} | {c.follow_ups} follow-ups |",
        f"| topic switch retrieves what it retrieves without history | {_pc(c.switch_same_sources)} "
        f"| {c.switches} switches |",
        f"| topic switch answered with the expected fact | {_pc(c.switch_right)} | {c.switches} switches |",
    ]
    for r in c.results:
        if not (r["right"] and (r["kind"] == "follow_up" or r["same_sources_as_alone"])):
            lines.append(f"- **{r['id']}** ({r['lang']}, {r['kind']}) {r['question']}")
            lines.append(f"  > {' '.join(r['answer'].split())}")
    return "\n".join(lines)


def _languages(s: Summary) -> str:
    lines = [
        "## By question language",
        "",
        f"| language | questions | hit@{s.k} | correct | first token p50 | whole answer p50 |",
        "|---|---|---|---|---|---|",
    ]
    for code, g in s.by_lang.items():
        lines.append(
            f"| {code} | {g.questions} | {_pc(g.hit_at_k)} | {_pc(g.accuracy)} | "
            f"{_s(g.times.ttft_s_p50)} | {_s(g.times.total_s_p50)} |"
        )
    return "\n".join(lines)


def _failures(s: Summary) -> str:
    lines = [f"## Failures ({len(s.failures)})", ""]
    for f in s.failures:
        answer = " ".join((f.answer or "").split())
        lines.append(f"- **{f.id}** ({f.lang}) {f.question} — {'; '.join(f.problems)}")
        if answer:
            lines.append(f"  > {answer}")
    return "\n".join(lines)


def chart(summary: Summary, path: Path) -> None:
    """Per-language bars: retrieval hit@k and answer accuracy (left), latency medians (right)."""
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    import matplotlib.pyplot as plt
    import numpy as np

    codes = [c for c in LANGS if c in summary.by_lang]
    g = [summary.by_lang[c] for c in codes]
    x, w = np.arange(len(codes)), 0.38
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.bar(x - w / 2, [100 * (v.hit_at_k or 0) for v in g], w, label=f"retrieval hit@{summary.k}")
    left.bar(x + w / 2, [100 * (v.accuracy or 0) for v in g], w, label="answer correct")
    left.set(xticks=x, xticklabels=codes, ylim=(0, 125), ylabel="%", title="Quality by question language")
    left.legend(loc="upper left", ncol=2, fontsize=8)
    right.bar(x - w / 2, [v.times.ttft_s_p50 or 0 for v in g], w, label="first token (median)")
    right.bar(x + w / 2, [v.times.total_s_p50 or 0 for v in g], w, label="whole answer (median)")
    top = max([v.times.total_s_p50 or 0 for v in g] + [1.0])
    model = summary.run.get("model")
    right.set(xticks=x, xticklabels=codes, ylim=(0, 1.3 * top), ylabel="seconds", title=f"Latency · {model}")
    right.legend(loc="upper left", ncol=2, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(summary: Summary, out_dir: Path, command: str) -> tuple[Path, Path]:
    """Timestamped report and chart (git-ignored) and `latest.md` (committed); returns the first two."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    md, png = out_dir / f"eval-{stamp}.md", out_dir / f"eval-{stamp}.png"
    chart(summary, png)
    text = markdown(summary, png.name, command)
    md.write_text(text, encoding="utf-8")
    (out_dir / "latest.md").write_text(text, encoding="utf-8")
    return md, png


def text(summary: Summary, md: Path, png: Path) -> str:
    """The few figures worth a glance, for stdout."""
    r, a, t = summary.retrieval, summary.answers, summary.time
    out = [f"retrieval: hit@1 {_pc(r.hit_at_1)}, hit@{summary.k} {_pc(r.hit_at_k)}, MRR {r.mrr}"]
    if ev := summary.evidence:
        out.append(
            f"evidence: fact in the best sentence {_pc(ev.top1)}, best 3 {_pc(ev.top3)}, shown {_pc(ev.shown)}; "
            f"evidence passage retrieved {_pc(ev.passage_retrieved)}, shown {_pc(ev.passage_shown)}"
        )
    if a:
        out.append(
            f"answers: correct {_pc(a.accuracy)}, fact {_pc(a.fact)}, cites gold {_pc(a.cites_gold)}, "
            f"quotes verified {_pc(a.quotes_verified)}, unanswerable refused {_pc(a.refused_unanswerable)}, "
            f"language {_pc(a.language)}"
        )
        if art := summary.artifacts:
            out.append(f"artefacts: {art.total} in {art.answers_with_artifacts} of {art.found_answers} found answers")
        out.append(f"time: first token median {_s(t.ttft_s_p50)}, whole answer median {_s(t.total_s_p50)}")
    if c := summary.conversations:
        out.append(
            f"conversations: follow-ups right {_pc(c.follow_up_right)} of {c.follow_ups}, "
            f"topic switches with unchanged sources {_pc(c.switch_same_sources)} of {c.switches}"
        )
    out.append(f"{len(summary.failures)} question(s) with problems; report {md}, chart {png}")
    return "\n".join(out)
