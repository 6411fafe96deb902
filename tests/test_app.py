"""The chat page's server and handlers: the `chat` and `rebuild` API endpoints, sessions, errors as messages.

The live server is `python app.py` with an API key, so every Gradio call here also passes the key guard."""

import json
import os
import re
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag.answer import Assistant
from rag.api import build_index, open_retriever
from rag.frontends.loader import Loader
from rag.frontends.web import WebApp
from rag.settings import Settings
from tests.live import free_port, running
from tests.scripted import Scripted

ROOT = Path(__file__).resolve().parent.parent
GERMAN = "seeds/004_85b4fb37c10d1e96.txt"
PIDS: dict[str, int] = {}  # url -> pid of the app.py serving it, for the memory test
KEY = "page-and-api-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`python app.py` (with a key) on a free port over a fresh copy of seeds/ and its index: (url, folder)."""
    base = tmp_path_factory.mktemp("site")
    shutil.copytree(ROOT / "seeds", base / "seeds")
    cwd = os.getcwd()
    os.chdir(base)  # sources are named relative to the working directory: `seeds/…`
    try:
        build_index("seeds", "index", progress=False)
    finally:
        os.chdir(cwd)
    port = free_port()
    env = {**os.environ, "RAG_LLM_MODEL": "smollm2-135m", "GRADIO_ANALYTICS_ENABLED": "False", "RAG_API_KEY": KEY}
    url = f"http://127.0.0.1:{port}/"
    cmd = [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--index", "index", "--docs", "seeds"]
    with running(cmd, f"{url}healthz", cwd=base, env=env) as proc:
        PIDS[url] = proc.pid
        yield url, base


def client(url: str):  # noqa: ANN201 - gradio_client.Client
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False, headers=AUTH)


def sources_section(reply: str) -> str:
    """The part of an API reply after the answer: its sources, or the closest evidence or document of a refusal."""
    for heading in ("**Sources**", "**Closest evidence**", "**Closest document**"):
        if heading in reply:
            return reply.split(heading, 1)[1]
    raise AssertionError(f"no sources in reply:\n{reply}")


def test_chat_endpoint_answers_with_cited_source(site: tuple[str, Path]) -> None:
    url, base = site
    question = "How much did Microsoft pay for the Inflection AI team?"
    reply = client(url).predict(question, 5, 48, api_name="/chat")
    assert reply.startswith(f"**Question:** {question}\n\n")
    answer = reply.split("\n\n")[1]
    assert answer.strip() and not answer.startswith("**")
    sources = sources_section(reply)
    # Which passage the tiny test model cites is not the point here (tests/test_answer_default.py checks
    # that with the default model); what the page promises for either outcome is.
    cites = re.findall(r'^- \[(\d+)\] (seeds/\S+), lines? (\d+)(?:–(\d+))?: "(.*)"$', sources, re.M)
    if "**Sources**" in reply:
        # Found: every [n] in the answer has a source line and every source line is cited in the answer,
        # with its quote standing verbatim (whitespace folded) at the stated lines.
        assert cites and {n for n, *_ in cites} == set(re.findall(r"\[(\d+)\]", answer)), reply
        for _, path, first, last, quote in cites:
            lines = (base / path).read_text(encoding="utf-8").split("\n")[int(first) - 1 : int(last or first)]
            assert len(quote) > 20 and quote in " ".join(" ".join(lines).split()), (path, first, quote)
    else:
        # Refused: the refusal names the closest document, which is the German article, quoted below it.
        assert answer == f"The documents don't contain an answer to this question. Closest document: {GERMAN}"
        assert sources.startswith(f"\n- {GERMAN}, line") and "Inflection" in sources, reply


def test_rebuild_endpoint_reports_and_swaps_in_new_file(site: tuple[str, Path]) -> None:
    url, base = site
    api = client(url)
    note = base / "seeds" / "zz_bakery.txt"
    note.write_text("The Zephyr bakery in Utrecht bakes 340 sourdough loaves every morning.\n", encoding="utf-8")
    try:
        report = api.predict(api_name="/rebuild")
        assert "1 added, 0 changed, 0 removed, 5 unchanged" in report, report
        reply = api.predict("How many sourdough loaves does the Zephyr bakery bake?", 3, 24, api_name="/chat")
        assert "seeds/zz_bakery.txt" in sources_section(reply), reply
    finally:
        note.unlink()
    assert "0 added, 0 changed, 1 removed" in api.predict(api_name="/rebuild")


def test_five_sessions_get_their_own_answers(site: tuple[str, Path]) -> None:
    url, _ = site
    questions = [
        "Why did Microsoft cancel data center leases?",
        "Waarom heeft Microsoft pachten opgezegd?",
        "Apa strategi pusat data Microsoft?",
        "How big is the reported OpenAI joint venture?",
        "Warum überdenkt Microsoft seine Investitionen?",
    ]
    clients = [client(url) for _ in questions]
    jobs = [c.submit(q, 3, 16, api_name="/chat") for c, q in zip(clients, questions)]
    with ThreadPoolExecutor(len(jobs)) as pool:
        replies = list(pool.map(lambda job: job.result(timeout=300), jobs))
    for question, reply in zip(questions, replies):
        assert reply.startswith(f"**Question:** {question}\n\n"), (question, reply)
        assert "seeds/0" in sources_section(reply)


def test_source_files_are_not_served(site: tuple[str, Path]) -> None:
    url, base = site
    # The page shows chunk text from the index only; no route may read files, inside the documents or out.
    for path in (base / "seeds" / "000_b05894ccbf689f9f.txt", Path("/etc/passwd"), ROOT / "app.py"):
        for prefix in ("gradio_api/file=", "file="):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(urllib.request.Request(f"{url}{prefix}{path}", headers=AUTH), timeout=10)
            assert err.value.code in (403, 404), (prefix, path, err.value.code)


def scripted_app(index: Path, reply: str) -> tuple[WebApp, Scripted]:
    gen = Scripted(reply)
    settings = Settings().replace(index=index, docs=index.parent / "seeds")
    return WebApp(settings, Loader(settings, Assistant(open_retriever(settings=settings), lambda: gen))), gen


def test_chat_streams_then_shows_linked_sources(built: Path) -> None:
    web, _ = scripted_app(built / "index", "Microsoft paid 650 million dollars for the Inflection AI team [1].")
    outputs = list(web.chat("How much did Microsoft pay for the Inflection AI team?", [], 5))
    # First the sources the model is reading (file, lines, best sentence), before any answer text.
    assert outputs[0].startswith("▍") and 'class="rag-reading"' in outputs[0] and "Microsoft paid" not in outputs[0]
    assert f"<code>{GERMAN}, line" in outputs[0] and "Inflection" in outputs[0]
    assert "team &#91;1&#93;. ▍" in outputs[-2] and 'class="rag-reading"' in outputs[-2]  # inert while it writes
    final = outputs[-1]
    anchor = final.split('<a class="rag-cite" href="#', 1)[1].split('"', 1)[0]
    assert f'<details class="rag-src" id="{anchor}">' in final
    assert f"<code>{GERMAN}, line" in final and "<mark>" in final


def test_an_answer_that_only_echoes_the_question_is_a_refusal(built: Path) -> None:
    bot = scripted_app(built / "index", "Microsoft did pay for the Inflection AI team [1].")[0].bot()
    answer = bot.ask("How much did Microsoft pay for the Inflection AI team?")
    assert not answer.found and not answer.citations
    assert answer.text.startswith("The documents don't contain an answer") and answer.closest == GERMAN


def test_follow_up_passes_the_history(built: Path) -> None:
    web, gen = scripted_app(built / "index", "Microsoft paid 650 million dollars [1].")
    history = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "How much did Microsoft pay for the Inflection AI team?"}],
        },
        {"role": "assistant", "content": "Microsoft paid 650 million dollars [1]."},
    ]
    list(web.chat("And who founded it?", history, 5))
    # The earlier exchange reaches the model as real turns, after the cached system prompt.
    roles = [m["role"] for m in gen.prompts[0]]
    assert roles == ["system", "user", "assistant", "user"]
    assert gen.prompts[0][1]["content"] == "How much did Microsoft pay for the Inflection AI team?"
    assert gen.prompts[0][2]["content"] == "Microsoft paid 650 million dollars [1]."


def test_refusal_shows_the_closest_document(built: Path) -> None:
    web, _ = scripted_app(built / "index", "NOT_FOUND")
    final = list(web.chat("How much did Microsoft pay for the Inflection AI team?", [], 5))[-1]
    assert "The documents don't contain an answer" in final
    assert "Closest document" in final and f"<code>{GERMAN}, line" in final
    reply = web.ask("How much did Microsoft pay for the Inflection AI team?")
    # The refusal names the document whose sentence is shown beneath it as the closest evidence.
    assert f"Closest document: {GERMAN}" in reply
    assert f"**Closest evidence**\n- {GERMAN}, line" in reply and "650 Millionen" in reply


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda tmp, built: scripted_app(tmp / "no-index", "unused")[0],
            "run `python -m rag index`. Or click **Rebuild",
        ),
        (
            lambda tmp, built: WebApp(Settings().replace(index=built / "index", llm_model=str(tmp / "missing.gguf"))),
            "missing.gguf does not exist",
        ),
    ],
    ids=["no-index", "no-model"],
)
def test_errors_become_one_line_messages(
    tmp_path: Path, built: Path, make: Callable[[Path, Path], WebApp], expected: str
) -> None:
    web = make(tmp_path, built)
    for text in (web.ask("How much did Microsoft pay?"), list(web.chat("How much did Microsoft pay?", [], 5))[-1]):
        assert text.startswith("⚠ ") and expected in text and "\n" not in text and "Traceback" not in text
    assert expected in web.info()  # the side panel says the same


def test_empty_question_and_bad_k_are_messages(built: Path) -> None:
    web, _ = scripted_app(built / "index", "unused [1].")
    assert web.ask("   ") == "⚠ The question is empty."
    assert web.ask("Why?", k=0) == "⚠ Top-k must be between 1 and 20."


def test_not_found_beside_a_cited_sentence_drops_only_itself(built: Path) -> None:
    reply = "Microsoft paid 650 million dollars for the Inflection AI team [1]. NOT_FOUND"
    answer = scripted_app(built / "index", reply)[0].bot().ask("How much did Microsoft pay for the Inflection AI team?")
    assert answer.found and "NOT_FOUND" not in answer.text and "650" in answer.text
    assert answer.citations and answer.citations[0].source == GERMAN and "650" in answer.citations[0].quote


HOSTILE = "See ![pixel](http://127.0.0.1:9/p.png) and [the report](http://127.0.0.1:9/r) <img src=x> [1]."


def test_markup_from_the_model_or_a_document_is_shown_not_rendered(built: Path) -> None:
    web, _ = scripted_app(built / "index", HOSTILE)
    outputs = list(web.chat("How much did Microsoft pay for the Inflection AI team?", [], 5))
    for html_out in outputs:
        # Nothing Markdown or HTML would turn into an image, a link or an autolink survives.
        assert "![" not in html_out and "](" not in html_out and "http:" not in html_out, html_out
        assert "<img" not in html_out and "<a " not in html_out.replace('<a class="rag-cite" href="#', "")
    assert "&#33;&#91;pixel&#93;&#40;http&#58;//127.0.0.1&#58;9/p.png&#41;" in outputs[-2]  # shown as typed


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))


def test_fifty_questions_in_a_row_keep_memory_flat(site: tuple[str, Path]) -> None:
    """Issue 16: 50 questions in one session, real tiny LLM; resident memory grows less than 10%.

    Measured after five warm-up questions, once the LLM, the embedder and Gradio's caches are loaded: a leak
    per question (kept histories, answers, KV states) shows as steady growth past that."""
    url, _ = site
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "qa.jsonl").open(encoding="utf-8")]
    chat = client(url)
    for question in questions[:5]:
        chat.predict(question, 3, 16, api_name="/chat")
    before = rss_kib(PIDS[url])
    seen = []
    for i in range(50):
        question = questions[i % len(questions)]
        reply = chat.predict(question, 3, 16, api_name="/chat")
        assert reply.startswith(f"**Question:** {question}\n\n"), (question, reply[:200])
        if i % 10 == 9:
            seen.append(rss_kib(PIDS[url]))
    growth = (seen[-1] - before) / before
    print(f"RSS before {before / 1024:.0f} MiB, every 10 questions: {[round(r / 1024) for r in seen]} MiB")
    assert growth < 0.10, (before, seen)
