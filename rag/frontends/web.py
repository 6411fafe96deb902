"""The chat page's logic without Gradio: handlers that return page text, and the HTML of answers and sources."""

from __future__ import annotations

import functools
import html
import inspect
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ..api import Assistant
from ..errors import IndexBusy, IndexMissing, RagError, UsageError
from ..limits import MAX_K_ANSWER, MAX_QUESTION_CHARS, MAX_TOKENS
from ..settings import Settings
from ..types import Answer, Chunk, Citation, Exchange, Hit, Passage, Retrieved
from .loader import Loader

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

QUOTE_PREVIEW = 110  # characters of a quote shown on a collapsed source line

# Only chunk text from the index store is ever shown; the page exposes no way to open a file by
# path, so no request can read outside the documents folder (Gradio serves no project files either).


def text_of(content: Any) -> str:
    """Plain text of a chat message's content (a string or a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, (list, tuple)):
        return " ".join(text_of(c) for c in content)
    return ""


def _plain(content: Any, limit: int) -> str:
    """Message text without the page's markup (answers are rendered as HTML), cut to `limit` characters."""
    text = re.sub(r"<[^>]+>", " ", text_of(content))
    return " ".join(text.split())[:limit]


def exchanges(history: list | None) -> list[Exchange]:
    """The page's messages-style history as plain (question, answer) exchanges, oldest first."""
    out, question = [], None
    for msg in history or []:
        if not isinstance(msg, dict):
            continue
        if msg.get("role") == "user":
            question = _plain(msg.get("content"), MAX_QUESTION_CHARS) or None
        elif msg.get("role") == "assistant" and question:
            # The rendered sources after the answer are the page's, not the conversation's.
            out.append(Exchange(question, _plain(msg.get("content"), 400)))
            question = None
    return out


def readable(exc: BaseException) -> str:
    """The one place an error becomes page text: a single line, never a traceback."""
    if isinstance(exc, IndexMissing):
        return f"⚠ {_sentence(str(exc))} Or click **Rebuild index**."
    if isinstance(exc, RagError):
        return f"⚠ {_sentence(str(exc))}"
    return f"⚠ Unexpected error ({type(exc).__name__}: {exc}). Details are in the server log."


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def shows_errors(fn: F) -> F:
    """Ends a handler (plain or streaming) with `readable(exc)` as its last output instead of raising."""

    def report(exc: Exception) -> str:
        if not isinstance(exc, RagError):
            log.exception("handler %s failed", fn.__name__)
        return readable(exc)

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def streaming(*args: Any, **kwargs: Any) -> Iterator[str]:
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the page must show a message, not die
                yield report(exc)

        return streaming  # type: ignore[return-value]

    @functools.wraps(fn)
    def plain(*args: Any, **kwargs: Any) -> str:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the page must show a message, not die
            return report(exc)

    return plain  # type: ignore[return-value]


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


# What Markdown turns into a fetch or a link (images, links, autolinked URLs, raw HTML) as entities, plus
# the backslash and backtick that would stop an entity from decoding: text from a document or the model
# is shown, never interpreted, so a hostile "![x](http://…)" in a source can't make the browser fetch it.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "\\`[]()!:"})
_MARKER_HTML = re.compile(r"&#91;(\d{1,3})&#93;")
_UNSUPPORTED_HTML = "&#91;?&#93;"


def _where(source: str, first: int, last: int, page: int | None) -> str:
    """`file.pdf p.3` for a paged document, else `file.txt, lines 3–4` (lines of the extracted text)."""
    return f"{source} p.{page}" if page is not None else f"{source}, {_lines(first, last)}"


def _escape(text: str) -> str:
    return html.escape(text, quote=False).translate(_INERT)


def _one_line_html(text: str) -> str:
    """Escaped text with line breaks as <br>: a Markdown HTML block must not contain blank lines."""
    text = re.sub(r"\n\s*\n\s*", "\n\n", text.replace("\r", ""))
    return _escape(text).replace("\n", "<br>")


def highlight(chunk_text: str, quote: str) -> str:
    """The chunk as HTML with `quote` wrapped in <mark>; whitespace differences are tolerated."""
    chunk_text = chunk_text.strip()
    start = chunk_text.find(quote)
    end = start + len(quote)
    if start < 0:
        words = quote.split()
        m = re.search(r"\s+".join(map(re.escape, words)), chunk_text) if words else None
        if not m:
            # The quote is not in this chunk (should not happen): show it above the chunk.
            return f"<mark>{_one_line_html(quote)}</mark><br><br>{_one_line_html(chunk_text)}"
        start, end = m.span()
    before, inside, after = chunk_text[:start], chunk_text[start:end], chunk_text[end:]
    return f"{_one_line_html(before)}<mark>{_one_line_html(inside)}</mark>{_one_line_html(after)}"


def _preview(quote: str) -> str:
    flat = " ".join(quote.split())
    return flat if len(flat) <= QUOTE_PREVIEW else flat[: QUOTE_PREVIEW - 1].rstrip() + "…"


def source_block(citation: Citation, chunk: Chunk | None, anchor: str, label: str = "", opened: bool = False) -> str:
    """One collapsible source: file and lines, the quote, and the quote marked inside its chunk."""
    where = _where(citation.source, citation.start_line, citation.end_line, citation.page)
    body = highlight(chunk.text, citation.quote) if chunk else f"<mark>{_one_line_html(citation.quote)}</mark>"
    return (
        f'<details class="rag-src" id="{anchor}"{" open" if opened else ""}><summary>'
        f"<b>{_escape(label or f'[{citation.n}]')}</b> <code>{_escape(where)}</code>"
        f' <span class="rag-quote">“{_escape(_preview(citation.quote))}”</span></summary>'
        f'<div class="rag-chunk">{body}</div></details>'
    )


def closest_block(hit: Hit, anchor: str) -> str:
    """The best retrieved passage of a refusal's closest document, open so it is seen at once."""
    c = hit.chunk
    return (
        f'<details class="rag-src" id="{anchor}" open><summary><code>{_escape(_where(c.source, c.start_line, c.end_line, c.page))}'
        f"</code> (similarity {hit.score:.2f})</summary>"
        f'<div class="rag-chunk">{_one_line_html(c.text.strip())}</div></details>'
    )


def reading_block(event: Retrieved) -> str:
    """The sources the model is reading, one line each (file, lines, best sentence), before it writes."""
    best: dict[int, Passage] = {}
    for p in event.passages:
        if p.n not in best or p.score > best[p.n].score:
            best[p.n] = p
    rows = []
    for n in sorted(best):
        p = best[n]
        first, last = p.lines()
        rows.append(
            f"<li><code>{_escape(_where(p.chunk.source, first, last, p.page()))}</code> "
            f'<span class="rag-quote">“{_escape(_preview(p.text))}”</span></li>'
        )
    return f'<div class="rag-reading"><div class="rag-heading">Reading</div><ul>{"".join(rows)}</ul></div>'


def link_markers(text: str, cited: dict[int, str]) -> str:
    """Turns each escaped [n] with a source into a link to that source's block; [?] gets a tooltip."""

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in cited:
            return m.group(0)
        return f'<a class="rag-cite" href="#{cited[n]}" title="show source {n}">[{n}]</a>'

    text = _MARKER_HTML.sub(link, text)
    return text.replace(
        _UNSUPPORTED_HTML, '<span class="rag-unsupported" title="no supporting passage found">[?]</span>'
    )


def render_answer(answer: Answer, chunk_of: Callable[[int], Chunk | None]) -> str:
    """The final chat message: checked answer with linked markers, then its sources (or the closest document)."""
    tag = uuid.uuid4().hex[:8]  # anchors must be unique across all answers on the page
    parts: list[str]
    if answer.found:
        anchors = {c.n: f"src-{tag}-{c.n}" for c in answer.citations}
        parts = [link_markers(_escape(answer.text), anchors), '<div class="rag-heading">Sources</div>']
        parts.append("".join(source_block(c, chunk_of(c.chunk_id), anchors[c.n]) for c in answer.citations))
    else:
        parts = [_escape(answer.text)]
        hit = next((h for h in answer.retrieved if h.chunk.source == answer.closest), None)
        if hit and not answer.evidence:
            parts += ['<div class="rag-heading">Closest document</div>', closest_block(hit, f"src-{tag}-closest")]
    if (ev := answer.evidence) and ev.quote not in {c.quote for c in answer.citations}:
        # The best-ranked sentence, even when the answer is refused or cites others: the reader can judge.
        block = source_block(ev, chunk_of(ev.chunk_id), f"src-{tag}-evidence", "closest evidence", not answer.found)
        parts += ['<div class="rag-heading">Closest evidence</div>', block]
    footer = [f"{answer.timings.total_s:.1f} s", answer.model] + [f"note: {n}" for n in answer.notices]
    parts.append(f'<div class="rag-meta">{_escape(" · ".join(x for x in footer if x))}</div>')
    return "\n\n".join(parts)


def answer_markdown(answer: Answer) -> str:
    """The API's reply: the question, the checked answer, then a sources list (or the closest passage)."""
    out = [f"**Question:** {answer.question}", answer.text]
    if answer.found:
        out.append(
            "**Sources**\n"
            + "\n".join(
                f'- [{c.n}] {_where(c.source, c.start_line, c.end_line, c.page)}: "{" ".join(c.quote.split())}"'
                for c in answer.citations
            )
        )
    if (ev := answer.evidence) and ev.quote not in {c.quote for c in answer.citations}:
        out.append(
            f'**Closest evidence**\n- {_where(ev.source, ev.start_line, ev.end_line, ev.page)}: "{" ".join(ev.quote.split())}"'
        )
    elif not answer.found:
        hit = next((h for h in answer.retrieved if h.chunk.source == answer.closest), None)
        if hit:
            c = hit.chunk
            text = " ".join(c.text.split())
            out.append(
                f'**Closest document**\n- {_where(c.source, c.start_line, c.end_line, c.page)}: "{_preview_long(text)}"'
            )
    out += [f"_Note: {n}_" for n in answer.notices]
    return "\n\n".join(out)


def _preview_long(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class WebApp:
    """What the page does, free of Gradio: ask (streaming or not), rebuild, describe the loaded state. The models
    are the server's (`loader`), shared with the API; a WebApp made without one loads its own."""

    def __init__(self, settings: Settings, loader: Loader | None = None):
        self.settings = settings
        self.index, self.docs, self.model = settings.index, settings.docs, settings.llm_model
        self.loader = loader or Loader(settings)
        self._rebuilding = threading.Lock()  # one rebuild at a time; a second is told so, not queued

    def bot(self) -> Assistant:
        return self.loader.bot()

    def _chunk_lookup(self, answer: Answer) -> Callable[[int], Chunk | None]:
        # The answer's own retrieved chunks first: a rebuild swapped in meanwhile may have renumbered the store.
        known = {h.chunk.id: h.chunk for h in answer.retrieved}

        def chunk_of(chunk_id: int) -> Chunk | None:
            if chunk_id in known:
                return known[chunk_id]
            try:
                return self.bot().retriever.store.chunks([chunk_id])[0]
            except RagError:
                return None

        return chunk_of

    @staticmethod
    def _check(k: int, max_tokens: int) -> tuple[int, int]:
        k, max_tokens = int(k), int(max_tokens)
        if not 1 <= k <= MAX_K_ANSWER:
            raise UsageError(f"top-k must be between 1 and {MAX_K_ANSWER}")
        if not 1 <= max_tokens <= MAX_TOKENS:
            raise UsageError(f"max_tokens must be between 1 and {MAX_TOKENS}")
        return k, max_tokens

    @shows_errors
    def chat(self, message: Any, history: list[dict] | None, k: float | None = None) -> Iterator[str]:
        """Chat handler: yields the growing answer, then the checked answer with its sources."""
        k, _ = self._check(self.settings.k if k is None else int(k), MAX_TOKENS)
        bot = self.bot()
        streamed, reading = "", ""
        for event in bot.stream(text_of(message), history=exchanges(history), k=k):
            if isinstance(event, Answer):
                yield render_answer(event, self._chunk_lookup(event))
                return
            if isinstance(event, Retrieved):
                # Shown before the model's first token: where the answer will come from.
                reading = "\n\n" + reading_block(event)
                yield "▍" + reading
                continue
            streamed += event
            yield _escape(streamed) + " ▍" + reading

    @shows_errors
    def ask(self, question: str, k: int | None = None, max_tokens: int | None = None) -> str:
        """Answers one question from the documents: the answer with [n] markers, then its sources."""
        k, max_tokens = self._check(
            self.settings.k if k is None else k, self.settings.max_tokens if max_tokens is None else max_tokens
        )
        return answer_markdown(self.bot().ask(question, k=k, max_tokens=max_tokens))

    @shows_errors
    def rebuild(self) -> Iterator[str]:
        """Brings the index up to date with the documents folder; questions use the old index until the swap."""
        from .. import api

        if not self._rebuilding.acquire(blocking=False):
            raise IndexBusy(
                "the index is already being rebuilt; try again when it is done (this request was not queued)"
            )
        try:
            yield f"Rebuilding the index from `{self.docs}/`… Questions are answered from the current index meanwhile."
            report = api.build_index(settings=self.settings, progress=True)
            yield f"✓ {_sentence(report.summary())}"
        finally:
            self._rebuilding.release()

    def answering(self) -> str:
        """What writes the answers: the loaded generator (`model @ url` for a remote server, else the GGUF file),
        or before it is loaded what the settings name."""
        if (bot := self.loader.loaded()) is not None:
            return bot.generator.name
        s = self.settings
        if s.llm_url:
            return f"{s.llm_remote_model or 'the first model listed'} @ {s.llm_url.rstrip('/')}"
        return self.model

    @shows_errors
    def info(self) -> str:
        """The panel: which LLM, embedding model and index are in use."""
        from ..api import index_manifest

        bot, problem = self.loader.loaded(), self.loader.problem
        llm = f"`{self.answering()}`"
        if bot is None:
            llm += f" ({readable(problem) if problem else 'loading…'})"
        lines = [f"**LLM** {llm}"]
        try:
            # The retriever's store once loaded (it follows swaps); the manifest alone before that.
            if bot is not None:
                store = bot.retriever.store
                manifest, chunks = store.manifest, store.count()
            else:
                manifest = index_manifest(self.settings)
                chunks = manifest.get("chunk_count", 0)
        except RagError as exc:
            embed = self.settings.embed_model
            return "\n\n".join([*lines, f"**Embeddings** `{embed}`", f"**Index** {readable(exc)}"])
        built = str(manifest.get("built_at", "?")).replace("T", " ")[:16]
        lines += [
            f"**Embeddings** `{manifest.get('embed_model', '?')}`",
            f"**Index** `{self.index}/`: {chunks} chunks from {len(manifest.get('files', {}))} files, built {built}",
            f"**Documents** `{self.docs}/`",
        ]
        return "\n\n".join(lines)
