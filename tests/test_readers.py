"""PDF, HTML and DOCX documents written by the tests: extraction, page citations, bad files, watch mode.

Retrieval, citation checks and quote verification are real (USE embeddings, FAISS); only the answer
text comes from a scripted stand-in generator, except in the one test through the tiny LLM.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rag.answer import Assistant
from rag.api import build_index, open_retriever
from rag.backends.readers import pdf as pdf_reader
from rag.documents import extract
from rag.errors import BadDocument
from rag.evaluation.evaluate import quote_at_lines
from rag.frontends.web import answer_markdown
from rag.settings import Settings
from rag.types import Answer, Citation
from rag.watch import relevant
from tests.conftest import ROOT, SEEDS, opened, run_cli
from tests.test_app import Scripted

# Seed sentences (seeds/004 German, seeds/003 English, seeds/000 Dutch), one fact per format.
PDF_PAGE1 = [
    "Nach der kurzzeitigen Entlassung von Sam Altman überdenkt Microsoft angeblich seine Investitionsstrategie "
    "bei OpenAI. Das KI-Unternehmen sucht nach alternativen Finanzierungsquellen und Rechenkapazitäten.",
    "Nadella zeigte sich zunächst offen, änderte seine Meinung aber nach der zwischenzeitlichen Entlassung "
    "Altmans im November 2023. Die NYT beruft sich in ihrem Bericht auf insgesamt 19 Quellen, die mit den "
    "Vorgängen vertraut seien.",
]
# Ctrl-C is acted on when the watcher is back in Python: with a build running in C on a loaded machine (a full
# test run beside two evaluations) it took over 60 s. A bound against a hang, not a speed check.
STOP_S = 300


def stop(proc: subprocess.Popen) -> int:
    """Ctrl-C; returns the exit code. STOP_S bounds a hang, it is no speed check."""
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=STOP_S)


def _as_a_terminal_job() -> None:
    # A job started with `&` from a script (a clean-clone `make test &`) inherits SIGINT ignored, and Python then
    # installs no KeyboardInterrupt: the watcher would never see the Ctrl-C this test sends. A terminal's
    # foreground job, where a user presses Ctrl-C, has it at its default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


INFLECTION = (
    "Statt weiter in OpenAI zu investieren, kaufte Microsoft für 650 Millionen US-Dollar das Team von "
    "Inflection AI des Deepmind-Mitbegründers Mustafa Suleyman."
)
PDF_PAGE2 = [
    "Microsoft investiert in den Wettbewerb",
    INFLECTION + " Dieser Schritt sorgte bei OpenAI für Unmut. Einige Führungskräfte und Mitarbeiter, darunter "
    "Altman, sollen über die Präsenz von Suleyman bei Microsoft verärgert sein.",
]
FUNDRAISING = "In the most recent $6.6 billion fundraising round for OpenAI, Microsoft did provide $750 million."
NAVIGATION = ("Subscribe to our newsletter", "Sports and weather", "Copyright 2025 Example Media", "Cookie settings")
HTML = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stargate</title></head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/s">{NAVIGATION[1]}</a></li>
<li><a href="/n">{NAVIGATION[0]}</a></li></ul></nav></header>
<main><article><h1>Microsoft and the Stargate joint venture</h1>
<p>Microsoft was only identified as a technical partner in the Stargate joint venture, which was created by OpenAI,
SoftBank Group Corp., and Oracle Corp., even though the company had invested over $14 billion in OpenAI.</p>
<p>{FUNDRAISING} However, their reluctance to commit more led Altman to seek out alternative partners.</p>
</article></main>
<aside><a href="/c">{NAVIGATION[3]}</a></aside>
<footer><p>{NAVIGATION[2]}. All rights reserved.</p></footer></body></html>"""
SMITH = (
    "Begin dit jaar vertelde Chair en VP Brad Smith dat er tussen medio 2024 en medio 2025 (het financiële jaar "
    "van Microsoft) circa 80 miljard dollar zou zijn uitgegeven aan AI-infrastructuur."
)
DOCX_PARAGRAPHS = [
    "Twijfels ontstaan over Microsoft’s uitbouw van AI-datacenters",
    "Microsoft heeft verschillende pachten opgezegd voor datacenters en internationale investeringen "
    "teruggeschroefd. Dat blijkt uit informatie van investeringsbank TD Cowen.",
    "TD Cowen geeft aan dat Meta soortgelijke tekenen vertoonde toen het kosten wilde besparen. " + SMITH,
]


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A PDF with one page per list of paragraphs (core font, latin-1 text, lines wrapped by fpdf2)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, 7, paragraph)
            pdf.ln(4)
    return bytes(pdf.output())


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(paragraphs[0], 1)
    for paragraph in paragraphs[1:]:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Locatie", "Megawatt"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def encrypted_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_of_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "Not a Word document.")
    return out.getvalue()


def write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "report.pdf").write_bytes(pdf_bytes([PDF_PAGE1, PDF_PAGE2]))
    (folder / "page.html").write_text(HTML, encoding="utf-8")
    (folder / "memo.docx").write_bytes(docx_bytes(DOCX_PARAGRAPHS))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with `docs/` (the PDF, HTML page and DOCX) and a real `index/` of it."""
    base = tmp_path_factory.mktemp("formats")
    write_corpus(base / "docs")
    cwd = os.getcwd()
    os.chdir(base)
    try:
        report = build_index("docs", "index", progress=False)
    finally:
        os.chdir(cwd)
    assert sorted(report.added) == ["docs/memo.docx", "docs/page.html", "docs/report.pdf"]
    return base


def text_of(path: Path) -> str:
    return extract(path, path.read_bytes())[0]


# Extraction alone (no models).


def test_pdf_pages_are_form_feed_separated_and_wrapped_lines_rejoined(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes([PDF_PAGE1, PDF_PAGE2]))
    raw = "".join(p.extract_text() for p in __import__("pypdf").PdfReader(path).pages)
    assert INFLECTION not in raw, "fpdf2 wraps the long sentence over lines: the reader must rejoin it"
    text, paged = extract(path, path.read_bytes())
    assert paged and text.count("\f") == 1
    page1, page2 = text.split("\f\n")
    assert INFLECTION not in page1 and INFLECTION in page2.split("\n")[1]
    assert page2.split("\n")[0] == "Microsoft investiert in den Wettbewerb", "a heading stays a line of its own"


def test_reflow_joins_wrapped_lines_and_keeps_headings_and_paragraph_ends() -> None:
    page = (
        "A heading\nThe first line of a paragraph that the layout wrapped, with a hyphen-\n"
        "ated word and more words\nthat continue here. Then a paragraph ends.\nNext Paragraph starts here"
    )
    assert pdf_reader.reflow(page) == (
        "A heading\nThe first line of a paragraph that the layout wrapped, with a hyphenated word and more words "
        "that continue here. Then a paragraph ends.\nNext Paragraph starts here"
    )


def test_html_keeps_the_article_one_paragraph_a_line_and_drops_navigation(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    text = text_of(path)
    lines = text.split("\n")
    assert lines[0] == "Microsoft and the Stargate joint venture"
    assert any(line.startswith(FUNDRAISING) for line in lines)
    for nav in NAVIGATION:
        assert nav not in text


def test_docx_paragraphs_and_table_rows_are_lines(tmp_path: Path) -> None:
    path = tmp_path / "memo.docx"
    path.write_bytes(docx_bytes(DOCX_PARAGRAPHS))
    assert text_of(path).split("\n") == [*DOCX_PARAGRAPHS, "Locatie | Megawatt"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("locked.pdf", lambda: encrypted_pdf(pdf_bytes([PDF_PAGE1])), "encrypted PDF"),
        ("cut.pdf", lambda: pdf_bytes([PDF_PAGE1, PDF_PAGE2])[:700], "damaged PDF"),
        ("menu.html", lambda: HTML.split("<main>")[0].encode() + b"</body></html>", "HTML page without main text"),
        ("fake.docx", zip_of_text, "not a Word document"),
    ],
)
def test_bad_files_raise_bad_document_saying_why(
    tmp_path: Path, name: str, data: Callable[[], bytes], reason: str
) -> None:
    with pytest.raises(BadDocument, match=reason):
        extract(tmp_path / name, data())


# Questions answered from each format (real retrieval, citation check and quote verification).


def ask(corpus: Path, question: str, reply: str) -> Answer:
    settings = Settings().replace(index=corpus / "index", docs=corpus / "docs")
    return Assistant(open_retriever(settings=settings), lambda: Scripted(reply)).ask(question)


def cited(answer: Answer, source: str):  # noqa: ANN201 - a Citation
    assert answer.found, answer
    found = [c for c in answer.citations if c.source == source]
    assert found, answer.citations
    return found[0]


def test_pdf_answer_cites_file_and_page(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus)
    answer = ask(
        corpus,
        "How much did Microsoft pay for the Inflection AI team?",
        "Microsoft paid 650 million dollars for the Inflection AI team [1].",
    )
    c = cited(answer, "docs/report.pdf")
    assert c.page == 2 and "650 Millionen US-Dollar" in c.quote
    lines = text_of(corpus / c.source).split("\n")
    assert c.quote in "\n".join(lines[c.start_line - 1 : c.end_line]), "lines of the extracted text"
    assert quote_at_lines(c)
    assert not quote_at_lines(dataclasses.replace(c, page=1)), "the page is checked too"
    assert "- [1] docs/report.pdf p.2: " in answer_markdown(answer)


def test_html_answer_cites_lines_of_the_extracted_text(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus)
    answer = ask(
        corpus,
        "How much did Microsoft provide in OpenAI's $6.6 billion fundraising round?",
        "Microsoft provided $750 million in the $6.6 billion fundraising round [1].",
    )
    c = cited(answer, "docs/page.html")
    assert c.page is None and c.quote == FUNDRAISING
    assert text_of(corpus / c.source).split("\n")[c.start_line - 1].startswith(FUNDRAISING)
    assert quote_at_lines(c)
    assert not quote_at_lines(dataclasses.replace(c, start_line=1, end_line=1)), "wrong lines fail"
    assert f"- [1] docs/page.html, line {c.start_line}: " in answer_markdown(answer)


def test_docx_answer_cites_lines_of_the_extracted_text(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus)
    answer = ask(
        corpus,
        "Hoeveel geld zou Microsoft volgens Brad Smith uitgeven aan AI-infrastructuur?",
        "Volgens Brad Smith zou Microsoft circa 80 miljard dollar uitgeven aan AI-infrastructuur [1].",
    )
    c = cited(answer, "docs/memo.docx")
    assert c.page is None and c.quote == SMITH and c.start_line == c.end_line == 3
    assert quote_at_lines(c)
    assert "- [1] docs/memo.docx, line 3: " in answer_markdown(answer)


def test_cli_shows_pdf_pages_and_tiny_llm_citations_verify(corpus: Path, cli) -> None:
    res = cli("search", "Inflection AI Suleyman 650 Millionen", "-k", "1", cwd=corpus)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("1. ") and "docs/report.pdf p.2" in res.stdout.split("\n")[0]
    res = cli(
        "ask",
        "How much did Microsoft pay for the Inflection AI team?",
        "--json",
        "--max-tokens",
        "40",
        cwd=corpus,
        env={"RAG_LLM_MODEL": "smollm2-135m"},
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["retrieved"][0]["source"] == "docs/report.pdf"
    cwd = os.getcwd()
    os.chdir(corpus)
    try:
        for c in out["citations"]:
            assert quote_at_lines(Citation(**c)), c
    finally:
        os.chdir(cwd)


# Bad files beside good ones.


def test_bad_files_are_skipped_with_one_warning_each_and_the_rest_indexed(tmp_path: Path, cli) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    good = pdf_bytes([PDF_PAGE1, PDF_PAGE2])
    bad = {
        "locked.pdf": encrypted_pdf(good),
        "cut.pdf": good[: len(good) // 2],
        "garbage.pdf": b"%PDF-1.7\n\x00\x01 not really a PDF",
        "menu.html": HTML.split("<main>")[0].encode() + b"</body></html>",
        "fake.docx": zip_of_text(),
    }
    for name, data in bad.items():
        (docs / name).write_bytes(data)
    (docs / "report.pdf").write_bytes(good)
    (docs / "~$memo.docx").write_bytes(b"an Office lock file")  # never a document: not even warned about
    res = cli("index", "--quiet", "--docs", "docs", cwd=tmp_path)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "1 added" in res.stdout
    stderr = res.stderr.strip().split("\n")
    for name in bad:
        naming = [line for line in stderr if f"docs/{name}" in line]
        assert len(naming) == 1 and naming[0].startswith(f"WARNING: skipped docs/{name}: "), res.stderr
    assert "~$memo.docx" not in res.stderr
    assert list(opened(tmp_path / "index").manifest["files"]) == ["docs/report.pdf"]


# Watch mode.


def test_watch_ignores_temp_files_and_the_index_inside_the_docs(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    assert relevant(docs / "a.pdf", tmp_path / "index") and relevant(docs / "sub" / "b.HTML", tmp_path / "index")
    for name in ("~$a.docx", ".#a.md", "a.md~", ".a.md.swp", "a.png"):
        assert not relevant(docs / name, tmp_path / "index"), name
    assert not relevant(docs / "index" / "manifest.json", docs / "index")


def wait_for(check: Callable[[], bool], proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001, S110 - the index may not exist yet or be mid-swap
            pass
        assert proc.poll() is None, log.read_text()
        time.sleep(0.5)
    raise TimeoutError(f"watch did not catch up within {timeout}s:\n{log.read_text()}")


def files(base: Path) -> dict:
    return opened(base / "index").manifest["files"]


def sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def start_watch(base: Path, *flags: str) -> tuple[subprocess.Popen, Path]:
    """`python -m rag index --watch` over a copy of seeds/ in `base`: (process, its stderr log)."""
    shutil.copytree(SEEDS, base / "seeds")
    out, err = base / "out.log", base / "err.log"
    with out.open("w") as o, err.open("w") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag", "index", "--watch", *flags],
            cwd=base,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=o,
            stderr=e,
            preexec_fn=_as_a_terminal_job,
        )
    return proc, err


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path, Path]]:
    """A quiet watcher: (process, folder, its stderr log)."""
    proc, err = start_watch(tmp_path, "--quiet")
    try:
        yield proc, tmp_path, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_reindexes_added_changed_and_deleted_files_until_ctrl_c(
    watching: tuple[subprocess.Popen, Path, Path],
) -> None:
    proc, base, err = watching
    seeds = base / "seeds"
    wait_for(lambda: len(files(base)) == 5, proc, err)
    write_corpus(base / "new")
    shutil.move(base / "new" / "report.pdf", seeds / "report.pdf")
    (seeds / ".#report.md").write_text("an editor's lock file", encoding="utf-8")
    wait_for(lambda: "seeds/report.pdf" in files(base), proc, err)
    assert files(base)["seeds/report.pdf"]["chunks"] > 0 and len(files(base)) == 6

    german = sorted(seeds.glob("004_*.txt"))[0]
    german.write_text(german.read_text(encoding="utf-8") + "\nEin neuer Absatz über Bayern.\n", encoding="utf-8")
    wait_for(lambda: files(base)[f"seeds/{german.name}"]["sha256"] == sha(german), proc, err)

    dutch = sorted(seeds.glob("000_*.txt"))[0]
    dutch.unlink()
    wait_for(lambda: f"seeds/{dutch.name}" not in files(base), proc, err)
    assert sorted(files(base)) == sorted(f"seeds/{p.name}" for p in seeds.iterdir() if not p.name.startswith("."))

    assert stop(proc) == 0
    log = err.read_text()
    assert "Traceback" not in log and "stopped watching" in log
    summaries = (base / "out.log").read_text().strip().split("\n")
    assert summaries[0].startswith("indexed: 5 added") and any(s.startswith("indexed: 1 added") for s in summaries)
    assert any("1 changed" in s for s in summaries) and any("1 removed" in s for s in summaries)


def test_a_failed_build_prints_its_error_and_watching_goes_on(watching: tuple[subprocess.Popen, Path, Path]) -> None:
    from rag.backends import stores

    proc, base, err = watching
    seeds = base / "seeds"
    wait_for(lambda: len(files(base)) == 5, proc, err)
    with stores.lock(Settings().replace(index=base / "index")):
        (seeds / "held.md").write_text("Das Rechenzentrum in Bayern wurde eröffnet.\n", encoding="utf-8")
        wait_for(lambda: "another index build is running" in err.read_text(), proc, err)
    assert "seeds/held.md" not in files(base)
    (seeds / "later.md").write_text("Ein zweites Rechenzentrum entsteht in Sachsen.\n", encoding="utf-8")
    wait_for(lambda: {"seeds/held.md", "seeds/later.md"} <= set(files(base)), proc, err)
    assert stop(proc) == 0 and "Traceback" not in err.read_text()


def test_sigterm_stops_watching_like_ctrl_c_and_the_build_it_cuts_short_keeps_the_old_index(tmp_path: Path) -> None:
    proc, err = start_watch(tmp_path)  # not quiet: the progress bar shows when a build embeds
    try:
        wait_for(lambda: len(files(tmp_path)) == 5, proc, err)
        wait_for(lambda: "for changes" in err.read_text(), proc, err)
        before, seen = files(tmp_path), len(err.read_text())
        extra = tmp_path / "extra"  # written outside, then moved in whole: one change, so one build
        extra.mkdir()
        german = sorted((tmp_path / "seeds").glob("004_*.txt"))[0].read_text(encoding="utf-8")
        for i in range(60):  # enough text that embedding takes seconds
            (extra / f"extra_{i:03}.txt").write_text(f"Kopie {i}.\n{german}", encoding="utf-8")
        shutil.move(extra, tmp_path / "seeds" / "extra")
        wait_for(lambda: "Batches:" in err.read_text()[seen:], proc, err)
        proc.send_signal(signal.SIGTERM)  # as `docker stop` and systemd stop a service
        assert proc.wait(timeout=STOP_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = err.read_text()
    assert "Traceback" not in log and "stopped watching" in log
    assert files(tmp_path) == before, "the build cut short left the previous index"
    res = run_cli("index", "--quiet", cwd=tmp_path, timeout=STOP_S)
    assert res.returncode == 0, res.stderr
    assert len(files(tmp_path)) == 65, "and the next build completes it (no lock left behind)"
