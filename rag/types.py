"""The vocabulary: frozen dataclasses passed between the modules. No behaviour lives here beyond
small derived values (a passage's line range, a report's one-line summary)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, TypedDict


@dataclass(frozen=True)
class Document:
    """One readable file. `source` is the path as shown to the user (relative when possible);
    `text` is what a reader extracted (the file itself for .txt/.md); `sha256` is of the file's bytes."""

    source: str
    text: str
    sha256: str
    paged: bool = False  # pages are separated by "\f" in `text` (PDF)


@dataclass(frozen=True)
class Chunk:
    """A span of one document's text: `text == document.text[start:end]`, lines are 1-based and inclusive.

    `page` is the 1-based page of its first character for paged documents (PDF), else None."""

    id: int
    source: str
    start: int
    end: int
    start_line: int
    end_line: int
    text: str
    page: int | None = None


@dataclass(frozen=True)
class ChunkerSettings:
    """How documents are cut into chunks; part of an index's fingerprint (a change rebuilds fully)."""

    max_chars: int = 500
    overlap_sentences: int = 1
    version: int = 1

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk, embedded on its own: `document.text[start:end]` is its text."""

    id: int
    chunk_id: int
    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """A chunk returned by a search, with its rank (1-based) and relevance (a cosine mix plus lexical evidence,
    see retrieve.py).

    `sentences` maps each sentence's start offset in the document to its stored vector, read from the
    same index snapshot as the chunk (a rebuild swapped in after the search cannot mismatch them).
    """

    rank: int
    score: float
    chunk: Chunk
    sentences: dict = field(default_factory=dict, compare=False, repr=False)
    dense: float = 0.0  # the embedding part of `score` (chunk and best-sentence cosines)
    lexical: float = 0.0  # the chunk's normalised BM25 score for the query (lexical.py)
    words: float = 0.0  # share of the query's words (names aside) it matches in any language: picks it, not in `score`


@dataclass(frozen=True)
class Source:
    """What the model sees as source [n]: the chosen sentences of one retrieved chunk."""

    n: int
    source: str
    text: str


@dataclass(frozen=True)
class Passage:
    """One sentence shown to the model as part of source [n]; offsets are within its document."""

    n: int
    chunk: Chunk
    start: int
    end: int
    text: str
    score: float

    def lines(self) -> tuple[int, int]:
        """1-based line range of the sentence in its document."""
        before = self.chunk.text[: self.start - self.chunk.start]
        inside = self.chunk.text[self.start - self.chunk.start : self.end - self.chunk.start - 1]
        first = self.chunk.start_line + before.count("\n")
        return first, first + inside.count("\n")

    def page(self) -> int | None:
        """1-based page of the sentence in a paged document (pages are separated by form feeds)."""
        if self.chunk.page is None:
            return None
        return self.chunk.page + self.chunk.text.count("\f", 0, self.start - self.chunk.start)


@dataclass(frozen=True)
class Citation:
    """Marker `[n]` of an answer: a verbatim quote from a retrieved chunk and where it stands."""

    n: int
    source: str
    chunk_id: int
    start_line: int
    end_line: int
    quote: str
    page: int | None = None


@dataclass(frozen=True)
class Checked:
    """An answer after its citations were checked: the repaired text, one citation per marker, and how many
    sentences no shown passage supports (marked [?])."""

    text: str
    citations: tuple[Citation, ...]
    unsupported: int


class Message(TypedDict):
    """One chat message as the LLM seam takes it (the OpenAI and llama.cpp shape)."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Exchange:
    """One earlier turn of a conversation, as plain text (front ends strip their own markup)."""

    question: str
    answer: str


@dataclass(frozen=True)
class Retrieved:
    """The first event of `Assistant.stream` when the model is asked: the passages it is about to read,
    sent before it writes, so a front end can show where the answer will come from."""

    passages: tuple[Passage, ...]
    seconds: float  # since the question arrived


@dataclass(frozen=True)
class Timings:
    retrieve_s: float = 0.0  # question to the `Retrieved` event (sources chosen, the model not yet asked)
    ttft_s: float = 0.0
    total_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class Answer:
    """What `ask` returns. `found` is False when the documents do not hold the answer."""

    question: str
    text: str
    found: bool
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[Hit, ...] = ()
    timings: Timings = field(default_factory=Timings)
    model: str = ""
    closest: str | None = None
    notices: tuple[str, ...] = ()
    # The best-ranked sentence of the retrieved chunks, shown as the closest evidence even when the answer is
    # refused or wrong: in its source's language, with its file and lines.
    evidence: Citation | None = None
    draft: str = ""  # the model's own reply before it was checked ("" when it was not asked)
    translated: bool = False  # the checked answer was translated into the question's language

    def to_dict(self) -> dict:
        """The `--json` / API shape."""
        return {
            "question": self.question,
            "answer": self.text,
            "found": self.found,
            "citations": [asdict(c) for c in self.citations],
            "retrieved": [
                {"source": h.chunk.source, "chunk_id": h.chunk.id, "score": round(h.score, 4)} for h in self.retrieved
            ],
            "timings": asdict(self.timings),
            "model": self.model,
            "closest": self.closest,
            "evidence": asdict(self.evidence) if self.evidence else None,
            "notices": list(self.notices),
        }


@dataclass
class BuildReport:
    """What an index build did (or, with `dry_run`, would do), file by file."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded_chunks: int = 0
    full: bool = False
    reason: str = ""
    seconds: float = 0.0
    dry_run: bool = False
    store: str = "faiss"

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        verb = "would index" if self.dry_run else "indexed"
        return (
            f"{verb}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.unchanged)} unchanged; "
            f"{self.chunks} chunks ({self.embedded_chunks} embedded) in {self.seconds:.1f}s"
            + (f" [full rebuild: {self.reason}]" if self.full and self.reason else "")
        )


@dataclass(frozen=True)
class LoadRequest:
    """One request of a load run (`rag bench --load`): its HTTP status (0: no reply within the timeout, or the
    connection failed), seconds to the full reply, and the answer text (the content, streamed or not)."""

    question: str
    status: int
    seconds: float
    answer: str = ""
    retry_after: str | None = None
    error: str = ""
