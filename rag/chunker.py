"""Splits a document into overlapping chunks along paragraph and sentence boundaries.

Every chunk keeps exact character offsets, so `text[chunk.start:chunk.end] == chunk.text`
always holds; it never rewrites or normalizes the text. It does not embed anything.
"""

from __future__ import annotations

import hashlib
import re

from .types import Chunk, ChunkerSettings, Sentence

# A sentence ends at . ! ? … (plus closing quotes/brackets) followed by space, or glued to
# a capital letter ("intelligence.According"), which scraped news text often has.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?:\s+|(?=[A-ZÀ-Ý][a-zà-ÿ]))")
_LINE = re.compile(r"[^\r\n\f]+")  # a form feed separates the pages of a PDF's text


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without surrounding whitespace, or None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cuts a span longer than max_chars at whitespace (or hard, if there is none)."""
    spans = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        if (piece := _trimmed(text, start, cut)) is not None:
            spans.append(piece)
        start = cut
    if (piece := _trimmed(text, start, end)) is not None:
        spans.append(piece)
    return spans


def sentence_spans(text: str, max_chars: int = 500) -> list[tuple[int, int]]:
    """(start, end) of every sentence; a sentence never crosses a line break."""
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        pos = line.start()
        for m in _SENTENCE_END.finditer(text, line.start(), line.end()):
            spans.extend(_split_long(text, pos, m.end(), max_chars))
            pos = m.end()
        spans.extend(_split_long(text, pos, line.end(), max_chars))
    return spans


def chunk_sentences(chunk: Chunk) -> list[tuple[int, int]]:
    """File offsets of the sentences of a chunk (the units the sentence index stores)."""
    return [(chunk.start + a, chunk.start + b) for a, b in sentence_spans(chunk.text)]


def chunk_id(source: str, start: int, end: int) -> int:
    """A stable positive int64 from the path and offsets (FAISS ids must be int64)."""
    digest = hashlib.sha1(f"{source}:{start}:{end}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def sentences_of(chunk: Chunk) -> list[Sentence]:
    """The sentences of a chunk, with ids stable across builds (a sentence in two chunks has two)."""
    return [
        Sentence(chunk_id(f"{chunk.id}", start, end), chunk.id, start, end) for start, end in chunk_sentences(chunk)
    ]


def line_of(text: str, offset: int) -> int:
    """1-based line number of the character at `offset`."""
    return text.count("\n", 0, offset) + 1


def make_chunk(source: str, text: str, start: int, end: int, paged: bool = False) -> Chunk:
    return Chunk(
        id=chunk_id(source, start, end),
        source=source,
        start=start,
        end=end,
        start_line=line_of(text, start),
        end_line=line_of(text, end - 1),
        text=text[start:end],
        page=text.count("\f", 0, start) + 1 if paged else None,
    )


def _groups(spans: list[tuple[int, int]], settings: ChunkerSettings) -> list[list[int]]:
    """Indices of sentences per chunk: greedy packing, each chunk repeating the last sentences."""
    groups: list[list[int]] = []
    i = 0
    while i < len(spans):
        group = [i]
        while group[-1] + 1 < len(spans) and spans[group[-1] + 1][1] - spans[group[0]][0] <= settings.max_chars:
            group.append(group[-1] + 1)
        groups.append(group)
        if group[-1] + 1 >= len(spans):
            break
        # Overlap keeps a claim that straddles two chunks retrievable from either;
        # never overlap so much that the next chunk would not move forward.
        back = min(settings.overlap_sentences, len(group) - 1)
        i = group[-1] + 1 - back
    return groups


def chunk_text(source: str, text: str, settings: ChunkerSettings | None = None, paged: bool = False) -> list[Chunk]:
    """Chunks of one document, in order; `paged` texts separate pages with form feeds (PDF)."""
    settings = settings or ChunkerSettings()
    spans = sentence_spans(text, settings.max_chars)
    return [make_chunk(source, text, spans[g[0]][0], spans[g[-1]][1], paged) for g in _groups(spans, settings)]
