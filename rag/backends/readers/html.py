"""Web pages (.html, .htm) via trafilatura: the main text, one paragraph a line, without navigation, menus,
footers or comments. Does not run scripts or fetch anything; a page with no main text is a BadDocument."""

from __future__ import annotations

from pathlib import Path

from ...errors import BadDocument


class HtmlReader:
    suffixes = (".html", ".htm")
    paged = False

    def read(self, path: Path, data: bytes) -> str:
        import trafilatura

        # Bytes, not str: trafilatura honours the page's declared charset. favor_precision leaves a page
        # of links and boilerplate empty instead of returning its menu as "text".
        text = trafilatura.extract(data, favor_precision=True, include_comments=False, include_tables=True)
        if not text or not text.strip():
            raise BadDocument("HTML page without main text")
        return text
