"""The named errors. Each carries a one-line message that says what to do; front ends print it."""

from __future__ import annotations


class RagError(Exception):
    """A runtime problem the user can fix (CLI exit code 1)."""

    exit_code = 1


class UsageError(RagError):
    """Bad input such as an empty question (CLI exit code 2)."""

    exit_code = 2


class IndexMissing(RagError):
    pass


class IndexCorrupt(RagError):
    pass


class IndexMismatch(RagError):
    """The index was built with another embedding model or chunker settings."""


class IndexBusy(RagError):
    """Another build holds the lock."""


class DocsMissing(RagError):
    pass


class BadDocument(RagError):
    """A file its reader cannot use (encrypted, damaged, no text); the message says why, e.g. "encrypted PDF".

    The folder walker skips such a file with one warning line and indexes the rest."""


class ModelMissing(RagError):
    pass


class WriteFailed(RagError):
    """Disk full or permission denied while writing the index; the old index is intact."""


class LlmTimeout(RagError):
    """The LLM server sent nothing for `llm_timeout` seconds (before its first token or between two): the API
    answers 504."""


class StoreUnavailable(RagError):
    """The vector store's server (Milvus) cannot be reached; the message names its URI. Nothing is damaged."""


class LlmUnavailable(RagError):
    """The LLM server (`--llm-url`) cannot be reached, or cut its reply short; the message says which."""


class ApiError(Exception):
    """An HTTP error of the API with its status and OpenAI error type; the server turns it into JSON."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", headers: dict | None = None):
        super().__init__(message)
        self.status, self.kind, self.headers = status, kind, headers or {}
