"""The referral meeting's minutes as a PDF (issue 16, item 5), drawn with the letter machinery.

``Minutes`` is everything the minutes say, filled by the meeting service (services/meetings.py) when a
meeting closes; ``render_minutes`` draws it. Cases are named by reference only, never by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True, repr=False)
class MinutesCase:
    """One case as the minutes record it: by reference only, never a name."""

    reference: str
    outcome: str  # as MEETING_OUTCOME_TEXT says it (the services phrase it)
    route_label: str | None  # the chosen route or outcome as the ruleset labels it, with its step
    reason: str | None
    action: str | None
    action_owner: str | None
    action_due: date | None


@dataclass(frozen=True, slots=True, repr=False)
class Minutes:
    """Everything the minutes PDF says, drawn by ``triage.letters.minutes.render_minutes``."""

    service_name: str  # the letterhead's service name (ServiceSettings)
    meeting_id: str
    held_on: date
    chair: str
    attendees: tuple[str, ...]  # display names, the chair first; guests marked "(guest)"
    cases: tuple[MinutesCase, ...]  # decided and asked-for cases, in the order taken
    deferred: tuple[MinutesCase, ...]  # the deferred cases, each with its reason
    ruleset: str  # "doncaster-matrix 1.1.0 (active), sha256 …": the ruleset in force
    closed_at: datetime
    closed_by: str


def render_minutes(minutes: Minutes) -> bytes:
    """The minutes as PDF bytes."""
    raise NotImplementedError  # drawn by the minutes work of issue 16
