"""Chunker: exact offsets, line ranges, overlap; properties hold for any Unicode input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunker import chunk_text, sentence_spans
from rag.types import ChunkerSettings
from tests.conftest import SEEDS


def test_offsets_reproduce_seed_text_and_lines() -> None:
    for path in SEEDS.glob("*.txt"):
        text = path.read_bytes().decode("utf-8")
        lines = text.split("\n")
        chunks = chunk_text(f"seeds/{path.name}", text)
        assert chunks, path
        for c in chunks:
            assert text[c.start : c.end] == c.text
            assert len(c.text) <= ChunkerSettings().max_chars
            # The quoted text can be found at the stated lines.
            assert c.text in "\n".join(lines[c.start_line - 1 : c.end_line])


def test_chunks_overlap_by_one_sentence_and_cover_every_sentence() -> None:
    text = " ".join(f"Sentence number {i} says something about topic {i}." for i in range(40))
    chunks = chunk_text("x.txt", text, ChunkerSettings(max_chars=200, overlap_sentences=1))
    assert len(chunks) > 3
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.end, "consecutive chunks share a sentence"
    covered = {s for c in chunks for s in range(c.start, c.end)}
    for start, end in sentence_spans(text):
        assert set(range(start, end)) <= covered


def test_glued_sentences_are_split() -> None:
    spans = sentence_spans("It grew in artificial intelligence.According to people, it did.")
    assert len(spans) == 2


def test_ids_are_stable_and_distinct() -> None:
    text = (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0]).read_text(encoding="utf-8")
    first = [c.id for c in chunk_text("seeds/a.txt", text)]
    assert first == [c.id for c in chunk_text("seeds/a.txt", text)]
    assert len(set(first)) == len(first)
    assert all(0 <= i < 2**63 for i in first)
    assert set(first).isdisjoint(c.id for c in chunk_text("seeds/b.txt", text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000), st.integers(20, 600))
def test_any_unicode_text_offsets_reproduce(text: str, max_chars: int) -> None:
    chunks = chunk_text("doc.txt", text, ChunkerSettings(max_chars=max_chars))
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.text.strip()
        assert c.start_line == text.count("\n", 0, c.start) + 1
        assert c.end_line == text.count("\n", 0, c.end - 1) + 1
    if text.strip():
        assert chunks
    # Every non-blank character ends up in some chunk: nothing is silently dropped.
    covered = {i for c in chunks for i in range(c.start, c.end)}
    assert all(ch.isspace() or i in covered for i, ch in enumerate(text))
