"""The Gradio adapter: builds the chat page (Blocks, CSS, head script) over a `WebApp` and mounts it on the
server's app. It does not parse arguments, load models or serve by itself (rag/frontends/server.py does)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..limits import MAX_K_ANSWER, MAX_K_SLIDER
from ..settings import Settings
from .web import WebApp

if TYPE_CHECKING:
    import gradio as gr

# An offline app: Gradio must not phone home.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

TITLE = "Ask your documents"
INTRO = """# Ask your documents
Answers come **only** from the documents in the index, each sentence with a numbered source like **[1]**.
Click a marker or a source below an answer to see the quoted passage highlighted in its original text.
Ask in English, Nederlands, Deutsch or Bahasa Indonesia; follow-up questions keep the context."""
EXAMPLES = [
    ("EN", "How much did Microsoft pay for the Inflection AI team?"),
    ("DE", "Warum überdenkt Microsoft seine Investitionen in OpenAI?"),
    ("NL", "Waarom heeft Microsoft pachten voor datacenters opgezegd?"),
    ("ID", "Apa yang ditunjukkan indikator terbaru tentang ekspansi AI Microsoft?"),
]
CSS = """
.rag-heading { font-weight: 600; margin-top: .4em; }
details.rag-src { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .25em .6em; margin: .3em 0; }
details.rag-src summary { cursor: pointer; }
details.rag-src[open] { background: var(--background-fill-secondary); }
details.rag-src.rag-flash { outline: 2px solid var(--color-accent); }
.rag-quote { opacity: .8; font-style: italic; }
.rag-chunk { margin-top: .4em; line-height: 1.5; max-height: 18em; overflow-y: auto; }
.rag-chunk mark { background: #fde68a; color: #111; padding: 0 .1em; border-radius: 2px; }
a.rag-cite { text-decoration: none; font-weight: 600; color: var(--color-accent); background: var(--color-accent-soft); border-radius: 4px; padding: 0 .15em; }
.rag-unsupported { color: #b45309; cursor: help; }
.rag-meta { font-size: .8em; opacity: .6; }
"""
# A marker click opens its source block and scrolls to it (a plain #anchor would not open <details>).
HEAD = """<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.rag-cite");
  if (!link) return;
  const block = document.getElementById(link.getAttribute("href").slice(1));
  if (!block) return;
  event.preventDefault();
  event.stopPropagation();
  block.open = true;
  block.scrollIntoView({ behavior: "smooth", block: "nearest" });
  block.classList.add("rag-flash");
  setTimeout(() => block.classList.remove("rag-flash"), 1500);
}, true);
</script>"""


def build_page(web: WebApp) -> gr.Blocks:
    """The page: a side panel (models, index, top-k, rebuild) and the chat. Top-k and the answer length follow
    the settings (`k`, `max_tokens`)."""
    import gradio as gr

    with gr.Blocks(title=TITLE, fill_height=True) as demo:
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=260):
                info, k, rebuild, status = _side_panel(web.settings)
            with gr.Column(scale=3):
                _chat(web, k)
        _wire(web, demo, info, rebuild, status)
    # One LLM writes one answer at a time (its lock); a concurrency of 1 per event makes further
    # sessions wait in Gradio's queue, where they see their position, instead of blocking a worker.
    demo.queue(default_concurrency_limit=1, max_size=64)
    return demo


def _side_panel(settings: Settings) -> tuple[Any, Any, Any, Any]:
    """Models and index info, the top-k slider, the rebuild button and its status: (info, k, rebuild, status)."""
    import gradio as gr

    # A `k` setting above the slider's usual ceiling widens it, up to what an answer allows.
    k_max = min(max(MAX_K_SLIDER, settings.k), MAX_K_ANSWER)
    gr.Markdown("### Models and index")
    info = gr.Markdown("Loading…", elem_id="rag-info")
    k = gr.Slider(
        1,
        k_max,
        value=min(settings.k, k_max),
        step=1,
        label="Passages to search (top-k)",
        info="More finds more, answers slower.",
    )
    rebuild = gr.Button("Rebuild index", variant="secondary", elem_id="rag-rebuild")
    gr.Markdown("Reads the documents folder again and embeds only new or changed files.")
    status = gr.Markdown(elem_id="rag-status", min_height=80)  # room for the progress bar
    return info, k, rebuild, status


def _chat(web: WebApp, k: Any) -> None:
    """The chat: streamed answers with their sources, example questions in the four languages."""
    import gradio as gr

    gr.ChatInterface(
        web.chat,
        chatbot=gr.Chatbot(
            height=620,
            show_label=False,
            placeholder="**Ask a question about your documents**, or pick one of these:",
            latex_delimiters=[],  # "$500 billion … $6.6" is money, not math
            feedback_options=None,
        ),
        textbox=gr.Textbox(
            placeholder="Type a question and press Enter…",
            elem_id="rag-question",
            submit_btn=True,
            stop_btn=True,
            autofocus=True,
        ),
        additional_inputs=[k],
        examples=[[q, None] for _, q in EXAMPLES],
        example_labels=[f"{code} · {q}" for code, q in EXAMPLES],
        # The API gets its own clean `chat` endpoint (_wire); this one returns page HTML.
        api_visibility="private",
        api_name="chat_page",
        fill_height=True,
    )


def _wire(web: WebApp, demo: gr.Blocks, info: Any, rebuild: Any, status: Any) -> None:
    """The rebuild button, the Gradio API's `chat` and `rebuild` endpoints, and the panel's refresh."""
    import gradio as gr

    settings = web.settings

    def chat(question: str, k: int = settings.k, max_tokens: int = settings.max_tokens) -> str:
        """Answers a question from the documents: the answer with [n] markers, then its sources."""
        return web.ask(question, k, max_tokens)

    def run_rebuild(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> Iterator[str]:  # noqa: B008 - Gradio's idiom
        # track_tqdm turns the embedding progress bar of the build into a bar on the page.
        yield from web.rebuild()

    # No concurrency limit: a second rebuild reaches the handler at once and is told one is running
    # (WebApp.rebuild), instead of waiting in Gradio's queue to rebuild again.
    rebuild.click(run_rebuild, None, status, api_name="rebuild", concurrency_limit=None).then(
        web.info, None, info, api_visibility="undocumented", show_progress="hidden"
    )
    gr.api(chat, api_name="chat")
    demo.load(web.info, None, info, api_visibility="undocumented", show_progress="hidden")
    # Keeps the panel current (model loaded, index rebuilt from the command line).
    gr.Timer(5).tick(web.info, None, info, api_visibility="undocumented", show_progress="hidden", queue=False)


def theme() -> Any:
    import gradio as gr

    return gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])  # no web fonts


def mount(app: Any, web: WebApp, path: str = "/") -> Any:
    """Mounts the page on a FastAPI `app` at `path` (the API server's `/`); returns the app."""
    import gradio as gr

    return gr.mount_gradio_app(app, build_page(web), path=path, css=CSS, head=HEAD, theme=theme(), show_error=False)
