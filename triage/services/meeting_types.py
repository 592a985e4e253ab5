"""The referral meeting's plain data (issue 16): the queue, a meeting and its outcomes, the case the
presenter view shows, and the minutes. Frozen dataclasses with no ORM objects, safe to hand to the ui,
the letters and the command line once the transaction has ended; parts holding patient data show no
values in their repr.

The services that fill them: ``meeting_queue`` (who is waiting for the team, and why), ``meetings``
(open, decide, defer, ask for information, close), ``presenter_case`` (one case as the projector shows
it); the minutes (``Minutes``) are plain data of
``triage.letters.minutes``, which draws them: the letters sit below the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

# Why a referral is waiting for the team (issue 16, item 1), in the order a queue entry lists them.
QueueReason = Literal["high_risk", "several_services", "override", "returned_service", "supervision", "sent"]
QUEUE_REASONS: tuple[QueueReason, ...] = (
    "high_risk", "several_services", "override", "returned_service", "supervision", "sent",
)  # fmt: skip
QUEUE_REASON_TEXT: Mapping[QueueReason, str] = {
    "high_risk": "risk is high",
    "several_services": "more than one service outside IAPT is indicated",
    "override": "the screener chose another route than the matrix's",
    "returned_service": "a service that returned the person before is chosen again",
    "supervision": "flagged to discuss in supervision",
    "sent": "sent to the meeting by the screener",
}

# What the meeting did with one case (issue 16, item 2).
MeetingOutcome = Literal["confirmed", "changed", "deferred", "more_info"]
MEETING_OUTCOME_TEXT: Mapping[MeetingOutcome, str] = {
    "confirmed": "recommendation confirmed",
    "changed": "another route or step chosen",
    "deferred": "deferred",
    "more_info": "more information asked for",
}


def initials(given_name: str, family_name: str) -> str:
    """ "P. S." for Priya Shah: the first letter of each name, what a projector may show of a person."""
    letters = [part.strip()[:1].upper() for part in (given_name, family_name) if part.strip()]
    return " ".join(f"{letter}." for letter in letters) or "?"


@dataclass(frozen=True, slots=True, repr=False)
class QueueEntry:
    """One referral waiting for the team: why, since when, who screened it and what they asked."""

    referral_id: str
    reference: str  # DON-000123
    initials: str  # "P. S.": what a projector may show
    reasons: tuple[QueueReason, ...]  # in QUEUE_REASONS order; never empty
    position: int  # 1-based order in the queue, as a team leader arranged it
    joined_at: datetime  # when it first joined the queue (UTC)
    waited_days: int  # whole days since joined_at, on this computer's clock
    screened_by: str | None  # the latest screening's screener (username); None before a screening
    sent_by: str | None  # who sent it to the meeting ("sent"), else None
    question: str | None  # the screener's question for the team, when sent
    deferred_reason: str | None  # the reason of the latest deferral, when a meeting deferred it
    information_asked: str | None  # what a meeting asked for, when it asked (see MeetingItem)


@dataclass(frozen=True, slots=True, repr=False)
class Attendee:
    """Someone at the meeting: a user account (``username`` set) or a guest named in free text."""

    name: str  # the display name, or the guest's name as typed
    username: str | None = None


@dataclass(frozen=True, slots=True, repr=False)
class MeetingItem:
    """What the meeting did with one case; ``decision_id`` for a confirmed or changed route."""

    referral_id: str
    reference: str
    outcome: MeetingOutcome
    route: str | None  # the outcome code chosen (confirmed or changed), else None
    step: int | None
    reason: str | None  # why another route was chosen, why deferred, or what information is needed
    action_owner: str | None  # who must act (more information: the person asked), display name or guest
    action_due: date | None
    decision_id: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True, repr=False)
class MeetingInfo:
    id: str
    held_on: date
    chair: Attendee
    attendees: tuple[Attendee, ...]  # the chair first, then accounts, then guests
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None  # None while the meeting is open; set, its decisions are locked
    items: tuple[MeetingItem, ...]  # in the order recorded

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


@dataclass(frozen=True, slots=True, repr=False)
class PresenterRow:
    """One of the matrix's seven rows for one case: the level rated, what it means, where it points."""

    variable: str  # the variable's id (severity, chronicity, …)
    label: str  # its label in the ruleset
    level: str  # low / medium / high
    level_label: str  # as the ruleset names the level
    definition: str  # the ruleset's full definition of THIS case's level
    destinations: tuple[str, ...]  # the labels of the destinations the cell points to
    note: str | None  # what the screener noted for this rating, if anything


@dataclass(frozen=True, slots=True, repr=False)
class PresenterCase:
    """One case as the projector shows it. ``name`` is None until revealed (and the reveal audited)."""

    referral_id: str
    reference: str
    initials: str
    name: str | None
    rows: tuple[PresenterRow, ...]  # the seven, in the matrix's order
    fired: tuple[tuple[str, str], ...]  # (destination label, the reason it fired), in the routing's order
    recommendation: str  # the route and step the matrix recommends, as labelled
    decided: str | None  # the screener's confirmed route, if decided, with "(changed: reason)" when overridden
    risk: tuple[tuple[str, str], ...]  # (question, answer with detail): the four risk answers
    protective_factors: str
    actions: str  # the actions taken and what was agreed
    question: str | None  # the screener's question for the team
    reasons: tuple[str, ...]  # why it is in the queue, as QUEUE_REASON_TEXT says
    history: tuple[str, ...]  # earlier referrals and bounces, one line each, no names
    screened_by: str | None
    waited_days: int | None
    # The routing's warnings, as the ruleset words them: shown to the team, who must say they read them
    # before a route is confirmed (never assumed because the case is on the projector).
    warnings: tuple[str, ...] = ()
