"""Limits on what the command line reads, so that no input can crash a command or exhaust memory
(docs/exports.md lists them). Python refuses to turn a literal of more than 4,300 digits into an int
with a ValueError; JSON is therefore parsed with ``json_number_hooks``, which leave an oversized
number as a marker, and ``oversized`` then names where it is, with the usual ``field: what`` line.

A key is named only if the caller lists it as one of its fields: any other key could be patient data
(an NHS number where a field name belongs), so it is named by its position in its object.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

MAX_DOCUMENT_BYTES = 10_000_000  # a JSON document for route or letter
# A referrals import is read a line (CSV) or an element (JSON) at a time and written in one
# transaction: its memory does not grow with the file, but the store's write lock is held for the whole
# import, so a team server's other users wait for it. 200 MB is about 1.5 million CSV rows (docs/exports.md,
# bench/bench_import.py); split a larger file.
MAX_IMPORT_BYTES = 200_000_000
# A CSV line or a JSON array element: a row of 16 fields of 10,000 characters, every one escaped.
MAX_IMPORT_LINE_CHARS = 1_000_000
MAX_NUMBER_DIGITS = 20
MAX_TEXT_CHARS = 10_000  # a text value or a key


class _TooLong:
    """Stands for a number with more than MAX_NUMBER_DIGITS digits (never a valid value)."""

    def __repr__(self) -> str:
        return "<number too long>"


TOO_LONG = _TooLong()


def _bounded_int(text: str) -> int | _TooLong:
    return TOO_LONG if len(text.lstrip("-")) > MAX_NUMBER_DIGITS else int(text)


def _bounded_float(text: str) -> float | _TooLong:
    return TOO_LONG if len(text) > 2 * MAX_NUMBER_DIGITS else float(text)


def json_number_hooks() -> dict[str, Any]:
    """The ``json.loads`` arguments that keep an oversized number from being converted."""
    return {"parse_int": _bounded_int, "parse_float": _bounded_float}


def oversized(document: Any, fields: Collection[str] = ()) -> str | None:
    """The first number or text in ``document`` over the limits, as ``where: what is allowed``; None
    if there is none. ``where`` names the keys in ``fields`` and numbers the others."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        where = path or "input"
        if value is TOO_LONG:
            return f"{where}: a number may have at most {MAX_NUMBER_DIGITS} digits"
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            return f"{where}: text may be at most {MAX_TEXT_CHARS:,} characters"
        if isinstance(value, dict):
            children = []
            for position, (key, item) in enumerate(value.items(), start=1):
                if len(key) > MAX_TEXT_CHARS:
                    return f"{where}: a field name may be at most {MAX_TEXT_CHARS:,} characters"
                name = key if key in fields else f"(field {position})"
                children.append((f"{path}.{name}" if path else name, item))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{path}[{index}]", item) for index, item in enumerate(value)]))
    return None
