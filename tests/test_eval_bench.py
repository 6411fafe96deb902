"""`rag eval` and `rag bench` end to end on a four-question set with the tiny model; scoring rules on fakes."""

from __future__ import annotations

import json
import shutil
from numbers import Number
from pathlib import Path

import pytest

from rag.evaluate import Question, gold_rank, quote_at_lines, score
from rag.types import Answer, Chunk, Citation, Hit, Timings
from tests.conftest import DUTCH, GERMAN, SEEDS, run_cli

TINY = "smollm2-135m"
QA = [
    {"id": "t1", "question": "Which paradox did Satya Nadella bring up in response to DeepSeek?", "lang": "en",
     "gold": [DUTCH], "expected": ["Jevons"], "answerable": True},
    {"id": "t2", "question": "Wann wurde Sam Altman zwischenzeitlich entlassen?", "lang": "de",
     "gold": [GERMAN], "expected": ["November 2023"], "answerable": True},
    {"id": "t3", "question": "Hoeveel datacenters heeft Microsoft volgens TD Cowen opgezegd?", "lang": "nl",
     "gold": [DUTCH], "expected": ["twee", "two"], "answerable": True},
    {"id": "t4", "question": "What is the boiling point of water on Mount Everest?", "lang": "en",
     "gold": [], "expected": [], "answerable": False},
]  # fmt: skip
RATES = ("accuracy", "fact", "answered", "cites_gold", "quotes_verified", "refused_unanswerable", "language")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a copy of seeds/, an index built from it and the question set above."""
    from rag.api import build_index

    root = tmp_path_factory.mktemp("evalbench")
    shutil.copytree(SEEDS, root / "seeds")
    (root / "qa.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QA), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)  # sources are recorded relative to the working directory, as `seeds/…`
        build_index("seeds", "index", progress=False)
    return root


def unit(value: object) -> bool:
    return isinstance(value, float) and 0.0 <= value <= 1.0


def test_eval_writes_json_markdown_and_chart(base: Path) -> None:
    out = base / "reports"
    args = ("eval", "--qa", "qa.jsonl", "--index", "index", "--model", TINY, "--max-tokens", "48", "--out", str(out))
    proc = run_cli(*args, "--json", cwd=base)
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout)
    assert (s["questions"], s["answerable"], s["unanswerable"], s["k"]) == (4, 3, 1, 5)
    assert all(unit(s["retrieval"][key]) for key in ("hit_at_1", "hit_at_k", "mrr"))
    assert set(s["answers"]) == set(RATES)
    assert all(v is None or unit(v) for v in s["answers"].values())
    assert s["answers"]["refused_unanswerable"] is not None
    assert all(isinstance(s["time"][key], float) for key in ("ttft_s_p50", "ttft_s_p95", "total_s_p50", "total_s_p95"))
    assert set(s["by_lang"]) == {"en", "de", "nl"}
    assert s["by_lang"]["en"]["questions"] == 2
    assert all({"id", "lang", "question", "problems", "answer"} <= set(f) for f in s["failures"])
    assert s["model"].startswith("SmolLM2")
    md, png = Path(s["report"]), Path(s["chart"])
    assert md.parent == out and "## By question language" in md.read_text(encoding="utf-8")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "latest.md").read_text(encoding="utf-8") == md.read_text(encoding="utf-8")


def test_eval_retrieval_only_prints_a_summary_without_the_llm(base: Path) -> None:
    out = base / "reports-retrieval"
    proc = run_cli("eval", "--qa", "qa.jsonl", "--index", "index", "--retrieval-only", "--out", str(out), cwd=base)
    assert proc.returncode == 0, proc.stderr
    assert "hit@1" in proc.stdout and "answers:" not in proc.stdout
    assert "| hit@1 | hit@5 | MRR |" in (out / "latest.md").read_text(encoding="utf-8")


def test_eval_names_a_missing_question_set(base: Path) -> None:
    proc = run_cli("eval", "--qa", "nope.jsonl", "--index", "index", "--retrieval-only", cwd=base)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: question set nope.jsonl not found")


def test_bench_quick_reports_numbers(base: Path) -> None:
    args = ("bench", "--quick", "--json", "--model", TINY, "--qa", "qa.jsonl", "--index", "index", "--docs", "seeds")
    proc = run_cli(*args, cwd=base)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    keys = ("ttft_s_p50", "gen_tok_s", "raw_gen_tok_s", "gen_ratio", "index_chunks_per_s", "search_ms_p50")
    for key in (*keys, "search_ms_p50_flat", "ann_recall_at_10", "vectors"):
        assert isinstance(r[key], Number) and not isinstance(r[key], bool), key
    assert 0.0 <= r["ann_recall_at_10"] <= 1.0
    assert r["vectors"] == 10_000 and 1 <= r["llm_questions"] <= 3
    assert r["scale"][0]["hnsw"]["index_bytes"] > 10_000 * 512 * 4  # the HNSW graph comes on top of the vectors
    assert r["machine"]["usable_cores"] >= 1 and r["machine"]["cpu"]
    assert set(r["targets_met"]) == {"ttft_s_p50<=4", "gen_ratio>=0.95", "search_ms_p50<=20", "ann_recall_at_10>=0.95"}


# Scoring rules, on hand-made answers (no models).

DOC = "First line.\nThe paradox of Jevons\nwas raised by Nadella.\nLast line.\n"


def citation(tmp_path: Path, first: int, last: int, quote: str) -> Citation:
    path = tmp_path / "doc.txt"
    path.write_text(DOC, encoding="utf-8")
    return Citation(n=1, source=str(path), chunk_id=1, start_line=first, end_line=last, quote=quote)


def test_quote_must_stand_verbatim_at_the_cited_lines(tmp_path: Path) -> None:
    quote = "paradox of Jevons\nwas raised"
    assert quote_at_lines(citation(tmp_path, 2, 3, quote))
    assert not quote_at_lines(citation(tmp_path, 3, 4, quote))
    assert not quote_at_lines(citation(tmp_path, 2, 3, "paradox of Jevons was raised"))
    assert not quote_at_lines(Citation(1, str(tmp_path / "gone.txt"), 1, 1, 1, "x"))


def test_score_checks_fact_gold_citation_language_and_refusal(tmp_path: Path) -> None:
    cite = citation(tmp_path, 2, 3, "paradox of Jevons")
    hits = [Hit(rank=i, score=0.5, chunk=Chunk(i, src, 0, 1, 1, 1, "x")) for i, src in ((1, "other"), (2, cite.source))]
    q = Question("q", "Which paradox?", "en", (cite.source,), ("jevons",), True)
    assert gold_rank(hits, q.gold) == 2
    good = Answer("Which paradox?", "Nadella raised the Jevons paradox [1].", True, (cite,), timings=Timings(0, 1, 2))
    r = score(q, hits, good)
    assert r.correct and r.rank == 2 and r.quotes == [True]
    assert r.checks == {"answered": True, "fact": True, "cites_gold": True, "language": True}
    dutch = Answer("Which paradox?", "Nadella noemde de paradox van Jevons als reactie [1].", True, (cite,))
    assert score(q, hits, dutch).checks["language"] is False
    refused = score(q, hits, Answer("Which paradox?", "The documents don't contain an answer.", False))
    assert refused.correct is False and "language" not in refused.checks
    never = Question("u", "Capital of Peru?", "en", (), (), False)
    assert score(never, hits, Answer("Capital of Peru?", "No answer.", False)).correct is True
