"""The one CSV writer for every file meant to be opened in a spreadsheet (the referral export, the
audit trail, reports), and its inverse for import.

A spreadsheet runs a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK``
sends data away, ``+cmd|' /C calc'!A0`` starts a program), and some also after a tab or carriage
return. So such a cell is written with a leading apostrophe, which a spreadsheet shows as text, as
OWASP's guidance on CSV injection describes. A cell that itself starts with an apostrophe is
prefixed too, so the rule is reversible: ``restore`` undoes exactly it, and ``+44 7700 900123`` or
``'quoted'`` come back as they were.

Machine-read extracts with a fixed format do not use this: they follow their own format
(docs/exports.md says which file is which).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_ESCAPED_STARTS = (*FORMULA_STARTS, ESCAPE)


def neutralise(value: object) -> str:
    """The cell to write for ``value`` (None is an empty cell)."""
    text = "" if value is None else str(value)
    return ESCAPE + text if text.startswith(_ESCAPED_STARTS) else text


def restore(cell: str) -> str:
    """The value ``neutralise`` was given: one leading apostrophe removed where neutralise added it,
    anything else (including a cell starting with an apostrophe the rule would not add) unchanged."""
    return cell[1:] if cell.startswith(ESCAPE) and cell[1:].startswith(_ESCAPED_STARTS) else cell


class SpreadsheetWriter:
    """``csv.writer`` (RFC 4180 quoting, one record a line) whose every cell is neutralised."""

    def __init__(self, stream: IO[str], header: Sequence[str]) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")
        self.row(header)

    def row(self, cells: Iterable[object]) -> None:
        self._writer.writerow([neutralise(cell) for cell in cells])
