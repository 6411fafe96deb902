"""The chat page in a real headless Chromium: a streamed answer's [1] marker opens its highlighted source.

The LLM is a scripted stand-in that streams one sentence of source [1] with a `[1]` marker (the tiny
test model rarely writes markers, and the default one is too slow here). Everything else is real:
the index, retriever, citation checker, Gradio server, page and browser.
"""

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import start_uvicorn
from tests.scripted import Quoting

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTION = "How much did Microsoft pay for the Inflection AI team?"


def serve_page(gen: Quoting, **fields: object) -> tuple[str, object]:
    """The one server (page at /, API under /v1) in this process on a free port, answering with `gen` over
    ./index: (base URL, uvicorn server; set `should_exit` to stop)."""
    from rag.answer import Assistant
    from rag.api import open_retriever
    from rag.frontends.server import create_app
    from rag.settings import Settings

    settings = Settings().replace(index=Path("index"), docs=Path("seeds"), **fields)
    return start_uvicorn(create_app(settings, Assistant(open_retriever(settings=settings), lambda: gen)))


@pytest.fixture
def page_url(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Quoting]]:
    """The app served in this process on a free port, over a private copy of the session's index."""
    shutil.copytree(built / "seeds", tmp_path / "seeds")
    shutil.copytree(built / "index", tmp_path / "index")
    monkeypatch.chdir(tmp_path)  # sources stay named `seeds/…` when the page rebuilds
    gen = Quoting(delay=0.08, gated=True)  # slow enough that the page visibly streams
    base, server = serve_page(gen)
    try:
        yield f"{base}/", gen
    finally:
        server.should_exit = True


def test_answer_marker_opens_highlighted_source(page_url: tuple[str, Quoting]) -> None:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (run `make browser`)")
    from playwright.sync_api import expect, sync_playwright

    page_url, gen = page_url

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(page_url)
            expect(page.locator("#rag-info")).to_contain_text("scripted-test-model", timeout=30_000)
            expect(page.locator("#rag-info")).to_contain_text("80 chunks from 5 files")
            box = page.locator("#rag-question textarea")
            box.fill(QUESTION)
            box.press("Enter")

            answer = page.get_by_test_id("bot").last
            # The sources the model reads show before its first word (the generator waits at the gate).
            reading = answer.locator(".rag-reading")
            expect(reading).to_contain_text("seeds/004_85b4fb37c10d1e96.txt", timeout=30_000)
            expect(reading).to_contain_text("Inflection")
            assert "Microsoft" not in answer.inner_text().split("Reading")[0], "no answer text yet"
            gen.gate.set()
            expect(answer).to_contain_text("▍", timeout=30_000)  # the answer streams in
            cite = answer.locator("a.rag-cite").first
            expect(cite).to_have_text("[1]", timeout=30_000)  # the checked answer replaced it, marker linked
            expect(answer).not_to_contain_text("▍")

            source = page.locator(f"details{cite.get_attribute('href')}")
            mark = source.locator("mark")
            expect(mark).to_be_hidden()
            cite.click()
            expect(source).to_have_attribute("open", "")
            expect(mark).to_be_visible()
            summary = source.locator("summary").inner_text()
            file = re.search(r"seeds/\S+\.txt", summary)
            assert file, summary
            quote = " ".join(mark.inner_text().split())
            assert len(quote) > 20 and quote in " ".join((ROOT / file.group(0)).read_text(encoding="utf-8").split())
            page.screenshot(path=str(ARTIFACTS / "chat_answer.png"), full_page=True)

            # A follow-up gets its own answer whose source anchors do not collide with the first one's.
            box.fill("And what did OpenAI think about that?")
            box.press("Enter")
            expect(page.get_by_test_id("bot")).to_have_count(2, timeout=30_000)
            expect(page.get_by_test_id("bot").last.locator("a.rag-cite").first).to_be_visible(timeout=30_000)
            ids = page.locator("details.rag-src").evaluate_all("els => els.map(e => e.id)")
            assert len(ids) == len(set(ids)) >= 2

            page.get_by_role("button", name="Rebuild index").click()
            expect(page.locator("#rag-status")).to_contain_text(
                "0 added, 0 changed, 0 removed, 5 unchanged", timeout=60_000
            )
            page.screenshot(path=str(ARTIFACTS / "chat_follow_up_rebuild.png"), full_page=True)
        finally:
            browser.close()


class ObeyingGenerator(Quoting):
    """A stand-in for a model that obeys the hostile documents: after a quoted sentence it writes their image,
    link, raw HTML and a bare address, as Markdown would render them."""

    def __init__(self, trap: str) -> None:
        super().__init__(delay=0.08)
        self.trap = trap

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        # The markup first, so it stays on the page while the quote streams: written last, it could be replaced by
        # the checked answer (a refusal) before the browser looked (seen once in a clean clone on a loaded machine).
        t = self.trap
        yield f"![status](http://{t}/pixel.png) [klik di sini](http://{t}/login) <http://{t}/auto>"
        yield f' <img src="http://{t}/raw.png"> <a href="http://{t}/a">a</a> http://{t}/bare '
        yield from super().stream(messages, max_tokens)


class Trap:
    """An HTTP server on loopback that records every request it gets: the outside address of the hostile
    documents. Any request here means the page made the browser fetch something a document or model named."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_hostile_markup_is_shown_never_fetched(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: documents with a Markdown image, a link and fake turns, and a model that obeys them. Chromium
    loads the page, streams both answers and opens every source; not one request reaches the trap address."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (run `make browser`)")
    from playwright.sync_api import expect, sync_playwright

    from rag.api import build_index
    from rag.settings import Settings
    from tests import hostile

    trap = Trap()
    shutil.copytree(built / "seeds", tmp_path / "seeds")
    shutil.copytree(built / "index", tmp_path / "index")
    hostile.write(tmp_path / "seeds", trap.address)
    monkeypatch.chdir(tmp_path)
    settings = Settings().replace(index=Path("index"), docs=Path("seeds"))
    build_index(settings=settings, progress=False)  # incremental: the six hostile files
    base, server = serve_page(ObeyingGenerator(trap.address))
    requested: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.on("request", lambda r: requested.append(r.url))
                page.goto(f"{base}/")
                expect(page.locator("#rag-info")).to_contain_text("11 files", timeout=30_000)
                box = page.locator("#rag-question textarea")
                for n, name in enumerate(["zz_nl_image.txt", "zz_id_link.txt"], start=1):
                    box.fill(hostile.HOSTILE[name][1])
                    box.press("Enter")
                    answer = page.get_by_test_id("bot").nth(n - 1)
                    # The stream shows what the model wrote as text; the checked answer that replaces it may be
                    # a refusal (the stand-in's sentences are not all backed): either way nothing is fetched.
                    expect(answer).to_contain_text("pixel.png", timeout=60_000)
                    expect(answer).not_to_contain_text("▍", timeout=60_000)
                for details in page.locator("details.rag-src").all():
                    details.locator("summary").click()
                page.wait_for_timeout(1500)  # time for any image or prefetch to be requested
                page.screenshot(path=str(ARTIFACTS / "chat_hostile.png"), full_page=True)
                assert page.locator("[id^=component] img, .message img").count() == 0
            finally:
                browser.close()
    finally:
        server.should_exit = True
        trap.server.shutdown()
    assert trap.hits == [], trap.hits
    assert not [u for u in requested if trap.address in u], requested
    assert not [u for u in requested if not u.startswith(f"{base}/")], requested


def test_page_behind_a_key_opens_after_login(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: with a key, `/` shows a login form; a wrong key is refused; the right one opens the page, whose
    own calls (config, queue, streaming) then pass the guard on the session cookie alone."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (run `make browser`)")
    from playwright.sync_api import expect, sync_playwright

    shutil.copytree(built / "seeds", tmp_path / "seeds")
    shutil.copytree(built / "index", tmp_path / "index")
    monkeypatch.chdir(tmp_path)
    base, server = serve_page(Quoting(), api_key="browser-key")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                assert page.goto(f"{base}/").status == 401
                page.locator("#rag-key").fill("not-the-key")
                page.locator("#rag-key").press("Enter")
                expect(page.locator("#rag-login-error")).to_have_text("That key is wrong.")
                page.locator("#rag-key").fill("browser-key")
                page.locator("#rag-key").press("Enter")
                expect(page.locator("#rag-info")).to_contain_text("scripted-test-model", timeout=30_000)
                box = page.locator("#rag-question textarea")
                box.fill(QUESTION)
                box.press("Enter")
                cite = page.get_by_test_id("bot").last.locator("a.rag-cite").first
                expect(cite).to_have_text("[1]", timeout=60_000)
                cookie = next(c for c in page.context.cookies() if c["name"] == "rag_session")
                assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and "browser-key" not in cookie["value"]
            finally:
                browser.close()
    finally:
        server.should_exit = True
