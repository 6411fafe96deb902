"""The reader interface and the registry by file suffix. Readers turn a file's bytes into text; they do not
hash, walk folders or warn (see documents.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .docx import DocxReader
from .html import HtmlReader
from .pdf import PdfReader
from .text import TextReader


class Reader(Protocol):
    """Extracts the text of one format. Paragraphs end with "\\n" so line numbers mean something;
    a `paged` reader separates pages with "\\f" (the chunker and citations count them)."""

    suffixes: tuple[str, ...]
    paged: bool

    def read(self, path: Path, data: bytes) -> str:
        """The extracted text of `data` (the bytes of `path`), or BadDocument saying why it is unusable."""
        ...


READERS: tuple[Reader, ...] = (TextReader(), PdfReader(), HtmlReader(), DocxReader())
BY_SUFFIX: dict[str, Reader] = {suffix: r for r in READERS for suffix in r.suffixes}
SUFFIXES: tuple[str, ...] = tuple(BY_SUFFIX)


def reader_for(path: Path) -> Reader | None:
    """The reader of `path` by its suffix (any case), None for a format not read."""
    return BY_SUFFIX.get(path.suffix.lower())
