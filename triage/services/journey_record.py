"""The journey part of a referral's read-only record (docs/journey.md): the contact steps, the dates the
waits are counted between, the three waits and each target's flag with its source, why the
referral was closed, and whether it was flagged as inappropriate (why, and who made it). Built by ``referral_record`` in its one transaction; shown in words by
``journey_lines`` (the same lines in ``triage referrals show`` and, escaped, in the app's record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from triage.labels import labels
from triage.rules.waits import MEASURE_NAMES, JourneyDates, WaitTargets, wait_flags, waits
from triage.store.models import Referral

NONE = "none recorded"


@dataclass(frozen=True, slots=True, repr=False)
class ContactPart:
    kind: str
    occurred_at: datetime
    channel: str
    outcome: str | None
    recorded_by: str


@dataclass(frozen=True, slots=True, repr=False)
class WaitPart:
    """One target's flag: what it is, where it comes from, and how this referral stands against it."""

    code: str
    label: str
    rule: str
    measure: str
    source: str
    verified: bool
    share_percent: int | None
    start: date | None
    end: date | None
    days: int | None
    state: str
    word: str


@dataclass(frozen=True, slots=True, repr=False)
class InappropriatePart:
    """The inappropriate-referral flag: a reason code, the referrer, free text, and who flagged it."""

    reason: str
    referrer: str
    note: str | None
    flagged_by: str | None


@dataclass(frozen=True, slots=True, repr=False)
class JourneyPart:
    received_on: date
    opted_in_on: date | None
    first_contact_on: date | None
    screened_on: date | None
    treatment_started_on: date | None
    opt_in_clock: bool  # the service starts the treatment clock at the opt-in
    days_to_first_contact: int | None
    days_to_screening: int | None
    days_to_treatment: int | None
    contacts: tuple[ContactPart, ...]
    flags: tuple[WaitPart, ...]
    closed_reason: str | None
    closed_note: str | None
    inappropriate: InappropriatePart | None


def journey_dates(referral: Referral) -> JourneyDates:
    """``referral``'s dates (its screenings loaded): the first screening's day on this computer's clock."""
    first = referral.screenings[0].screened_at.astimezone().date() if referral.screenings else None
    return JourneyDates(
        received_on=referral.received_on, opted_in_on=referral.opted_in_on, first_contact_on=referral.first_contact_on,
        screened_on=first, treatment_started_on=referral.treatment_started_on, closed=referral.status == "closed",
    )  # fmt: skip


def journey_part(referral: Referral, targets: WaitTargets, today: date) -> JourneyPart:
    """The part, from ``referral`` with its screenings and contacts loaded."""
    dates = journey_dates(referral)
    counted = waits(dates)
    return JourneyPart(
        received_on=dates.received_on, opted_in_on=dates.opted_in_on, first_contact_on=dates.first_contact_on,
        screened_on=dates.screened_on, treatment_started_on=dates.treatment_started_on,
        opt_in_clock=targets.opt_in_clock, days_to_first_contact=counted["first_contact"],
        days_to_screening=counted["screening"], days_to_treatment=counted["treatment"],
        contacts=tuple(ContactPart(c.kind, c.occurred_at, c.channel, c.outcome, c.recorded_by) for c in referral.contacts),
        flags=tuple(
            WaitPart(f.target.code, f.target.label, f.target.rule, f.target.measure, f.target.source, f.target.verified,
                     f.target.share_percent, f.start, f.end, f.days, f.state, f.word)
            for f in wait_flags(targets, dates, today)
        ),
        closed_reason=referral.closed_reason, closed_note=referral.closed_note,
        inappropriate=_inappropriate(referral),
    )  # fmt: skip


def _inappropriate(referral: Referral) -> InappropriatePart | None:
    if referral.inappropriate_reason is None:
        return None
    return InappropriatePart(referral.inappropriate_reason, referral.inappropriate_referrer or "",
                             referral.inappropriate_note, referral.inappropriate_by)  # fmt: skip


# --- in words ------------------------------------------------------------------------------------


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "not yet"


def _days(value: int | None) -> str:
    return "not yet" if value is None else f"{value} day{'' if value == 1 else 's'}"


def contact_line(contact: ContactPart) -> str:
    words = labels()
    line = (f"{contact.occurred_at.astimezone():%d/%m/%Y %H:%M} {words.contact_kinds[contact.kind]}"
            f" by {words.contact_channels[contact.channel].lower()}")  # fmt: skip
    if contact.outcome:
        line += f": {words.contact_outcomes[contact.outcome]}"
    return f"{line} ({contact.recorded_by})"


def flag_line(flag: WaitPart) -> str:
    """ "Referral to treatment in under 28 days: Over target (30 days). Source: ... (unverified)"."""
    counted = f" ({_days(flag.days)})" if flag.days is not None else ""
    share = f", a standard for {flag.share_percent}% of people" if flag.share_percent else ""
    checked = "" if flag.verified else " UNVERIFIED: not in the seed documents."
    return f"{flag.label} [{flag.rule}{share}]: {flag.word}{counted}. Source: {flag.source}.{checked}"


def journey_lines(journey: JourneyPart) -> list[tuple[str, str]]:
    """(label, value) rows, then the contact steps and flags as (``"-"``, line) items, in reading order."""
    words = labels()
    rows: list[tuple[str, str]] = [
        ("Received", _day(journey.received_on)),
        ("Opted in", _day(journey.opted_in_on)),
        ("First contact made", _day(journey.first_contact_on)),
        ("Screened (assessment)", _day(journey.screened_on)),
        ("Treatment started", _day(journey.treatment_started_on)),
        ("Treatment clock starts at", "the opt-in" if journey.opt_in_clock else "the referral received date"),
        (MEASURE_NAMES["first_contact"], _days(journey.days_to_first_contact)),
        (MEASURE_NAMES["screening"], _days(journey.days_to_screening)),
        (MEASURE_NAMES["treatment"], _days(journey.days_to_treatment)),
        ("Contact steps", "" if journey.contacts else NONE),
    ]
    rows += [("-", contact_line(contact)) for contact in journey.contacts]
    rows.append(("Waits against targets", ""))
    rows += [("-", flag_line(flag)) for flag in journey.flags]
    if journey.closed_reason:
        rows.append(("Closed because", words.close_reasons[journey.closed_reason]))
        rows.append(("Closing note", journey.closed_note or NONE))
    flag = journey.inappropriate
    rows.append(("Inappropriate referral", words.inappropriate_reasons[flag.reason] if flag else "not flagged"))
    if flag:
        rows += [
            ("Referred by", flag.referrer),
            ("Why (note)", flag.note or NONE),
            ("Flagged by", flag.flagged_by or NONE),
        ]
    return rows
