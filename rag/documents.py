"""Walks the documents folder: picks each file's reader (rag/backends/readers), hashes the bytes, skips what cannot
be read with one warning line each. Does not extract text itself, chunk or embed."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from .backends.readers import SUFFIXES, reader_for
from .errors import BadDocument, DocsMissing
from .types import Document

log = logging.getLogger(__name__)


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, so citations stay short."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def is_temporary(path: Path) -> bool:
    """Editor and Office scratch files (`~$x.docx`, `.#x.md`, `x.md~`, `.x.swp`), never documents."""
    name = path.name
    return name.startswith(("~$", ".#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))


def extract(path: Path, data: bytes) -> tuple[str, bool]:
    """(extracted text, paged) of a file's bytes; BadDocument when its reader cannot use them."""
    reader = reader_for(path)
    if reader is None:
        raise BadDocument(f"unsupported format {path.suffix or '(no suffix)'}")
    text = reader.read(path, data)
    if not text.strip():
        raise BadDocument("empty")
    return text, reader.paged


def read_document(path: Path) -> Document | None:
    """A Document, or None (with a warning naming the file) when it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.warning("skipped %s: cannot read (%s)", display_path(path), exc.strerror)
        return None
    try:
        text, paged = extract(path, data)
    except BadDocument as exc:
        log.warning("skipped %s: %s", display_path(path), exc)
        return None
    return Document(display_path(path), text, hashlib.sha256(data).hexdigest(), paged)


def list_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise DocsMissing(f"documents folder {folder} does not exist; pass --docs FOLDER")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES and not is_temporary(p))


def read_folder(folder: Path) -> list[Document]:
    """All usable documents below `folder`; raises DocsMissing when there are none."""
    docs = [d for d in map(read_document, list_files(folder)) if d is not None]
    if not docs:
        formats = ", ".join(SUFFIXES)
        raise DocsMissing(f"no readable document ({formats}) in {folder}; the index was left as it was")
    return docs
