"""Build a letter: the one call the app, the command line and the tests make.

``build_letter`` is pure: plain data in (the screening, its routing, the person's decision, the
particulars, the letter date and the ruleset the routing was made under), PDF bytes and the exact
paragraphs out. No clock, no database, no Qt: the app records, previews and prints what it returns.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from triage.letters.compose import compose_letter
from triage.letters.content import LetterContent, plain
from triage.letters.fonts import normalised
from triage.letters.particulars import Decision, Particulars
from triage.letters.render import render_pdf
from triage.letters.templates import LetterKind, LetterTemplates
from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset
from triage.rules.screening import Screening


@dataclass(frozen=True)
class Letter:
    """One built letter. ``paragraphs`` is its text in reading order, without markup; ``sha256`` is
    the hash of ``pdf`` (the same input always gives the same bytes, so the same hash)."""

    kind: LetterKind
    pdf: bytes
    pages: int
    paragraphs: tuple[str, ...]
    content: LetterContent

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def plain_text(self) -> str:
        """The letter as plain text, for a reader the untagged PDF does not serve (a screen reader;
        docs/letters.md): every paragraph in reading order, a blank line between, then the footer."""
        footer = [plain(self.content.footer_left), plain(self.content.footer_rules)]
        return normalised("\n\n".join([*self.paragraphs, *footer])) + "\n"

    def __repr__(self) -> str:  # the content holds identifiers: keep them out of logs and tracebacks
        return f"Letter(kind={self.kind!r}, pages={self.pages}, sha256={self.sha256[:12]})"


def build_letter(
    kind: LetterKind,
    *,
    screening: Screening,
    routing: Routing,
    particulars: Particulars,
    decision: Decision | None = None,
    letter_date: date,
    ruleset: Ruleset,
    templates: LetterTemplates | None = None,
    created: datetime | None = None,
) -> Letter:
    """Build one letter as a PDF.

    ``decision`` is what the person confirming chose; leave it out (or its ``confirmed_route`` out)
    to confirm the recommendation. Raises LetterInputError, whose ``problems`` are safe to show,
    when the input cannot make this letter (see outcome.decide), and ValueError when ``routing`` was
    not made under ``ruleset``. ``created`` is when the letter's event happened, as stored (the
    decision it reports), and becomes the PDF's creation date; without it the PDF is dated with
    ``letter_date`` alone. Either way the same input gives the same bytes.
    """
    content = compose_letter(
        kind,
        screening=screening,
        routing=routing,
        particulars=particulars,
        decision=decision,
        letter_date=letter_date,
        ruleset=ruleset,
        templates=templates,
    )
    pdf, pages = render_pdf(content, created or letter_date)
    return Letter(kind=kind, pdf=pdf, pages=pages, paragraphs=content.paragraphs(), content=content)
