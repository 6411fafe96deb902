"""The vocabulary: frozen dataclasses passed between the modules. No behaviour lives here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Chunk:
    """A span of one source file: `text == file_text[start:end]`, lines are 1-based and inclusive."""

    id: int
    source: str
    start: int
    end: int
    start_line: int
    end_line: int
    text: str


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk, embedded on its own: `file_text[start:end]` is its text."""

    id: int
    chunk_id: int
    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """A chunk returned by a search, with its rank (1-based) and relevance (a cosine mix, see retrieve.py).

    `sentences` maps each sentence's start offset in the file to its stored vector, read from the
    same index build as the chunk (a rebuild swapped in after the search cannot mismatch them).
    """

    rank: int
    score: float
    chunk: Chunk
    sentences: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Citation:
    """Marker `[n]` of an answer: a verbatim quote from a retrieved chunk and where it stands."""

    n: int
    source: str
    chunk_id: int
    start_line: int
    end_line: int
    quote: str


@dataclass(frozen=True)
class Timings:
    retrieve_s: float = 0.0
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
            "notices": list(self.notices),
        }
