"""The command line: parses input, calls the core API, prints results. No logic of its own.

stdout carries only results; messages and progress go to stderr. Errors from the core become
one line and an exit code here, and nowhere else.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

import click

from .. import limits
from ..errors import RagError, UsageError
from ..settings import Settings

# Options that set a `Settings` field carry the field's name and default to None, so that only what
# the user typed overrides rag.toml and RAG_* (Settings.load merges them, in one place).
INDEX = click.option("--index", "index", type=click.Path(path_type=Path), help="Index folder [default: index].")
DOCS = click.option("--docs", "docs", type=click.Path(path_type=Path), help="Documents folder [default: seeds].")
EMBED = click.option(
    "--embed-model",
    "embed_model",
    help=f"sentence-transformers model name or local folder [default: {limits.DEFAULT_EMBED}].",
)
STORE = click.option("--store", "store", type=click.Choice(["faiss", "milvus"]), help="Vector store [default: faiss].")
STORE_URI = click.option(
    "--store-uri", "store_uri", help="milvus: a Milvus Lite file or http://host:19530 [default: INDEX/milvus.db]."
)
JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
MODEL = click.option(
    "--model", "llm_model", help=f"LLM: {limits.DEFAULT_LLM} (default), smollm2-135m, or a local .gguf path."
)
LLM_URL = click.option("--llm-url", "llm_url", help="An OpenAI-compatible server to use as the LLM (…/v1).")
MAX_TOKENS = click.option(
    "--max-tokens",
    "max_tokens",
    type=click.IntRange(1, limits.MAX_TOKENS),
    help=f"Longest answer [default: {limits.DEFAULT_MAX_TOKENS}].",
)
# Top-k of a question the LLM answers (ask, eval).
ANSWER_K = click.option(
    "-k", "k", type=click.IntRange(1, limits.MAX_K_ANSWER), help=f"Chunks to retrieve [default: {limits.DEFAULT_K}]."
)


def out_folder(help_text: str) -> Any:
    """--out: where eval and bench write their reports."""
    return click.option(
        "--out", "out_dir", type=click.Path(path_type=Path), default="eval/reports", show_default=True, help=help_text
    )


def settings_of(ctx: click.Context, **flags: Any) -> Settings:
    """The effective settings: defaults < rag.toml (or --config) < RAG_* < these flags."""
    return Settings.load(flags, config=ctx.find_root().params.get("config"))


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
@click.option(
    "--config", type=click.Path(path_type=Path), default=None, help="Settings file [default: ./rag.toml if present]."
)
def main(verbose: bool, config: Path | None) -> None:
    """Ask questions about your own documents, offline, with cited sources."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr
    )


@main.command()
@DOCS
@INDEX
@EMBED
@STORE
@STORE_URI
@click.option("--full", is_flag=True, help="Re-embed everything.")
@click.option("--dry-run", is_flag=True, help="List what would change; write nothing.")
@click.option(
    "--index-type",
    "index_type",
    type=click.Choice(["flat", "hnsw"]),
    help="faiss: hnsw for approximate search of large corpora [default: the index's current type, else flat].",
)
@click.option("--watch", is_flag=True, help="Then keep the index up to date as documents change, until Ctrl-C.")
@QUIET
@JSON
@click.pass_context
def index(ctx: click.Context, full: bool, dry_run: bool, watch: bool, quiet: bool, as_json: bool, **flags: Any) -> None:
    """Build or update the index from the documents folder (only changed files are embedded)."""
    from ..api import build_index

    if watch:
        if dry_run:
            raise UsageError("--watch writes the index; it cannot be combined with --dry-run")
        _watch(settings_of(ctx, **flags), full, quiet, as_json)
        return
    report = build_index(settings=settings_of(ctx, **flags), full=full, dry_run=dry_run, progress=not quiet)
    if as_json:
        emit_json(report.to_dict())
        return
    if dry_run:
        for label in ("added", "changed", "removed", "unchanged"):
            for source in getattr(report, label):
                click.echo(f"{label:9} {source}")
    click.echo(report.summary())


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _watch(settings: Settings, full: bool, quiet: bool, as_json: bool) -> None:
    """Prints each build's summary (or JSON line) and each failed build's error until Ctrl-C or SIGTERM, then exits 0."""
    from ..api import watch_index

    # `docker stop`, systemd and `kill` send SIGTERM: it ends the watch like Ctrl-C (exit 0, no traceback) rather
    # than killing the process with status 143. A build it interrupts leaves the previous index (written atomically).
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for outcome in watch_index(settings=settings, full=full, progress=not quiet):
            if isinstance(outcome, RagError):
                click.echo(f"error: {outcome}", err=True)
            elif as_json:
                click.echo(json.dumps(outcome.to_dict(), ensure_ascii=False))
            else:
                click.echo(outcome.summary())
            if not quiet:
                click.echo(f"watching {settings.docs}/ for changes (Ctrl-C to stop)", err=True)
    except KeyboardInterrupt:
        click.echo("stopped watching", err=True)


@main.command()
@click.argument("question")
@click.option(
    "-k", "k", type=click.IntRange(1, limits.MAX_K_SEARCH), help=f"Number of hits [default: {limits.DEFAULT_K}]."
)
@INDEX
@EMBED
@STORE
@STORE_URI
@JSON
@click.pass_context
def search(ctx: click.Context, question: str, as_json: bool, **flags: Any) -> None:
    """Show the passages nearest to QUESTION, without the LLM."""
    from ..api import open_retriever

    s = settings_of(ctx, **flags)
    hits = open_retriever(settings=s, eager=True).search(question, s.k)
    if as_json:
        emit_json({"query": question, "hits": [hit_dict(h) for h in hits]})
        return
    for h in hits:
        c = h.chunk
        click.echo(f"{h.rank}. {h.score:.3f}  {where(c.source, c.start_line, c.end_line, c.page)}")
        click.echo("   " + " ".join(c.text.split())[:300])


def _words(text: str) -> str:
    """Text without spacing and sentence punctuation: a marker moved past a full stop is no change."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in ".!?")


def where(source: str, first: int, last: int, page: int | None) -> str:
    """`file.pdf p.3` for a paged document, else `file.txt:3-4` (lines of the extracted text)."""
    if page is not None:
        return f"{source} p.{page}"
    return f"{source}:{first}" if first == last else f"{source}:{first}-{last}"


def hit_dict(h: Any) -> dict:
    c = h.chunk
    return {
        "rank": h.rank,
        "score": round(h.score, 4),
        "source": c.source,
        "chunk_id": c.id,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "page": c.page,
        "text": c.text,
    }


@main.command()
@click.argument("question")
@ANSWER_K
@MODEL
@LLM_URL
@MAX_TOKENS
@INDEX
@EMBED
@STORE
@STORE_URI
@JSON
@click.pass_context
def ask(ctx: click.Context, question: str, as_json: bool, **flags: Any) -> None:
    """Answer QUESTION from the documents, citing file and lines (streams as it writes)."""
    from ..api import assistant
    from ..types import Answer

    bot = assistant(settings=settings_of(ctx, **flags))
    answer, streamed = None, ""
    try:
        for event in bot.stream(question):
            if isinstance(event, Answer):
                answer = event
            elif isinstance(event, str) and not as_json:
                streamed += event
                click.echo(event, nl=False)
    except RagError:
        if streamed:
            click.echo("")  # ends the draft's line: the error (say, the LLM server lost mid-answer) stands alone
        raise
    assert answer is not None
    if as_json:
        emit_json(answer.to_dict())
        return
    if _words(answer.text) != _words(streamed):
        # The checked text differs (markers repaired, or a refusal): show the final version.
        click.echo(("\n\n" if streamed else "") + answer.text, nl=False)
    click.echo("\n")
    for c in answer.citations:
        click.echo(f'[{c.n}] {where(c.source, c.start_line, c.end_line, c.page)}  "{c.quote}"')
    if (ev := answer.evidence) and ev.quote not in {c.quote for c in answer.citations}:
        click.echo(f'closest evidence: {where(ev.source, ev.start_line, ev.end_line, ev.page)}  "{ev.quote}"')
    for notice in answer.notices:
        click.echo(f"note: {notice}", err=True)


@main.command()
@MODEL
@JSON
@click.pass_context
def models(ctx: click.Context, as_json: bool, **flags: Any) -> None:
    """Prepare and check the models (assembles the default LLM once, verifying its sha256)."""
    from ..api import model_file

    s = settings_of(ctx, **flags)
    info = {"llm": str(model_file(s)), "embed_model": s.embed_model}
    if as_json:
        emit_json(info)
    else:
        click.echo(f"llm: {info['llm']}\nembeddings: {info['embed_model']}")


@main.command("eval")
@click.option(
    "--qa", "qa_path", type=click.Path(path_type=Path), default="eval/qa.jsonl", show_default=True, help="Question set."
)
@click.option("--retrieval-only", is_flag=True, help="Score retrieval only; the LLM is not loaded.")
@click.option(
    "--chats",
    "chats_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Two-turn conversations to score [default: eval/chats.jsonl when present].",
)
@click.option("--no-chats", is_flag=True, help="Skip the conversations.")
@ANSWER_K
@MODEL
@LLM_URL
@click.option("--limit", default=None, type=click.IntRange(1), help="Only the first N questions.")
@MAX_TOKENS
@out_folder("Report folder.")
@INDEX
@EMBED
@STORE
@STORE_URI
@JSON
@click.pass_context
def eval_command(
    ctx: click.Context,
    qa_path: Path,
    retrieval_only: bool,
    chats_path: Path | None,
    no_chats: bool,
    limit: int | None,
    out_dir: Path,
    as_json: bool,
    **flags: Any,
) -> None:
    """Score retrieval, answers, refusals, language and time on a question set; write a report."""
    from ..evaluation import evaluate
    from ..evaluation import report as eval_report

    if chats_path is None and not no_chats and Path("eval/chats.jsonl").is_file():
        chats_path = Path("eval/chats.jsonl")
    chats = None if no_chats else chats_path
    summary, _ = evaluate.run(qa_path, settings_of(ctx, **flags), limit, retrieval_only, chats)
    md, png = eval_report.write(summary, out_dir, "python -m rag " + " ".join(sys.argv[1:]))
    if as_json:
        emit_json(summary.to_dict() | {"report": str(md), "chart": str(png)})
    else:
        click.echo(eval_report.text(summary, md, png))


@main.command()
@click.option("--quick", is_flag=True, help="Small sizes and 3 questions (for tests).")
@click.option("--load", is_flag=True, help="Instead: rag serve under 1, 5 and 20 concurrent API clients.")
@MODEL
@click.option(
    "--qa", "qa_path", type=click.Path(path_type=Path), default="eval/qa.jsonl", show_default=True, help="Questions."
)
@DOCS
@INDEX
@EMBED
@click.option("--scale", is_flag=True, help="Only the growth of build and search at ~1k, 10k, 100k generated chunks.")
@click.option(
    "--milvus-uri", "milvus_uri", help="--scale: also a Milvus server, http://host:19530 (its data is replaced)."
)
@out_folder("--scale: report folder.")
@JSON
@click.pass_context
def bench(
    ctx: click.Context,
    quick: bool,
    load: bool,
    qa_path: Path,
    scale: bool,
    milvus_uri: str | None,
    out_dir: Path,
    as_json: bool,
    **flags: Any,
) -> None:
    """Measure first-token time, tokens/s (pipeline vs raw llama.cpp), indexing and search speed here."""
    from ..evaluation import bench as bench_mod

    if load:
        _bench_load(settings_of(ctx, **flags), qa_path, quick, as_json)
        return
    if scale:
        _bench_scale(settings_of(ctx, **flags), quick, milvus_uri, out_dir, as_json)
        return
    result = bench_mod.run(qa_path, settings_of(ctx, **flags), quick)
    if as_json:
        emit_json(result)
    else:
        click.echo(bench_mod.text(result))


def _bench_load(settings: Settings, qa_path: Path, quick: bool, as_json: bool) -> None:
    """`bench --load`: each client asks 3 questions (1 with --quick) of the set, in turn."""
    from ..evaluation import bench_load
    from ..evaluation.bench import pick_questions

    result = bench_load.run(pick_questions(qa_path, 60), settings, 1 if quick else 3)
    if as_json:
        emit_json(result)
    else:
        click.echo(bench_load.text(result))


def _bench_scale(settings: Settings, quick: bool, milvus_uri: str | None, out_dir: Path, as_json: bool) -> None:
    from ..evaluation import bench_scale, scale_report

    result = bench_scale.run(settings, quick, milvus_uri)
    md, png = scale_report.write(result, out_dir)
    if as_json:
        emit_json({**result, "report": str(md), "chart": str(png)})
    else:
        click.echo(f"{scale_report.table(result)}\n\n{scale_report.summary(result)}\n\nreport: {md}\nchart: {png}")


@main.command()
@JSON
@click.pass_context
def config(ctx: click.Context, as_json: bool) -> None:
    """Print the effective settings and where each came from (default, rag.toml, env, flag)."""
    s = settings_of(ctx)
    values = s.public()
    if as_json:
        emit_json({key: {"value": value, "from": s.origin[key]} for key, value in values.items()})
        return
    width = max(map(len, values))
    for key, value in values.items():
        shown = "(none)" if value is None else value
        click.echo(f"{key:<{width}}  {shown}  [{s.origin[key]}]")


@main.command()
@click.option("--host", "host", help=f"Address to listen on [default: {limits.DEFAULT_HOST}, this machine only].")
@click.option("--port", "port", type=click.IntRange(0, 65535), help=f"Port [default: {limits.DEFAULT_PORT}].")
@click.option(
    "--api-key", "api_key", help="Require this key on every route but /healthz (better: RAG_API_KEY, unseen by ps)."
)
@click.option(
    "--queue-limit",
    "queue_limit",
    type=click.IntRange(1),
    help=f"Requests queued before 429 [default: {limits.DEFAULT_QUEUE_LIMIT}].",
)
@MODEL
@LLM_URL
@INDEX
@DOCS
@click.pass_context
def serve(ctx: click.Context, **flags: Any) -> None:
    """Serve the chat page at / and the OpenAI-compatible API (/v1/chat/completions, /v1/models), one model shared."""
    from .server import run

    run(settings_of(ctx, **flags))
