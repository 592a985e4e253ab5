"""What a referral meeting's minutes say (issue 16, item 5), built from the stored rows when the
meeting closes: the date, the chair and attendees by their display names, each case by reference with
its outcome, route, reason and actions, the deferred cases, and the ruleset in force. Drawn by
``triage.letters.minutes.render_minutes``; never a patient's name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.letters.minutes import Minutes, MinutesCase
from triage.rules.ruleset import Ruleset
from triage.services.decisions import find_ruleset
from triage.services.meeting_queue import store_ruleset
from triage.services.meeting_types import MEETING_OUTCOME_TEXT, Attendee, MeetingOutcome
from triage.services.service_settings import read_service_settings
from triage.settings import SettingsError
from triage.store.models import Decision, Destination, Meeting, MeetingItem, Referral, UserAccount

DECIDED: tuple[MeetingOutcome, ...] = ("confirmed", "changed")


def display_names(session: Session, usernames: set[str]) -> dict[str, str]:
    """Each account's display name, by username (a username with no account keeps itself)."""
    if not usernames:
        return {}
    rows = session.execute(select(UserAccount.username, UserAccount.display_name)
                           .where(UserAccount.username.in_(usernames)))  # fmt: skip
    return {username: name for username, name in rows}


def chair_of(meeting: Meeting, names: dict[str, str]) -> Attendee:
    if meeting.chair_username is not None:
        return Attendee(names.get(meeting.chair_username, meeting.chair_username), meeting.chair_username)
    assert meeting.chair_guest is not None  # a CHECK constraint guarantees one
    return Attendee(meeting.chair_guest)


def minutes_of(session: Session, meeting: Meeting, closed_by: str, closed_at: datetime) -> Minutes:
    """The minutes of ``meeting`` as it closes (by ``closed_by``, a username, at ``closed_at``)."""
    usernames = {a.username for a in meeting.attendees if a.username} | {closed_by}
    names = display_names(session, usernames | ({meeting.chair_username} if meeting.chair_username else set()))
    chair = _named(chair_of(meeting, names))
    attendees = [chair] + [_named(_attendee(a.username, a.guest_name, names)) for a in meeting.attendees]
    items = list(meeting.items)
    references = {i: r for i, r in session.execute(select(Referral.id, Referral.reference)
                                      .where(Referral.id.in_({i.referral_id for i in items})))}  # fmt: skip
    rulesets = _rulesets(session, [i.decision_id for i in items if i.decision_id])
    labels = _labels(session, rulesets)
    decided_later = {i.referral_id: n for n, i in enumerate(items) if i.outcome in DECIDED}
    cases = [_case(i, references, labels) for i in items if i.outcome != "deferred"]
    deferred = [_case(i, references, labels) for n, i in enumerate(items)
                if i.outcome == "deferred" and decided_later.get(i.referral_id, -1) < n]  # fmt: skip
    return Minutes(
        service_name=_service_name(session), meeting_id=meeting.id, held_on=meeting.held_on, chair=chair,
        attendees=tuple(attendees), cases=tuple(cases), deferred=tuple(deferred),
        ruleset="; ".join(rulesets) if rulesets else _ruleset_line(store_ruleset(session)),
        closed_at=closed_at, closed_by=names.get(closed_by, closed_by),
    )  # fmt: skip


def _attendee(username: str | None, guest: str | None, names: dict[str, str]) -> Attendee:
    if username is not None:
        return Attendee(names.get(username, username), username)
    assert guest is not None  # a CHECK constraint guarantees one
    return Attendee(guest)


def _named(attendee: Attendee) -> str:
    return attendee.name if attendee.username is not None else f"{attendee.name} (guest)"


def _service_name(session: Session) -> str:
    try:
        return read_service_settings(session).service_name
    except SettingsError:
        from triage.settings import ServiceSettings

        return ServiceSettings().service_name


def _rulesets(session: Session, decision_ids: list[str]) -> dict[str, Ruleset | None]:
    """The rulesets the meeting's decisions were taken under, by their minutes line, in order."""
    found: dict[str, Ruleset | None] = {}
    if not decision_ids:
        return found
    rows = session.execute(select(Decision.ruleset_id, Decision.ruleset_version, Decision.ruleset_sha256)
                           .where(Decision.id.in_(decision_ids)).order_by(Decision.decided_at)).all()  # fmt: skip
    for ruleset_id, version, sha256 in dict.fromkeys(rows):
        ruleset = find_ruleset(sha256, session=session)
        found[_ruleset_line(ruleset) if ruleset else f"{ruleset_id} {version}, sha256 {sha256}"] = ruleset
    return found


def _ruleset_line(ruleset: Ruleset) -> str:
    return f"{ruleset.id} {ruleset.version} ({ruleset.document.status}), sha256 {ruleset.sha256}"


def _labels(session: Session, rulesets: dict[str, Ruleset | None]) -> dict[str, str]:
    """Each outcome's label: as the store keeps them (the rulesets in force wrote them), then as the
    meeting's own rulesets say."""
    labels = {code: label for code, label in session.execute(select(Destination.code, Destination.label))}
    for ruleset in rulesets.values():
        labels.update(ruleset.outcome_labels if ruleset else {})
    return labels


def _case(item: MeetingItem, references: dict[str, str], labels: dict[str, str]) -> MinutesCase:
    route = None
    if item.route is not None:
        route = labels.get(item.route, item.route) + (f", step {item.step}" if item.step is not None else "")
    asked = item.outcome == "more_info"
    return MinutesCase(
        reference=references[item.referral_id], outcome=MEETING_OUTCOME_TEXT[item.outcome],  # type: ignore[index]
        route_label=route, reason=None if asked else item.reason, action=item.reason if asked else None,
        action_owner=item.action_owner, action_due=item.action_due,
    )  # fmt: skip
