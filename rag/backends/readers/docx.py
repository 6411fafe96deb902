"""Word documents (.docx) via python-docx: body paragraphs and table rows in order, one a line.
Does not read headers, footers, comments or the older binary .doc format."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from ...errors import BadDocument


class DocxReader:
    suffixes = (".docx",)
    paged = False  # Word decides pages at display time; the file holds none to cite

    def read(self, path: Path, data: bytes) -> str:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from docx.table import Table

        try:
            document = docx.Document(io.BytesIO(data))
            lines = []
            for block in document.iter_inner_content():
                if isinstance(block, Table):
                    lines += [" | ".join(_distinct(c.text for c in row.cells)) for row in block.rows]
                else:
                    lines.append(block.text)
        except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, SyntaxError) as exc:
            # A zip of something else lacks the parts a Word file must have (KeyError names the part);
            # damaged XML inside one raises lxml's XMLSyntaxError, a SyntaxError.
            raise BadDocument(f"not a Word document ({type(exc).__name__}: {exc})") from None
        return "\n".join(lines)


def _distinct(cells: Iterable[str]) -> list[str]:
    """Cell texts without the repeats python-docx returns for merged cells."""
    out: list[str] = []
    for text in cells:
        if not out or text != out[-1]:
            out.append(text)
    return out
