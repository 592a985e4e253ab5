"""The content of a composed letter, as render.py lays it out: ``LetterContent`` and its body
``Part``s, and the markup their texts carry: ``**bold**`` spans, and text the person typed protected
from template markup (``protect``, undone by ``restore``; ``plain`` removes both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from triage.letters.templates import LetterKind

# Text the person typed must not be read as template markup ([ABBR] markers, **bold**): it is
# swapped for private-use characters while the template is processed, and restored at the end.
_PROTECT = str.maketrans({"[": "\ue000", "]": "\ue001", "*": "\ue002"})
_RESTORE = str.maketrans({"\ue000": "[", "\ue001": "]", "\ue002": "*"})
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Part:
    """One piece of the letter body, in reading order. Text may hold ``**bold**`` spans."""

    kind: Literal["heading", "paragraph", "bullets", "table"]
    style: str = "body"
    text: str = ""
    items: tuple[str, ...] = ()
    table: str = ""
    rows: tuple[tuple[str, ...], ...] = ()  # the first row is the header
    strong_rows: tuple[int, ...] = ()  # body rows (1-based, as in ``rows``) printed in bold


@dataclass(frozen=True)
class LetterContent:
    kind: LetterKind
    title: str
    font_size: float
    sender: tuple[str, ...]
    recipient: tuple[str, ...]
    dated: tuple[tuple[str, str], ...]
    identity: tuple[tuple[str, str], ...]
    subject: str
    salutation: str | None
    parts: tuple[Part, ...]
    closing: str
    signature: tuple[str, ...]
    copy_to: str | None
    later_pages: str
    footer_left: str
    footer_rules: str
    page_label: str

    def paragraphs(self) -> tuple[str, ...]:
        """Every text of the letter in reading order, without markup (for audit and tests)."""
        texts: list[str] = [*self.sender, *self.recipient, *(f"{k} {v}" for k, v in self.dated)]
        texts += [f"{k} {v}" for k, v in self.identity]
        texts += [self.subject] + ([self.salutation] if self.salutation else [])
        for part in self.parts:
            if part.kind in ("heading", "paragraph"):
                texts.append(part.text)
            elif part.kind == "bullets":
                texts += part.items
            else:
                texts += [" | ".join(row) for row in part.rows]
        texts += [self.closing, *self.signature] + ([self.copy_to] if self.copy_to else [])
        return tuple(plain(text) for text in texts)


def protect(text: str) -> str:
    """Text the person typed, with its brackets and asterisks hidden from template markup."""
    return text.translate(_PROTECT)


def plain(text: str) -> str:
    """A letter text as the reader sees it: no ``**`` markup, typed brackets and asterisks restored."""
    return restore(_BOLD.sub(r"\1", text))


def restore(text: str) -> str:
    return text.translate(_RESTORE)
