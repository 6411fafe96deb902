"""PDF via pypdf: the text layer of each page, pages joined by "\f\n", wrapped lines joined back into
paragraphs. Does not OCR scanned pages or guess passwords (only the empty one PDFs open with)."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from ...errors import BadDocument

PAGE_BREAK = "\f\n"  # "\f" counts pages, "\n" starts every page on a line of its own
_SENTENCE_END = re.compile(r"[.!?:…\"'”’»)]$")


class PdfReader:
    suffixes = (".pdf",)
    paged = True

    def read(self, path: Path, data: bytes) -> str:
        from pypdf import PdfReader as Pdf
        from pypdf.errors import DependencyError, PyPdfError

        # pypdf logs each repair it attempts; a file it cannot use gets our one "skipped" line instead.
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        try:
            pdf = Pdf(io.BytesIO(data))
            if pdf.is_encrypted and not _opens_without_password(pdf):
                raise BadDocument("encrypted PDF (needs a password)")
            pages = [reflow(page.extract_text() or "") for page in pdf.pages]
        except DependencyError as exc:
            raise BadDocument(f"encrypted PDF ({exc})") from None
        except BadDocument:
            raise
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
            # pypdf meets broken files with assorted exceptions; any of them means "damaged", not a crash.
            raise BadDocument(f"damaged PDF ({type(exc).__name__}: {exc})") from None
        if not any(p.strip() for p in pages):
            raise BadDocument("PDF without a text layer (scanned pages need OCR first)")
        return PAGE_BREAK.join(pages)


def _opens_without_password(pdf: object) -> bool:
    """True for PDFs that are encrypted only against editing (they open with the empty password)."""
    from pypdf import PasswordType

    return pdf.decrypt("") != PasswordType.NOT_DECRYPTED  # type: ignore[attr-defined]


def reflow(page: str) -> str:
    """A page's visual lines joined into paragraphs, one per line: a sentence never crosses a line in the
    chunker, so a line wrapped by the layout must not split it. A line ends a paragraph when it is blank,
    or shorter than the page's long lines and ends a sentence or is a heading (the next starts upper-case)."""
    lines = [line.strip() for line in page.split("\n")]
    width = max(map(len, lines), default=0)
    out = ""
    for line, nxt in zip(lines, lines[1:] + [""], strict=True):
        out += line
        short = len(line) < 0.8 * width
        if not line or not nxt or (short and (_SENTENCE_END.search(line) or not nxt[0].islower())):
            out += "\n"
        elif line.endswith("-") and line[-2:-1].isalpha():
            # A word hyphenated at the line end: rejoined, without the hyphen when the rest is lower-case.
            out = out[:-1] if nxt[0].islower() else out
        else:
            out += " "
    return re.sub(r"\n{3,}", "\n\n", out).strip("\n")
