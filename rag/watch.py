"""Watch mode: builds the index, then rebuilds it incrementally each time documents change, until Ctrl-C.

It yields one outcome per build (the report, or the named error that stopped that build) and keeps
watching after a failure. It does not print or parse flags (the CLI does) and does not plan the
builds itself (indexer.build embeds only what changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from .backends.readers import SUFFIXES
from .documents import is_temporary
from .errors import DocsMissing, RagError
from .settings import Settings
from .types import BuildReport

# An editor's save is several events (temp file, rename, chmod): events less than 50 ms apart (watchfiles'
# step) are grouped into one build, for at most this long while they keep coming.
DEBOUNCE_MS = 1600


def relevant(path: Path, index: Path) -> bool:
    """Whether a changed path can change the index: a document (or a folder, which may hold some),
    not an editor's scratch file and not the index's own files when it lies inside the documents folder."""
    if is_temporary(path) or path.resolve().is_relative_to(index.resolve()):
        return False
    return path.suffix.lower() in SUFFIXES or (not path.suffix and not path.is_file())


def _attempt(build: Callable[[], BuildReport]) -> BuildReport | RagError:
    try:
        return build()
    except RagError as exc:
        return exc


def watch(
    settings: Settings, build: Callable[[bool], BuildReport], full: bool = False
) -> Iterator[BuildReport | RagError]:
    """Builds once (fully with `full`), then once per batch of changes below `settings.docs`.
    `build(full)` runs one build; KeyboardInterrupt (Ctrl-C) ends the loop and reaches the caller."""
    import watchfiles

    if not settings.docs.is_dir():
        raise DocsMissing(f"documents folder {settings.docs} does not exist; pass --docs FOLDER")
    yield _attempt(lambda: build(full))
    changes = watchfiles.watch(
        settings.docs,
        watch_filter=lambda _change, path: relevant(Path(path), settings.index),
        debounce=DEBOUNCE_MS,
        raise_interrupt=True,
    )
    for _ in changes:
        yield _attempt(lambda: build(False))
