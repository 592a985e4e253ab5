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

Reading, ``spreadsheet_text`` accepts what Excel and other spreadsheets save: UTF-8 with or without a
byte order mark ("CSV UTF-8"), and UTF-16 with one, little- or big-endian ("Unicode Text", which is
tab-separated: ``delimiter`` tells it from the header row). Any other encoding (Excel's plain "CSV" is
Windows-1252) is refused, not guessed at: a guessed encoding silently changes the letters of a name.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Sequence
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_ESCAPED_STARTS = (*FORMULA_STARTS, ESCAPE)
NOT_UNICODE = (
    'is not UTF-8 or UTF-16 text; in Excel, choose File > Save As and save it as "CSV UTF-8 (Comma delimited) (*.csv)"'
)
# The byte order marks a file may start with, and how the rest of it is read (the mark removed).
_MARKS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class NotUnicodeText(ValueError):
    """A file in an encoding other than UTF-8 or UTF-16 with a byte order mark. The message is
    ``NOT_UNICODE``, to follow what the file is called ("the file", "FILE")."""

    def __init__(self) -> None:
        super().__init__(NOT_UNICODE)


def text_encoding(head: bytes) -> str:
    """The codec to read a file starting with ``head`` (its first bytes, 3 or more) with."""
    return next((codec for mark, codec in _MARKS if head.startswith(mark)), "utf-8")


def spreadsheet_text(raw: bytes) -> str:
    """The text of a file a spreadsheet saved, or NotUnicodeText. A NUL is refused too: UTF-16
    without a byte order mark reads as UTF-8 with a NUL after every letter."""
    try:
        text = raw.decode(text_encoding(raw[:3]))
    except UnicodeDecodeError:
        raise NotUnicodeText() from None
    if "\0" in text:
        raise NotUnicodeText()
    return text


def delimiter(text: str) -> str:
    """Tab for a tab-separated file (Excel's "Unicode Text"), else comma. Decided from the header row
    alone: field names hold neither, so a header with tabs and no comma is tab-separated."""
    end = text.find("\n")
    header = text if end < 0 else text[:end]
    return "\t" if "\t" in header and "," not in header else ","


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
