"""Plain text and Markdown: the file itself, UTF-8. Does not strip Markdown syntax or guess other encodings."""

from __future__ import annotations

from pathlib import Path

from ...errors import BadDocument


class TextReader:
    suffixes = (".txt", ".md")
    paged = False

    def read(self, path: Path, data: bytes) -> str:
        if b"\x00" in data:
            raise BadDocument("binary or not UTF-8")
        try:
            # Decoding the raw bytes (not text mode) keeps "\r\n": offsets match the file exactly.
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadDocument("binary or not UTF-8") from None
