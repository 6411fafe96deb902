"""Reads the documents folder: UTF-8 `.txt` and `.md` files. Does not chunk or embed."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from .errors import DocsMissing
from .types import Document

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, so citations stay short."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def decode(data: bytes) -> str | None:
    """Text of a file, or None when it is binary or not UTF-8."""
    if b"\x00" in data:
        return None
    try:
        # Decoding the raw bytes (not text mode) keeps "\r\n": offsets match the file exactly.
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_document(path: Path) -> Document | None:
    """A Document, or None (with a warning naming the file) when it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.warning("skipped %s: cannot read (%s)", display_path(path), exc.strerror)
        return None
    text = decode(data)
    if text is None:
        log.warning("skipped %s: binary or not UTF-8", display_path(path))
        return None
    if not text.strip():
        log.warning("skipped %s: empty", display_path(path))
        return None
    return Document(display_path(path), text, hashlib.sha256(data).hexdigest())


def list_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise DocsMissing(f"documents folder {folder} does not exist; pass --docs FOLDER")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def read_folder(folder: Path) -> list[Document]:
    """All usable documents below `folder`; raises DocsMissing when there are none."""
    docs = [d for d in map(read_document, list_files(folder)) if d is not None]
    if not docs:
        raise DocsMissing(f"no readable .txt or .md file in {folder}; the index was left as it was")
    return docs
