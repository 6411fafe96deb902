"""The server's one Assistant: built once (in the background at start, or by the first question) and shared by
the page and the API. It does not answer questions or format errors (web.py and server.py do)."""

from __future__ import annotations

import logging
import threading

from ..api import Assistant
from ..errors import RagError
from ..settings import Settings

log = logging.getLogger(__name__)


class Loader:
    """Holds the one Assistant with its LLM loaded; the first caller loads it and later callers wait (never two
    loads). A failed load is remembered as `problem` and tried again by the next caller."""

    def __init__(self, settings: Settings, bot: Assistant | None = None):
        self.settings = settings
        self._bot = bot
        self._lock = threading.Lock()
        self.ready = False
        self.problem: Exception | None = None  # why the last attempt to load failed

    def bot(self) -> Assistant:
        """The assistant, its models loaded (raises the RagError that stops it)."""
        with self._lock:
            try:
                if self._bot is None:
                    from ..api import assistant

                    self._bot = assistant(settings=self.settings)
                self._bot.generator  # noqa: B018 - loads the LLM here, under the lock
                if self._bot.translate_question:
                    self._bot.translator  # noqa: B018 - and its second context (crossling.py), likewise
            except RagError as exc:
                self.problem = exc
                raise
            self.ready, self.problem = True, None
            return self._bot

    def loaded(self) -> Assistant | None:
        """The assistant if its models are loaded, else None (never waits)."""
        return self._bot if self.ready else None

    def warm_up(self) -> None:
        """Loads the models before the first question; a failure is kept in `problem`, not raised."""
        try:
            self.bot()
        except Exception as exc:  # noqa: BLE001 - shown on the page's panel and as the API's 503 instead
            log.warning("models not loaded: %s", exc)
            self.problem = exc

    def warm_up_in_background(self) -> None:
        threading.Thread(target=self.warm_up, name="warm-up", daemon=True).start()
