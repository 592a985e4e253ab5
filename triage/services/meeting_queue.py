"""The referral meeting's queue (issue 16, items 1 and 6): the open referrals waiting for the team,
why each is there, in the order a team leader arranged, and the "discuss in supervision" queue per
supervisor drawn from the same rows.

``refresh_queue`` is the ONE place a referral's reasons are worked out, from its latest screening and
latest decision (and a PWP's sending), and its queue row added, changed or removed. Every write that
can change them calls it in its own transaction: recording a screening, recording a decision, a status
step to closed, sending to the meeting and each meeting outcome. So the queue can never disagree with
the records it is drawn from.

The queue never holds up safety: nothing here refuses or delays a decision, a letter or a crisis
action. A high-risk referral a PWP decided at once stays in the queue until a meeting reviews it.
A team leader sees only their teams' referrals and the service's (no team); one in no team sees all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.rules.engine import matrix_outcome, rate
from triage.rules.ruleset import Ruleset, default_ruleset
from triage.services.inputs import parse, register_input, strict_config
from triage.services.meeting_types import QUEUE_REASONS, QueueEntry, QueueReason, initials
from triage.services.permissions import User, record_search, require
from triage.services.service_settings import held_ruleset, read_service_settings
from triage.services.teams import referrals_in_scope
from triage.settings import SettingsError
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import NotFoundError, RefusedError
from triage.store.keys import normalise_username
from triage.store.models import Decision, MeetingQueueEntry, Person, Referral, Screening, UserAccount
from triage.store.types import utc_now

QuestionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


@register_input
class SendToMeeting(BaseModel):
    """A PWP's question for the team, sent with the referral."""

    model_config = strict_config()

    question: QuestionText


# --- the one derivation ----------------------------------------------------------------------------


def refresh_queue(
    session: Session, referral: Referral, *, ruleset: Ruleset | None = None, actor: str = "system"
) -> None:
    """Work out ``referral``'s reasons to wait for the team and add, change or remove its queue row,
    in the caller's transaction. ``ruleset``: the one the caller routed by (default the store's in
    force); ``actor``: whose write moved it (the audit trail names them). A closed referral leaves the queue; one whose latest decision a meeting took on its latest
    screening has been reviewed: only a fresh sending keeps it there."""
    entry = session.get(MeetingQueueEntry, referral.id)
    reasons = () if referral.status == "closed" else _reasons(session, referral, entry, ruleset)
    if not reasons:
        if entry is not None:
            session.delete(entry)
            session.flush()
            _audit(session, referral.id, "left the meeting queue", actor)
        return
    codes: list[str] = list(reasons)
    if entry is None:
        last = session.scalar(select(func.max(MeetingQueueEntry.position))) or 0
        session.add(MeetingQueueEntry(referral_id=referral.id, reasons=codes, position=last + 1, joined_at=utc_now()))
        session.flush()
        _audit(session, referral.id, f"joined the meeting queue: {', '.join(codes)}", actor)
    elif entry.reasons != codes:
        entry.reasons = codes
        session.flush()


def _reasons(
    session: Session, referral: Referral, entry: MeetingQueueEntry | None, ruleset: Ruleset | None
) -> tuple[QueueReason, ...]:
    found: set[QueueReason] = set()
    if entry is not None and entry.sent_by is not None:
        found.add("sent")
    screening = _latest_screening(session, referral.id)
    decision = _latest_decision(session, referral.id)
    reviewed = decision is not None and screening is not None and decision.in_meeting \
        and decision.screening_id == screening.id  # fmt: skip
    if screening is not None and not reviewed:
        found |= _screening_reasons(session, screening, ruleset)
    if decision is not None and not reviewed and not decision.in_meeting:
        overridden = (decision.confirmed_route, decision.confirmed_step) != (
            decision.recommended_route, decision.recommended_step,
        )  # fmt: skip
        if overridden:
            found.add("override")
        if decision.return_rationale is not None:
            found.add("returned_service")
    return tuple(reason for reason in QUEUE_REASONS if reason in found)


def _screening_reasons(session: Session, screening: Screening, ruleset: Ruleset | None) -> set[QueueReason]:
    from triage.services.screenings import screening_input  # screenings.py calls refresh_queue

    found: set[QueueReason] = set()
    if screening.risk == "high":
        found.add("high_risk")
    if screening.discuss_in_supervision:
        found.add("supervision")
    rules = ruleset or store_ruleset(session)
    ratings = rate(screening_input(screening).to_routing(), rules)
    # As the engine counts them: a cell naming alternatives (CMHT/CRHTT) is one service to decide on.
    if matrix_outcome(ratings, rules).services_outside_iapt > 1:
        found.add("several_services")
    return found


def store_ruleset(session: Session) -> Ruleset:
    """The store's ruleset in force, read in the caller's transaction; the shipped one when none is
    set or the kept one cannot be used: for a queue reason or a minutes line, never to choose a route
    (the queue must never stop a screening being saved)."""
    try:
        sha256 = read_service_settings(session).ruleset_sha256
    except SettingsError:
        return default_ruleset()
    held = held_ruleset(session, sha256) if sha256 is not None else None
    return held or default_ruleset()


def _latest_screening(session: Session, referral_id: str) -> Screening | None:
    return session.scalars(select(Screening).where(Screening.referral_id == referral_id)
                           .order_by(Screening.screened_at.desc()).limit(1)).first()  # fmt: skip


def _latest_decision(session: Session, referral_id: str) -> Decision | None:
    return session.scalars(select(Decision).where(Decision.referral_id == referral_id)
                           .order_by(Decision.decided_at.desc()).limit(1)).first()  # fmt: skip


def _audit(session: Session, referral_id: str, summary: str, actor: str) -> None:
    record_event(session, actor=actor, entity_type="referral", entity_id=referral_id, action="update", summary=summary)


# --- the services ----------------------------------------------------------------------------------


def send_to_meeting(store: Store, user: User, referral_id: str, question: str) -> None:
    """A PWP sends an open referral to the referral meeting with a question for the team
    (``send_to_meeting``). The question is kept with the queue row, never in the audit trail."""
    require(user, "send_to_meeting", store=store)
    data = parse(SendToMeeting, {"question": question})
    with store.write() as session:
        referral = _referral(session, referral_id)
        if referral.status == "closed":
            raise RefusedError("the referral is closed: it cannot be sent to the meeting")
        entry = session.get(MeetingQueueEntry, referral.id)
        if entry is None:
            last = session.scalar(select(func.max(MeetingQueueEntry.position))) or 0
            entry = MeetingQueueEntry(referral_id=referral.id, reasons=["sent"], position=last + 1, joined_at=utc_now())
            session.add(entry)
        entry.sent_by, entry.question = user.username, data.question
        session.flush()
        _audit(session, referral.id, "sent to the referral meeting (with a question)", user.username)
        refresh_queue(session, referral, actor=user.username)


def meeting_queue(store: Store, user: User) -> list[QueueEntry]:
    """The queue in its order (``run_meeting``), audited as a search: the count, never a name."""
    require(user, "run_meeting", store=store)
    with store.write() as session:
        entries = scoped_entries(session, user.username)
        record_search(session, user, len(entries))
        return entries


def supervision_queue(store: Store, user: User, supervisor: str | None = None) -> list[QueueEntry]:
    """The referrals flagged "discuss in supervision" whose screener is supervised by ``supervisor``
    (a team leader's username; default the user), in the queue's order (``supervise``; a search)."""
    require(user, "supervise", store=store)
    leader = normalise_username(supervisor or user.username)
    with store.write() as session:
        supervised = set(session.scalars(select(UserAccount.username).where(UserAccount.supervisor == leader)))
        entries = [e for e in scoped_entries(session, user.username)
                   if "supervision" in e.reasons and e.screened_by in supervised]  # fmt: skip
        record_search(session, user, len(entries))
        return entries


def move_in_queue(store: Store, user: User, referral_id: str, position: int) -> None:
    """Put a referral at ``position`` (1-based; past the end means last) in the queue (``run_meeting``)."""
    require(user, "run_meeting", store=store)
    if isinstance(position, bool) or not isinstance(position, int) or position < 1:
        raise RefusedError("position: a whole number from 1")
    with store.write() as session:
        rows = list(session.scalars(select(MeetingQueueEntry).order_by(MeetingQueueEntry.position,
                                                                        MeetingQueueEntry.joined_at)))  # fmt: skip
        moving = next((row for row in rows if row.referral_id == referral_id), None)
        if moving is None:
            raise NotFoundError("that referral is not in the meeting queue")
        rows.remove(moving)
        rows.insert(min(position, len(rows) + 1) - 1, moving)
        for number, row in enumerate(rows, start=1):
            row.position = number
        session.flush()
        _audit(session, referral_id, f"moved to position {rows.index(moving) + 1} in the meeting queue", user.username)


def set_supervisor(store: Store, admin: User, username: str, supervisor: str | None) -> None:
    """Name the team leader who supervises ``username`` (``users``, an admin's), or none: whose
    supervision queue that account's flagged screenings join. The supervisor must be an active team
    leader, and nobody supervises themselves."""
    require(admin, "users", store=store)
    name = normalise_username(username)
    leader = normalise_username(supervisor) if supervisor is not None else None
    with store.write() as session:
        account = _active_account(session, name, "username")
        if leader is not None:
            if leader == name:
                raise RefusedError("supervisor: an account cannot supervise itself")
            if _active_account(session, leader, "supervisor").role != "team_leader":
                raise RefusedError("supervisor: must be an active team leader")
        account.supervisor = leader
        session.flush()
        record_event(session, actor=admin.username, entity_type="user_account", entity_id=name, action="update",
                     summary=f"supervisor set to {leader}" if leader else "supervisor removed")  # fmt: skip


def _active_account(session: Session, name: str, field: str) -> UserAccount:
    account = session.scalar(select(UserAccount).where(UserAccount.username == name))
    if account is None or account.disabled_at is not None:
        raise NotFoundError(f"{field}: there is no such active user")
    return account


def _referral(session: Session, referral_id: str) -> Referral:
    referral = session.get(Referral, referral_id, populate_existing=True)
    if referral is None:
        raise NotFoundError("no referral with that id")
    return referral


def scoped_entries(session: Session, username: str) -> list[QueueEntry]:
    """The queue as ``username``'s meeting holds it: the referrals of their teams and of no team
    (services/teams.py; everything for someone in no team)."""
    entries = queue_entries(session)
    allowed = referrals_in_scope(session, username, [entry.referral_id for entry in entries])
    return [entry for entry in entries if entry.referral_id in allowed]


def queue_entries(session: Session) -> list[QueueEntry]:
    """Every queue row, with its referral's reference, the person's initials and the latest screener:
    only queue rows are read (by the position index), each joined by primary key."""
    screener = (
        select(Screening.screened_by).where(Screening.referral_id == MeetingQueueEntry.referral_id)
        .order_by(Screening.screened_at.desc()).limit(1).correlate(MeetingQueueEntry).scalar_subquery()
    )  # fmt: skip
    query = (
        select(MeetingQueueEntry, Referral.reference, Person.given_name, Person.family_name, screener)
        .join(Referral, Referral.id == MeetingQueueEntry.referral_id)
        .join(Person, Person.id == Referral.person_id)
        .order_by(MeetingQueueEntry.position, MeetingQueueEntry.joined_at)
    )
    now = datetime.now(UTC)
    return [
        QueueEntry(
            referral_id=row.referral_id,
            reference=reference,
            initials=initials(given, family),
            reasons=tuple(r for r in QUEUE_REASONS if r in row.reasons),
            position=number,
            joined_at=row.joined_at,
            waited_days=max(0, (now - row.joined_at).days),
            screened_by=screened_by,
            sent_by=row.sent_by,
            question=row.question,
            deferred_reason=row.deferred_reason,
            information_asked=row.information_asked,
        )  # fmt: skip
        for number, (row, reference, given, family, screened_by) in enumerate(session.execute(query), start=1)
    ]
