"""The fixed banner over a patient's screens (defect 9 of the live-call issue): whose record this is and
how they were referred (name, date of birth, NHS number, referral date and source, phone), the
referral's notes, and the risk at the latest screening, in words.

A page puts it above its scroll area, so it never scrolls out of sight. It is one focusable read-only
text named "Patient", so that a keyboard or screen-reader user reads it as well as sees it, and a
high risk is said in words ("HIGH RISK"), the border only adding to them. It shows the ``BannerFacts``
it is given: ``BannerFacts.from_record`` builds them from a referral's record (the record view),
``BannerFacts.from_referral`` from a referral as ``get_referral`` loads it (for the screening page).
``clear`` takes every detail off it (the idle lock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from triage.labels import labels
from triage.ui.read_only_text import ReadOnlyText
from triage.ui.referral_list import nhs_display, uk_date

if TYPE_CHECKING:
    from triage.services.referral_record import ReferralRecord

NAME = "Patient"
NOTES_LINES = 6  # longer notes scroll inside the banner: the banner must leave the page room


@dataclass(frozen=True, slots=True, repr=False)  # patient data: no values in the repr
class BannerFacts:
    given_name: str
    family_name: str
    date_of_birth: date
    nhs_number: str
    received_on: date
    source: str  # the code (labels().sources names it)
    phone: str | None
    notes: str | None
    risk: str | None = None  # the risk level's name ("High"); None: not rated yet
    risk_code: str | None = None  # low, medium, high
    risk_when: str = ""  # e.g. "at the screening of 03/03/2025"

    @classmethod
    def from_record(cls, record: ReferralRecord) -> BannerFacts:
        person, referral, screening = record.person, record.referral, record.screening
        risk = record.names.levels.get(screening.risk, screening.risk) if screening else None
        when = f"at the screening of {uk_date(screening.screened_at.astimezone())}" if screening else ""
        return cls(person.given_name, person.family_name, person.date_of_birth, person.nhs_number,
                   referral.received_on, referral.source, referral.phone, referral.notes,
                   risk, screening.risk if screening else None, when)  # fmt: skip

    @classmethod
    def from_referral(cls, referral: Any, *, risk: str | None = None, risk_code: str | None = None,
                      risk_when: str = "") -> BannerFacts:  # fmt: skip
        """``referral``: a loaded Referral as ``get_referral`` returns it (the ui names no store model);
        the risk as the page knows it (a screening in progress: the rating given so far)."""
        person = referral.person
        return cls(person.given_name, person.family_name, person.date_of_birth, person.nhs_number,
                   referral.received_on, referral.source, referral.phone, referral.notes,
                   risk, risk_code, risk_when)  # fmt: skip


def banner_html(facts: BannerFacts) -> str:
    source = labels().sources.get(facts.source, facts.source)
    lines = [
        f"<b>{escape(facts.given_name)} {escape(facts.family_name.upper())}</b> · born {uk_date(facts.date_of_birth)}"
        f" · NHS number {nhs_display(facts.nhs_number)}",
        f"Referred {uk_date(facts.received_on)} by {escape(source)} · phone "
        + (escape(facts.phone) if facts.phone else "none recorded"),
        f"<b>Notes:</b> {escape(facts.notes) if facts.notes else 'none recorded'}",
        risk_line(facts),
    ]
    return "".join(f"<div>{line}</div>" for line in lines)


def risk_line(facts: BannerFacts) -> str:
    if facts.risk is None:
        return "<b>Risk:</b> not rated yet"
    when = f" ({escape(facts.risk_when)})" if facts.risk_when else ""
    if facts.risk_code == "high":
        return f"<b>⚠ HIGH RISK:</b> risk rated {escape(facts.risk)}{when}"
    return f"<b>Risk:</b> {escape(facts.risk)}{when}"


class PatientBanner(QFrame):
    """Fixed above a page's scroll area; one tab stop, named "Patient"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "patient")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.text = ReadOnlyText(NAME, max_lines=4 + NOTES_LINES)
        layout.addWidget(self.text)
        self.facts: BannerFacts | None = None

    def show_facts(self, facts: BannerFacts) -> None:
        self.facts = facts
        self.setProperty("risk", facts.risk_code or "none")
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.set_html(banner_html(facts))

    def clear(self) -> None:
        self.facts = None
        self.setProperty("risk", "none")
        self.text.clear()

    def plain_text(self) -> str:
        return self.text.toPlainText()
