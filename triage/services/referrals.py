"""Referral use cases: receive (one, or an import batch in one transaction), edit with optimistic
concurrency, move through the lifecycle, find, and a person's history across referrals.

Duplicates: a new referral for an NHS number that already has an *open* referral (any status but
``closed``) is still recorded -- a second referral may carry new information -- but it is linked to
the newest open one (``duplicate_of_id``) and reported, never silently added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from triage.services.inputs import GpPracticeInput, ReferralInput, ReferralUpdate
from triage.store.audit import describe_changes, record_event
from triage.store.database import Store
from triage.store.errors import ConflictError, NotFoundError, RefusedError, StoreError
from triage.store.models import Decision, GpPractice, Person, Referral, StatusChange
from triage.store.types import utc_now
from triage.store.vocabulary import OPEN_STATUSES, TRANSITIONS, ReferralStatus


class IdentityMismatch(StoreError):
    """The NHS number is on record with a different date of birth: possibly the wrong person."""


@dataclass(frozen=True, slots=True)
class CreatedReferral:
    id: str
    person_id: str
    duplicate_of_id: str | None  # set when an open referral for the same person already existed

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One referral of a person, for the history view (no identifiers: the caller knows whose)."""

    referral_id: str
    received_on: date
    source: str
    status: str
    returned_from: str | None
    confirmed_route: str | None
    confirmed_step: int | None


def _known_practice(session: Session, code: str | None) -> None:
    if code is not None and session.get(GpPractice, code) is None:
        raise RefusedError("gp_practice_code: not in the GP practice directory; add the practice first")


def _person_for(session: Session, referral: ReferralInput, actor: str) -> Person:
    person = session.scalars(select(Person).where(Person.nhs_number == referral.nhs_number)).one_or_none()
    if person is None:
        person = Person(
            nhs_number=referral.nhs_number,
            given_name=referral.given_name,
            family_name=referral.family_name,
            name_key=referral.family_name.casefold(),
            date_of_birth=referral.date_of_birth,
        )
        session.add(person)
        session.flush()
        record_event(session, actor=actor, entity_type="person", entity_id=person.id, action="create",
                     summary="person created")  # fmt: skip
        return person
    if person.date_of_birth != referral.date_of_birth:
        raise IdentityMismatch(
            "the NHS number is already on record with a different date of birth; check the referral's identifiers"
        )
    changed = [f for f in ("given_name", "family_name") if getattr(person, f) != getattr(referral, f)]
    if changed:  # names change (marriage, preferred name); the newest referral's names are kept
        person.given_name, person.family_name = referral.given_name, referral.family_name
        person.name_key = referral.family_name.casefold()
        session.flush()
        record_event(session, actor=actor, entity_type="person", entity_id=person.id, action="update",
                     summary=describe_changes(changed))  # fmt: skip
    return person


def _add_referral(session: Session, data: ReferralInput, actor: str) -> CreatedReferral:
    _known_practice(session, data.gp_practice_code)
    person = _person_for(session, data, actor)
    open_referral = session.scalars(
        select(Referral)
        .where(Referral.person_id == person.id, Referral.status.in_(OPEN_STATUSES))
        .order_by(Referral.received_on.desc(), Referral.created_at.desc())
        .limit(1)
    ).first()
    now = utc_now()
    referral = Referral(
        person_id=person.id,
        received_on=data.received_on,
        source=data.source,
        status="received",
        phone=data.phone,
        postcode=data.postcode,
        interpreter_language=data.interpreter_language,
        gp_practice_code=data.gp_practice_code,
        notes=data.notes,
        returned_from=data.returned_from,
        duplicate_of_id=open_referral.id if open_referral else None,
        created_at=now,
        updated_at=now,
    )
    session.add(referral)
    session.flush()
    session.add(StatusChange(referral_id=referral.id, status="received", changed_at=now, actor=actor))
    summary = f"referral received (source {data.source})"
    if open_referral is not None:
        summary += f"; flagged as a possible duplicate of open referral {open_referral.id}"
    record_event(session, actor=actor, entity_type="referral", entity_id=referral.id, action="create", summary=summary)
    return CreatedReferral(referral.id, person.id, referral.duplicate_of_id)


def create_referral(store: Store, data: ReferralInput, actor: str) -> CreatedReferral:
    with store.write() as session:
        return _add_referral(session, data, actor)


def import_referrals(store: Store, rows: Sequence[ReferralInput], actor: str, *, source_name: str = "") -> list[CreatedReferral]:
    """All rows in one transaction: after a crash either every row is stored or none is. Each row is
    audited as a create, and the batch as one import event (``source_name`` must not identify anyone)."""
    with store.write() as session:
        created = [_add_referral(session, row, actor) for row in rows]
        duplicates = sum(1 for item in created if item.is_duplicate)
        record_event(
            session, actor=actor, entity_type="database", entity_id="referrals", action="import",
            summary=f"imported {len(created)} referrals ({duplicates} flagged as possible duplicates)"
            + (f" from {source_name}" if source_name else ""),
        )  # fmt: skip
        return created


def _load(session: Session, referral_id: str) -> Referral:
    referral = session.get(Referral, referral_id, populate_existing=True)
    if referral is None:
        raise NotFoundError("no referral with that id")
    return referral


def get_referral(store: Store, referral_id: str) -> Referral:
    """The referral with its person, status history, GP practice, screenings and decisions loaded
    (detached: read its attributes freely; ``version`` is what ``update_referral`` expects back)."""
    with store.read() as session:
        query = (
            select(Referral)
            .where(Referral.id == referral_id)
            .options(
                selectinload(Referral.person),
                selectinload(Referral.status_changes),
                selectinload(Referral.gp_practice),
                selectinload(Referral.screenings),
                selectinload(Referral.decisions),
            )
        )
        referral = session.scalars(query).one_or_none()
        if referral is None:
            raise NotFoundError("no referral with that id")
        return referral


def update_referral(store: Store, referral_id: str, expected_version: int, changes: ReferralUpdate, actor: str) -> int:
    """Apply the fields set in ``changes``. ``expected_version`` is the version the editor opened; if
    anyone saved since, ConflictError and nothing is written. Returns the new version."""
    fields = sorted(changes.model_fields_set)
    with store.write() as session:
        referral = _load(session, referral_id)
        if referral.version != expected_version:
            raise ConflictError()
        if "gp_practice_code" in fields:
            _known_practice(session, changes.gp_practice_code)
        changed = [f for f in fields if getattr(referral, f) != getattr(changes, f)]
        if not changed:
            return referral.version
        for field in changed:
            setattr(referral, field, getattr(changes, field))
        referral.updated_at = utc_now()
        session.flush()  # UPDATE ... WHERE version = expected: a concurrent save makes this fail
        record_event(session, actor=actor, entity_type="referral", entity_id=referral.id, action="update",
                     summary=describe_changes(changed))  # fmt: skip
        return referral.version


def _move(session: Session, referral: Referral, status: ReferralStatus, actor: str) -> None:
    if status not in TRANSITIONS[referral.status]:  # type: ignore[index]
        raise RefusedError(f"a referral cannot go from {referral.status} to {status}")
    now = utc_now()
    referral.status, referral.updated_at = status, now
    session.add(StatusChange(referral_id=referral.id, status=status, changed_at=now, actor=actor))
    session.flush()
    record_event(session, actor=actor, entity_type="referral", entity_id=referral.id, action="update",
                 summary=f"status: {status}")  # fmt: skip


def change_status(store: Store, referral_id: str, status: ReferralStatus, actor: str, *, expected_version: int | None = None) -> int:
    """Move a referral along its lifecycle (``TRANSITIONS``), dated and audited. Returns the new version."""
    with store.write() as session:
        referral = _load(session, referral_id)
        if expected_version is not None and referral.version != expected_version:
            raise ConflictError()
        _move(session, referral, status, actor)
        return referral.version


def delete_referral(store: Store, referral_id: str, actor: str) -> None:
    """Always refused: clinical records are kept (close the referral instead). The attempt is audited,
    and the database's own trigger refuses a DELETE that bypasses this."""
    with store.write() as session:
        _load(session, referral_id)
        record_event(session, actor=actor, entity_type="referral", entity_id=referral_id, action="attempted_deletion",
                     summary="deletion refused: clinical records are kept; close the referral instead")  # fmt: skip
    raise RefusedError("referrals cannot be deleted; close the referral instead (the attempt was recorded)")


def find_referrals(
    store: Store, *, nhs_number: str | None = None, family_name_prefix: str | None = None, open_only: bool = False,
    limit: int = 200,
) -> list[Referral]:  # fmt: skip
    """Referrals by exact NHS number and/or family-name prefix (case-insensitive), newest first, with
    their person loaded."""
    query = select(Referral).join(Referral.person).options(selectinload(Referral.person))
    if nhs_number is not None:
        query = query.where(Person.nhs_number == nhs_number.replace(" ", "").replace("-", ""))
    if family_name_prefix:
        prefix = family_name_prefix.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Person.name_key.like(prefix + "%", escape="\\"))
    if open_only:
        query = query.where(Referral.status.in_(OPEN_STATUSES))
    query = query.order_by(Referral.received_on.desc(), Referral.id).limit(limit)
    with store.read() as session:
        return list(session.scalars(query))


def person_history(store: Store, person_id: str) -> list[HistoryEntry]:
    """Every referral of the person, oldest first, with its latest confirmed route and any return
    from another service: the IAPT <-> CMHT "ping-pong" made visible."""
    with store.read() as session:
        referrals = session.scalars(
            select(Referral)
            .where(Referral.person_id == person_id)
            .options(selectinload(Referral.decisions))
            .order_by(Referral.received_on, Referral.created_at)
        ).all()
        return [_history_entry(referral) for referral in referrals]


def _history_entry(referral: Referral) -> HistoryEntry:
    latest: Decision | None = referral.decisions[-1] if referral.decisions else None
    return HistoryEntry(
        referral_id=referral.id,
        received_on=referral.received_on,
        source=referral.source,
        status=referral.status,
        returned_from=referral.returned_from,
        confirmed_route=latest.confirmed_route if latest else None,
        confirmed_step=latest.confirmed_step if latest else None,
    )


def save_gp_practice(store: Store, data: GpPracticeInput, actor: str) -> None:
    """Add a practice to the directory, or update it."""
    with store.write() as session:
        practice = session.get(GpPractice, data.code)
        if practice is None:
            session.add(GpPractice(code=data.code, name=data.name, address=data.address, gp_names=list(data.gp_names)))
            action, summary = "create", "practice added to the directory"
        else:
            values = {"name": data.name, "address": data.address, "gp_names": list(data.gp_names)}
            changed = [field for field, value in values.items() if getattr(practice, field) != value]
            for field in changed:
                setattr(practice, field, values[field])
            action, summary = "update", describe_changes(changed)
        session.flush()
        record_event(session, actor=actor, entity_type="gp_practice", entity_id=data.code, action=action, summary=summary)
