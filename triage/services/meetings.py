"""The referral meeting (issue 16, items 2, 5 and 7): a team leader opens a meeting (date, chair,
attendees from the accounts and guests by name), works through the queue, and for each case confirms
the recommendation or chooses another route or step with a reason (a decision "taken in the referral
meeting" of that meeting, through ``record_decision``), defers it (it stays in the queue, with the
reason) or asks for more information (from someone, by a date); then closes it, which draws the
minutes (services/meeting_minutes.py) and locks its outcomes: a later change is a new decision that
revises the meeting one, never an edit.

Only a team leader (``run_meeting``) opens, runs and closes a meeting. A PWP listed as an attendee may
see its cases as the presenter does (``meeting_info``, ``meeting_case_record``, ``reveal_name``).
Scoped by team (services/teams.py): a team leader in teams decides only their teams' referrals and the
service's (no team), and one in no team any; an outcome outside is refused and audited.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.letters.minutes import render_minutes
from triage.rules.engine import route
from triage.rules.ruleset import Ruleset, default_ruleset
from triage.services.decisions import record_decision
from triage.services.inputs import DecisionInput, parse, register_input, strict_config
from triage.services.meeting_minutes import chair_of, display_names, minutes_of
from triage.services.meeting_queue import scoped_entries
from triage.services.meeting_types import Attendee, MeetingInfo, MeetingItem, MeetingOutcome, QueueEntry
from triage.services.permissions import User, allowed, record_search, record_view, require
from triage.services.referral_record import ReferralRecord, referral_record
from triage.services.screenings import screening_input
from triage.services.teams import require_meeting_scope
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import NotFoundError, RefusedError
from triage.store.keys import normalise_username
from triage.store.models import Meeting, MeetingAttendee, MeetingQueueEntry, Person, Referral, Screening, UserAccount
from triage.store.models import MeetingItem as ItemRow
from triage.store.types import utc_now
from triage.store.vocabulary import AuditAction

AHEAD = timedelta(days=31)  # a meeting may be opened for a date up to a month ahead
MAX_PEOPLE = 30
GuestName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\n\r\t]*$")
]
Username = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=100)]
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


@register_input
class MeetingInput(BaseModel):
    """A meeting as a team leader opens it: the date it is held, the chair (an active team leader's
    username, or a guest's name in ``chair_guest``), the accounts attending and the guests."""

    model_config = strict_config()

    held_on: date
    chair: Username | None = None
    chair_guest: GuestName | None = None
    attendees: tuple[Username, ...] = Field(default=(), max_length=MAX_PEOPLE)
    guests: tuple[GuestName, ...] = Field(default=(), max_length=MAX_PEOPLE)

    @field_validator("held_on")
    @classmethod
    def _today_or_within_a_month(cls, value: date) -> date:
        today = date.today()
        if not today <= value <= today + AHEAD:
            raise ValueError(f"from today to {AHEAD.days} days ahead")
        return value

    @model_validator(mode="after")
    def _one_chair_and_nobody_twice(self) -> MeetingInput:
        if (self.chair is None) == (self.chair_guest is None):
            raise ValueError("chair: a team leader's username, or chair_guest: a guest's name (one of them)")
        if len(set(self.attendees) | {self.chair} - {None}) != len(self.attendees) + (self.chair is not None):
            raise ValueError("attendees: each person once (the chair is listed already)")
        if len({g.casefold() for g in self.guests}) != len(self.guests):
            raise ValueError("guests: each guest once")
        return self


@register_input
class DeferInput(BaseModel):
    model_config = strict_config()
    reason: Words


@register_input
class InformationInput(BaseModel):
    model_config = strict_config()
    what: Words
    owner: GuestName
    due_on: date

    @field_validator("due_on")
    @classmethod
    def _not_past(cls, value: date) -> date:
        if value < date.today():
            raise ValueError("today or later")
        return value


# --- opening and reading -------------------------------------------------------------------------


def open_meeting(store: Store, user: User, data: MeetingInput) -> str:
    """Open a meeting (``run_meeting``); the chair must be an active team leader and each attendee an
    active account. Returns its id."""
    require(user, "run_meeting", store=store)
    with store.write() as session:
        if data.chair is not None and _account(session, data.chair, "chair").role != "team_leader":
            raise RefusedError("chair: must be an active team leader (or a guest, in chair_guest)")
        for username in data.attendees:
            _account(session, username, "attendees")
        meeting = Meeting(held_on=data.held_on, chair_username=data.chair, chair_guest=data.chair_guest,
                          opened_by=user.username, opened_at=utc_now())  # fmt: skip
        session.add(meeting)
        session.flush()
        people: list[tuple[str | None, str | None]] = [(name, None) for name in data.attendees]
        people += [(None, guest) for guest in data.guests]
        for position, (account, guest) in enumerate(people, start=1):
            session.add(MeetingAttendee(meeting_id=meeting.id, position=position, username=account, guest_name=guest))
        session.flush()
        _audit(session, user, meeting.id, "create", f"meeting opened for {data.held_on.isoformat()}: "
               f"{len(data.attendees)} accounts and {len(data.guests)} guests besides the chair")  # fmt: skip
        return meeting.id


def meeting_info(store: Store, user: User, meeting_id: str) -> MeetingInfo:
    """The meeting, its attendees and its outcomes so far: a team leader's, or an attendee's
    (a view of the meeting)."""
    require_presenter(store, user, meeting_id)
    with store.write() as session:
        info = _info(session, load_meeting(session, meeting_id))
        record_view(session, user, "meeting", meeting_id)
        return info


def open_meetings(store: Store, user: User) -> list[MeetingInfo]:
    """The meetings not yet closed, the latest held first (``run_meeting``; a search of meetings)."""
    require(user, "run_meeting", store=store)
    with store.write() as session:
        rows = session.scalars(select(Meeting).where(Meeting.closed_at.is_(None))
                               .order_by(Meeting.held_on.desc(), Meeting.opened_at.desc()))  # fmt: skip
        infos = [_info(session, row) for row in rows]
        record_search(session, user, len(infos), entity_type="meeting")
        return infos


def attended_meetings(store: Store, user: User) -> list[MeetingInfo]:
    """The open meetings ``user`` is listed at (as chair or attendee), the latest held first: what a PWP
    may follow on their own screen (``view_referral``; a search of meetings, the count only)."""
    require(user, "view_referral", store=store)
    with store.write() as session:
        rows = session.scalars(select(Meeting).where(Meeting.closed_at.is_(None))
                               .order_by(Meeting.held_on.desc(), Meeting.opened_at.desc()))  # fmt: skip
        infos = [_info(session, row) for row in rows if user.username in _usernames(session, row)]
        record_search(session, user, len(infos), entity_type="meeting")
        return infos


def meeting_cases(store: Store, user: User, meeting_id: str) -> list[QueueEntry]:
    """The cases waiting for the meeting, in the queue's order, for its presenter view: a team
    leader's, or an account listed at the meeting (a search: the count, never a name)."""
    require_presenter(store, user, meeting_id)
    with store.write() as session:
        meeting = load_meeting(session, meeting_id)
        entries = scoped_entries(session, meeting.opened_by)  # the cases of the team leader running it
        record_search(session, user, len(entries))
        return entries


def presenter_allowed(info: MeetingInfo, user: User) -> bool:
    """Whether ``user`` may see this meeting's cases as the presenter does: a team leader, or an
    account listed at it (for the ui's convenience; the services check again)."""
    return allowed(user, "run_meeting") or user.username in {a.username for a in info.attendees}


def require_presenter(store: Store, user: User, meeting_id: str) -> None:
    """A team leader, or an account listed at the meeting (the chair or an attendee); else the refusal
    is audited and ``PermissionDenied`` raised."""
    if allowed(user, "run_meeting"):
        return
    with store.read() as session:  # an unknown meeting is refused alike: its existence is not told
        meeting = session.get(Meeting, meeting_id)
        listed = meeting is not None and user.username in _usernames(session, meeting)
    if not listed:
        require(user, "run_meeting", store=store)  # audits the refusal and raises


def meeting_case_record(store: Store, user: User, meeting_id: str, referral_id: str) -> ReferralRecord:
    """The record of one case of the meeting, for the presenter view: a team leader's or an
    attendee's (``view_referral`` too; one view of the referral, as ``referral_record`` audits)."""
    require_presenter(store, user, meeting_id)
    with store.read() as session:
        _case_of(session, load_meeting(session, meeting_id), referral_id)
    return referral_record(store, user, referral_id)


def reveal_name(store: Store, user: User, meeting_id: str, referral_id: str) -> str:
    """The person's full name for the presenter view, which shows initials until asked: audited as a
    view of that referral in that meeting."""
    require_presenter(store, user, meeting_id)
    with store.write() as session:
        meeting = load_meeting(session, meeting_id)
        referral = _case_of(session, meeting, referral_id)
        person = session.get(Person, referral.person_id)
        assert person is not None  # a foreign key guarantees it
        record_view(session, user, "referral", referral.id, summary=f"full name revealed in meeting {meeting.id}")
        return f"{person.given_name} {person.family_name}"


# --- the outcomes --------------------------------------------------------------------------------


def decide_in_meeting(
    store: Store, user: User, meeting_id: str, referral_id: str, data: DecisionInput, *, ruleset: Ruleset | None = None
) -> str:
    """The meeting's decision on a case (``run_meeting``): recorded by ``record_decision`` as taken in
    the referral meeting of this meeting, with an outcome "confirmed" (the recommendation) or
    "changed" (another route or step: ``override_reason`` required, as for any override). The
    referral leaves the queue. Returns the decision's id."""
    require(user, "run_meeting", store=store)
    require_meeting_scope(store, user, referral_id)  # its own team's meeting decides it (issue 16 item 7)
    with store.write() as session:
        meeting = open_meeting_row(session, meeting_id)
        referral = _referral(session, referral_id)
        if referral.status not in ("screened", "decided", "letter_sent"):
            raise RefusedError(f"a referral that is {referral.status.replace('_', ' ')} cannot be decided")
        screening = _latest_screening(session, referral.id)
        rules = ruleset or default_ruleset()  # as confirm_decision: the caller passes the ruleset in force
        routing = route(screening_input(screening).to_routing(), rules)
        same = (data.confirmed_route, data.confirmed_step) == (routing.route, routing.step)
        entry = session.get(MeetingQueueEntry, referral.id)
        if entry is not None:  # the meeting has answered whoever sent it
            entry.sent_by = entry.question = None
        decision = record_decision(session, referral, screening, data, user.username, rules, in_meeting=True,
                                   meeting_id=meeting.id)  # fmt: skip
        outcome: MeetingOutcome = "confirmed" if same else "changed"
        _add_item(session, user, meeting, referral, outcome, decision_id=decision.id, route=data.confirmed_route,
                  step=data.confirmed_step, reason=decision.override_reason)  # fmt: skip
        return decision.id  # record_decision has refreshed the queue: a meeting's decision leaves it


def defer_case(store: Store, user: User, meeting_id: str, referral_id: str, reason: str) -> None:
    """The meeting defers a case in the queue (``run_meeting``): it stays there, with the reason."""
    require(user, "run_meeting", store=store)
    require_meeting_scope(store, user, referral_id)  # its own team's meeting decides it (issue 16 item 7)
    data = parse(DeferInput, {"reason": reason})
    with store.write() as session:
        meeting = open_meeting_row(session, meeting_id)
        referral = _referral(session, referral_id)
        entry = _queued(session, referral.id)
        entry.deferred_reason = data.reason
        _add_item(session, user, meeting, referral, "deferred", reason=data.reason)


def ask_for_information(
    store: Store, user: User, meeting_id: str, referral_id: str, what: str, owner: str, due_on: date
) -> None:
    """The meeting asks for more information on a case in the queue (``run_meeting``): what, from whom
    (a name as typed), by when. The case stays in the queue."""
    require(user, "run_meeting", store=store)
    require_meeting_scope(store, user, referral_id)  # its own team's meeting decides it (issue 16 item 7)
    data = parse(InformationInput, {"what": what, "owner": owner, "due_on": due_on})
    with store.write() as session:
        meeting = open_meeting_row(session, meeting_id)
        referral = _referral(session, referral_id)
        entry = _queued(session, referral.id)
        entry.information_asked = data.what
        _add_item(session, user, meeting, referral, "more_info", reason=data.what, owner=data.owner, due=data.due_on)


# --- closing: the minutes and the lock ----------------------------------------------------------


def close_meeting(store: Store, user: User, meeting_id: str) -> bytes:
    """Close the meeting (``run_meeting``): its minutes drawn from the stored rows, kept with their
    sha256 and audited, in one transaction; from then on its outcomes are locked. Returns the PDF."""
    require(user, "run_meeting", store=store)
    with store.write() as session:
        meeting = open_meeting_row(session, meeting_id)
        closed_at = utc_now()
        minutes = minutes_of(session, meeting, user.username, closed_at)
        pdf = render_minutes(minutes)
        digest = hashlib.sha256(pdf).hexdigest()
        meeting.closed_at, meeting.closed_by, meeting.minutes_pdf, meeting.minutes_sha256 = (
            closed_at, user.username, pdf, digest,
        )  # fmt: skip
        session.flush()
        _audit(session, user, meeting.id, "update", f"meeting closed, its outcomes locked: {len(minutes.cases)} "
               f"cases, {len(minutes.deferred)} deferred; minutes sha256 {digest}")  # fmt: skip
        return pdf


def minutes_pdf(store: Store, user: User, meeting_id: str) -> bytes:
    """The closed meeting's minutes as kept (``run_meeting``), audited as a print."""
    require(user, "run_meeting", store=store)
    with store.write() as session:
        meeting = load_meeting(session, meeting_id)
        if meeting.minutes_pdf is None:
            raise RefusedError("the meeting is still open: its minutes are made when it closes")
        _audit(session, user, meeting.id, "print", f"minutes printed (sha256 {meeting.minutes_sha256})")
        return meeting.minutes_pdf


# --- shared -------------------------------------------------------------------------------------


def load_meeting(session: Session, meeting_id: str) -> Meeting:
    meeting = session.get(Meeting, meeting_id, populate_existing=True)
    if meeting is None:
        raise NotFoundError("no meeting with that id")
    return meeting


def open_meeting_row(session: Session, meeting_id: str) -> Meeting:
    """The meeting, refused once closed: its outcomes are locked."""
    meeting = load_meeting(session, meeting_id)
    if meeting.closed_at is not None:
        raise RefusedError("the meeting is closed: its outcomes are locked (a later change is a new decision)")
    return meeting


def _info(session: Session, meeting: Meeting) -> MeetingInfo:
    names = display_names(session, _usernames(session, meeting))
    accounts = [Attendee(names.get(a.username, a.username), a.username) for a in meeting.attendees if a.username]
    guests = [Attendee(a.guest_name) for a in meeting.attendees if a.guest_name]
    references = {i: r for i, r in session.execute(select(Referral.id, Referral.reference)
                                      .where(Referral.id.in_({i.referral_id for i in meeting.items})))}  # fmt: skip
    items = tuple(
        MeetingItem(
            referral_id=i.referral_id,
            reference=references[i.referral_id],
            outcome=i.outcome,  # type: ignore[arg-type]
            route=i.route,
            step=i.step,
            reason=i.reason,
            action_owner=i.action_owner,
            action_due=i.action_due,
            decision_id=i.decision_id,
            recorded_by=i.recorded_by,
            recorded_at=i.recorded_at,
        )  # fmt: skip
        for i in meeting.items
    )
    return MeetingInfo(id=meeting.id, held_on=meeting.held_on, chair=chair_of(meeting, names),
                       attendees=(chair_of(meeting, names), *accounts, *guests), opened_by=meeting.opened_by,
                       opened_at=meeting.opened_at, closed_at=meeting.closed_at, items=items)  # fmt: skip


def _usernames(session: Session, meeting: Meeting) -> set[str]:
    listed = {a.username for a in meeting.attendees if a.username is not None}
    return listed | ({meeting.chair_username} if meeting.chair_username else set())


def _account(session: Session, username: str, field: str) -> UserAccount:
    account = session.scalar(select(UserAccount).where(UserAccount.username == normalise_username(username)))
    if account is None or account.disabled_at is not None:
        raise RefusedError(f"{field}: there is no active account with that username")
    return account


def _referral(session: Session, referral_id: str) -> Referral:
    referral = session.get(Referral, referral_id, populate_existing=True)
    if referral is None:
        raise NotFoundError("no referral with that id")
    if referral.status == "closed":
        raise RefusedError("the referral is closed: a meeting cannot take it")
    return referral


def _case_of(session: Session, meeting: Meeting, referral_id: str) -> Referral:
    """A referral the meeting may show: waiting in the queue, or taken in this meeting."""
    referral = session.get(Referral, referral_id)
    taken = any(item.referral_id == referral_id for item in meeting.items)
    if referral is None or not (taken or session.get(MeetingQueueEntry, referral_id) is not None):
        raise NotFoundError("that referral is neither in the meeting queue nor taken in this meeting")
    return referral


def _queued(session: Session, referral_id: str) -> MeetingQueueEntry:
    entry = session.get(MeetingQueueEntry, referral_id)
    if entry is None:
        raise RefusedError("the referral is not in the meeting queue")
    return entry


def _latest_screening(session: Session, referral_id: str) -> Screening:
    screening = session.scalars(select(Screening).where(Screening.referral_id == referral_id)
                                .order_by(Screening.screened_at.desc()).limit(1)).first()  # fmt: skip
    if screening is None:
        raise RefusedError("the referral has no saved screening to decide on")
    return screening


def _add_item(
    session: Session, user: User, meeting: Meeting, referral: Referral, outcome: MeetingOutcome, *,
    decision_id: str | None = None, route: str | None = None, step: int | None = None, reason: str | None = None,
    owner: str | None = None, due: date | None = None,
) -> None:  # fmt: skip
    session.add(ItemRow(meeting_id=meeting.id, referral_id=referral.id, outcome=outcome, decision_id=decision_id,
                        route=route, step=step, reason=reason, action_owner=owner, action_due=due,
                        recorded_by=user.username, recorded_at=utc_now()))  # fmt: skip
    session.flush()
    _audit(session, user, meeting.id, "update", f"case {outcome.replace('_', ' ')}: referral {referral.id}")


def _audit(session: Session, user: User, meeting_id: str, action: AuditAction, summary: str) -> None:
    record_event(session, actor=user.username, entity_type="meeting", entity_id=meeting_id, action=action,
                 summary=summary)  # fmt: skip
