"""The CLI through real llama.cpp (tiny test model), FAISS and USE: output shapes, streaming, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.answer import MAX_QUESTION_CHARS, Assistant
from rag.api import assistant, open_retriever
from rag.types import Answer, Retrieved
from tests.conftest import GERMAN, ROOT
from tests.scripted import Scripted

TINY = {"RAG_LLM_MODEL": "smollm2-135m"}


def one_line_error(res: subprocess.CompletedProcess, code: int) -> str:
    assert res.returncode == code, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    return res.stderr.strip()


def test_help_is_instant_without_heavy_imports() -> None:
    code = "import sys; from rag.frontends.cli import main\ntry:\n main(['--help'])\nexcept SystemExit: pass\nprint(sorted(m for m in ('torch','llama_cpp','gradio','faiss','sentence_transformers') if m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.stdout.strip().endswith("[]"), res.stdout
    for sub in ("index", "search", "ask", "models"):
        assert sub in res.stdout


def test_search_json_shape(built: Path, cli) -> None:
    res = cli("search", "Wie viel zahlte Microsoft für das Team von Inflection AI?", "-k", "3", "--json", cwd=built)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["query"].startswith("Wie viel")
    assert [h["rank"] for h in out["hits"]] == [1, 2, 3]
    hit = out["hits"][0]
    assert set(hit) == {"rank", "score", "source", "chunk_id", "start_line", "end_line", "page", "text"}
    assert hit["source"] == GERMAN
    lines = (built / hit["source"]).read_text(encoding="utf-8").split("\n")
    assert hit["text"] in "\n".join(lines[hit["start_line"] - 1 : hit["end_line"]])


@pytest.mark.parametrize("args", [["search", ""], ["search", "   "], ["ask", ""], ["ask", " \n\t"]])
def test_blank_question_is_a_usage_error(built: Path, cli, args: list[str]) -> None:
    assert "question is empty" in one_line_error(cli(*args, cwd=built, env=TINY), 2)


def test_unknown_option_is_a_usage_error(built: Path, cli) -> None:
    assert one_line_error(cli("search", "x", "--frobnicate", cwd=built), 2)


def test_no_index_is_a_runtime_error(tmp_path: Path, cli) -> None:
    err = one_line_error(cli("ask", "Who is Nadella?", cwd=tmp_path, env=TINY), 1)
    assert err == "error: no index in index/; run `python -m rag index`"


def test_ask_json_shape_through_real_llama(built: Path, cli) -> None:
    res = cli(
        "ask",
        "How much did Microsoft pay for the Inflection AI team?",
        "--json",
        "--max-tokens",
        "40",
        cwd=built,
        env=TINY,
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out) >= {"question", "answer", "found", "citations", "retrieved", "timings", "model"}
    assert set(out["timings"]) == {"retrieve_s", "ttft_s", "total_s", "prompt_tokens", "completion_tokens"}
    assert out["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert out["retrieved"][0]["source"] == GERMAN
    assert out["answer"].strip()
    for c in out["citations"]:
        assert set(c) == {"n", "source", "chunk_id", "start_line", "end_line", "quote", "page"}
        lines = (built / c["source"]).read_text(encoding="utf-8").split("\n")
        assert c["quote"] in "\n".join(lines[c["start_line"] - 1 : c["end_line"]])
    if not out["found"]:
        assert out["citations"] == [] and out["closest"] == GERMAN


def test_text_streams_in_pieces_and_a_not_found_reply_is_held_back(built: Path) -> None:
    retriever = open_retriever(built / "index")
    reply = "Microsoft zahlte 650 Millionen Dollar für das Team von Inflection AI [1]."
    events = list(
        Assistant(retriever, lambda: Scripted(reply)).stream(
            "Wie viel zahlte Microsoft für das Team von Inflection AI?"
        )
    )
    pieces = [e for e in events if isinstance(e, str)]
    assert len(pieces) > 3 and "".join(pieces) == reply, "text arrives as the model writes it"
    assert isinstance(events[-1], Answer) and events[-1].found
    for signal in ("NOT_FOUND", "Not_FOUND"):  # the small model's own spelling too (qa q19)
        refused = list(Assistant(retriever, lambda s=signal: Scripted(s)).stream("Wie viel zahlte Microsoft?"))
        assert [type(e) for e in refused] == [Retrieved, Answer], f"{signal} is never shown as text"
        assert not refused[-1].found


def test_ask_streams_pieces_through_real_llama(built: Path, monkeypatch) -> None:
    monkeypatch.chdir(built)
    bot = assistant("index", "smollm2-135m")
    events = list(bot.stream("Was kaufte Microsoft für 650 Millionen Dollar?", max_tokens=40))
    answer, pieces = events[-1], [e for e in events[:-1] if isinstance(e, str)]
    assert isinstance(events[0], Retrieved) and events[0].passages, "sources come before any text"
    assert isinstance(answer, Answer) and len(pieces) == len(events) - 2
    # Either the model wrote text, which streamed in several pieces, or it said NOT_FOUND (held back) and
    # the answer is a refusal; a draft shown in one piece at the end, or lost, fails both.
    assert len(pieces) > 1 if pieces else not answer.found
    assert answer.timings.total_s >= answer.timings.ttft_s > 0
    assert answer.timings.prompt_tokens > 0 and answer.timings.completion_tokens > 0


def test_very_long_question_is_trimmed_with_a_notice(built: Path, cli) -> None:
    question = "How much did Microsoft pay for Inflection? " + "x" * 50_000
    res = cli("ask", question, "--json", "--max-tokens", "20", cwd=built, env=TINY)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert len(out["question"]) == MAX_QUESTION_CHARS
    assert any("trimmed" in n for n in out["notices"])


@pytest.mark.parametrize("damage", ["missing", "not_gguf", "truncated"])
def test_bad_model_file_names_the_file_and_the_fix(built: Path, cli, damage: str) -> None:
    path = built / f"model-{damage}.gguf"
    if damage == "not_gguf":
        path.write_text("this is not a model")
    elif damage == "truncated":
        from rag.backends.models import test_model_path

        with test_model_path().open("rb") as f:
            path.write_bytes(f.read(2_000_000))
    err = one_line_error(cli("ask", "Who is Nadella?", "--model", str(path), cwd=built), 1)
    assert str(path) in err and "--model" in err


def test_unreadable_files_are_skipped_with_a_warning_naming_them(workdir: Path, cli) -> None:
    seeds = workdir / "seeds"
    (seeds / "binary.txt").write_bytes(b"\x00\x01\x02GIF89a\x00")
    (seeds / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (seeds / "empty.md").write_text("")
    (seeds / "note.md").write_text("# Notiz\n\nDas Rechenzentrum in Bayern wurde eröffnet.\n", encoding="utf-8")
    res = cli("index", "--quiet", cwd=workdir)
    assert res.returncode == 0, res.stderr
    for name in ("binary.txt", "latin1.txt", "empty.md"):
        assert f"skipped seeds/{name}" in res.stderr
    assert "6 added" in res.stdout
    shutil.rmtree(workdir / "index")
