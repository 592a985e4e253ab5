"""Screening use cases: drafts saved as the screener types, and the completed screening.

A draft is the form's state as a JSON object, one per referral, upserted on every save (the UI saves
a few seconds after the last keystroke and on every section change). Each save is its own durable
commit, so a crash or a power cut loses at most the seconds since the last one. The draft is removed
in the same transaction that stores the completed screening.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.services.draft_format import exactly
from triage.services.inputs import AS_STORED, ScreeningInput
from triage.services.meeting_queue import refresh_queue
from triage.services.permissions import User, record_search, record_view, require
from triage.services.referrals import load_referral, move_to_status
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import RefusedError, StoreError
from triage.store.models import Draft, Person, Referral, Screening, answer_columns, stored_answers
from triage.store.types import utc_now

MAX_DRAFT_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class DraftSummary:
    """A draft waiting to be resumed (without its content), with whose referral it is for the list
    of drafts (identifiers kept out of the repr, so out of logs and tracebacks)."""

    referral_id: str
    actor: str
    saved_at: datetime
    section: str | None
    family_name: str = field(repr=False)
    given_name: str = field(repr=False)
    nhs_number: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class DraftContent:
    referral_id: str
    actor: str
    saved_at: datetime
    section: str | None
    payload: dict[str, Any]


def save_draft(
    store: Store, user: User, referral_id: str, payload: Mapping[str, Any], *, section: str | None = None
) -> datetime:
    """Insert or replace the referral's draft (``screen``); returns when it was saved. Only the first
    save of a draft is audited (a save every few seconds would drown the trail)."""
    require(user, "screen", store=store)
    actor = user.username
    try:
        text = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        raise StoreError("the draft holds a value that is not plain JSON data") from None
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise StoreError("the draft is too large to save")
    now = utc_now()
    with store.write() as session:
        draft = session.get(Draft, referral_id, populate_existing=True)
        if draft is not None and _may_take(user, draft.actor):
            draft.payload, draft.saved_at, draft.section, draft.actor = text, now, section, actor
            return now
        if draft is None:
            if session.get(Referral, referral_id) is None:
                raise StoreError("no referral with that id")
            session.add(Draft(referral_id=referral_id, actor=actor, saved_at=now, section=section, payload=text))
            session.flush()
            record_event(session, actor=actor, entity_type="draft", entity_id=referral_id, action="create",
                         summary="screening draft started")  # fmt: skip
            return now
    _refuse_anothers_draft(store, user, referral_id)


def load_draft(store: Store, user: User, referral_id: str) -> DraftContent | None:
    """The referral's draft to resume (``screen``), recorded as a view of the draft when there is one."""
    require(user, "screen", store=store)
    with store.write() as session:
        draft = session.get(Draft, referral_id)
        if draft is None:
            return None
        if _may_take(user, draft.actor):
            record_view(session, user, "draft", referral_id)
            return DraftContent(
                draft.referral_id, draft.actor, draft.saved_at, draft.section, json.loads(draft.payload)
            )
    _refuse_anothers_draft(store, user, referral_id)


def _may_take(user: User, actor: str) -> bool:
    """A draft is its author's: another screener (the next person on a shared PC) may neither open nor
    overwrite it. A team leader, who may re-screen anyone's referral (``override_any``), may take it over."""
    return actor == user.username or user.can("override_any")


def _refuse_anothers_draft(store: Store, user: User, referral_id: str) -> NoReturn:
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="draft", entity_id=referral_id,
                     action="permission_denied", summary="refused: another user's draft")  # fmt: skip
    raise RefusedError("another user has a screening of it in progress; they resume it, or a team leader takes it over")


def list_drafts(store: Store, user: User, *, only_mine: bool = True) -> list[DraftSummary]:
    """Drafts to offer for resumption, most recent first (``only_mine``: the user's own). Checked
    (``screen``) and recorded as a search of drafts (the count only)."""
    require(user, "screen", store=store)
    query = (
        select(
            Draft.referral_id,
            Draft.actor,
            Draft.saved_at,
            Draft.section,
            Person.family_name,
            Person.given_name,
            Person.nhs_number,
        )  # fmt: skip
        .join(Referral, Referral.id == Draft.referral_id)
        .join(Person, Person.id == Referral.person_id)
        .order_by(Draft.saved_at.desc())
    )
    if only_mine:
        query = query.where(Draft.actor == user.username)
    with store.write() as session:
        drafts = [DraftSummary(*row) for row in session.execute(query)]
        record_search(session, user, len(drafts), entity_type="draft")
        return drafts


def discard_draft(store: Store, user: User, referral_id: str) -> bool:
    """Throw a draft away (the screener chose not to resume it). Returns whether there was one."""
    require(user, "screen", store=store)
    actor = user.username
    with store.write() as session:
        draft = session.get(Draft, referral_id)
        if draft is None:
            return False
        session.delete(draft)
        session.flush()
        record_event(session, actor=actor, entity_type="draft", entity_id=referral_id, action="delete",
                     summary="screening draft discarded")  # fmt: skip
        return True


def save_screening(store: Store, user: User, referral_id: str, data: ScreeningInput) -> str:
    """Store a completed screening (``screen``), mark the referral screened (recording the contact if
    it was not yet recorded) and remove its draft, in one transaction. Returns the screening's id."""
    require(user, "screen", store=store)
    with store.write() as session:
        return record_screening(session, load_referral(session, referral_id), data, user.username).id


def record_screening(session: Session, referral: Referral, data: ScreeningInput, actor: str) -> Screening:
    """``save_screening``'s work inside the caller's transaction (``complete_screening`` adds the
    decision to the same one)."""
    if referral.status in ("letter_sent", "closed"):
        raise RefusedError(f"a referral that is {referral.status.replace('_', ' ')} cannot be screened")
    screening = Screening(
        referral_id=referral.id,
        screened_at=utc_now(),
        screened_by=actor,
        **answer_columns(data.model_dump(mode="json")),  # every field, one column each
    )
    session.add(screening)
    session.flush()
    record_event(session, actor=actor, entity_type="screening", entity_id=screening.id, action="create",
                 summary=f"screening recorded for referral {referral.id}")  # fmt: skip
    if referral.status in ("received", "no_contact"):
        move_to_status(session, referral, "contacted", actor)
    if referral.status != "screened":
        move_to_status(session, referral, "screened", actor)
    draft = session.get(Draft, referral.id)
    if draft is not None:
        session.delete(draft)
        session.flush()
        record_event(session, actor=actor, entity_type="draft", entity_id=referral.id, action="delete",
                     summary="screening draft replaced by the saved screening")  # fmt: skip
    refresh_queue(session, referral, actor=actor)  # high risk, several services, supervision: the queue follows at once
    return screening


def screening_input(screening: Screening) -> ScreeningInput:
    """The stored screening as the validated input it was saved from (to replay or re-open it): every
    answer column, field for field (``exactly``: a field with no column fails, as ``extra="forbid"``
    fails a column with no field). Read back ``AS_STORED``: a rule added after it was saved does not
    make it unreadable."""
    return ScreeningInput.model_validate(exactly(ScreeningInput, stored_answers(screening)), context=AS_STORED)
