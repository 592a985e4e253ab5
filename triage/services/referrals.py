"""Referral use cases: receive (one, or an import batch in one transaction), edit with optimistic
concurrency, move through the lifecycle, find, and a person's history across referrals.

Duplicates: a new referral for an NHS number that already has an *open* referral (any status but
``closed``) is still recorded -- a second referral may carry new information -- but it is linked to
the newest open one (``duplicate_of_id``) and reported, never silently added.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, selectinload

from triage.services.inputs import InvalidInput, ReferralInput, ReferralUpdate, address_problems
from triage.services.meeting_queue import refresh_queue
from triage.services.permissions import User, record_search, record_view, require
from triage.services.references import carried_reference_problems, give_references, next_references
from triage.services.teams import creators_team, join_creators_team
from triage.store.audit import describe_changes, record_event, record_events
from triage.store.database import Store
from triage.store.errors import ConflictError, NotFoundError, RefusedError, StoreError
from triage.store.models import Decision, GpPractice, Person, Referral, StatusChange, new_id, person_names
from triage.store.types import utc_now
from triage.store.vocabulary import OPEN_STATUSES, TRANSITIONS, AuditAction, EntityType, ReferralStatus


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


UNKNOWN_PRACTICE = "gp_practice_code: not in the GP practice directory; add the practice first"
IDENTITY_MISMATCH = (
    "the NHS number is already on record with a different date of birth; check the referral's identifiers"
)


def _known_practice(session: Session, code: str | None) -> None:
    if code is not None and session.get(GpPractice, code) is None:
        raise RefusedError(UNKNOWN_PRACTICE)


def _person_for(session: Session, referral: ReferralInput, actor: str) -> Person:
    person = session.scalars(select(Person).where(Person.nhs_number == referral.nhs_number)).one_or_none()
    if person is None:
        person = Person(
            nhs_number=referral.nhs_number,
            date_of_birth=referral.date_of_birth,
            **person_names(referral.given_name, referral.family_name),
        )
        session.add(person)
        session.flush()
        record_event(session, actor=actor, entity_type="person", entity_id=person.id, action="create",
                     summary="person created")  # fmt: skip
        return person
    if person.date_of_birth != referral.date_of_birth:
        raise IdentityMismatch(IDENTITY_MISMATCH)
    changed = [f for f in ("given_name", "family_name") if getattr(person, f) != getattr(referral, f)]
    if changed:  # names change (marriage, preferred name); the newest referral's names are kept
        for name, value in person_names(referral.given_name, referral.family_name).items():
            setattr(person, name, value)
        session.flush()
        record_event(session, actor=actor, entity_type="person", entity_id=person.id, action="update",
                     summary=describe_changes(changed))  # fmt: skip
    return person


PARTICULARS = ("phone", "postcode", "interpreter_language", "gp_practice_code", "notes", "returned_from",
               "address_line1", "address_line2", "address_line3", "referring_gp", "letter_to_practice")  # fmt: skip


def _particulars(data: ReferralInput) -> dict[str, Any]:  # the input's columns, as they are
    return {name: getattr(data, name) for name in PARTICULARS}


def _add_referral(session: Session, data: ReferralInput, actor: str) -> CreatedReferral:
    _known_practice(session, data.gp_practice_code)
    if data.reference is not None:  # only an import from another store (_add_referrals) keeps one
        raise RefusedError("reference: only an import from another store carries one")
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
        reference=next_references(session)[0],
        **_particulars(data),
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


def create_referral(store: Store, user: User, data: ReferralInput) -> CreatedReferral:
    require(user, "create_referral", store=store)
    with store.write() as session:
        created = _add_referral(session, data, user.username)
        join_creators_team(session, created.id, user.username)  # services/teams.py: one team, that team
        return created


def import_referrals(
    store: Store, user: User, rows: Sequence[ReferralInput], *, source_name: str = ""
) -> list[CreatedReferral]:
    """All rows in one transaction: after a crash either every row is stored or none is. Each row is
    audited as a create, and the batch as one import event (``source_name`` must not identify anyone).
    The first row the store refuses raises its error and nothing is written."""
    require(user, "import", store=store)
    with store.write() as session:
        created, refused = add_referral_rows(session, list(enumerate(rows, start=1)), user.username)
        if refused:
            raise refused[0][1]
        _audit_import(session, user.username, created, skipped=0, source_name=source_name)
        return created


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What ``import_batch`` did: the referrals written (empty when nothing was), and each row the
    store refused as (row number, identifier-free reason)."""

    created: tuple[CreatedReferral, ...]
    refused: tuple[tuple[int, str], ...]

    @property
    def duplicates(self) -> int:
        return sum(1 for item in self.created if item.is_duplicate)


def import_batch(
    store: Store, user: User, rows: Sequence[tuple[int, ReferralInput]], *, skip_refused: bool = False, skipped: int = 0
) -> ImportOutcome:
    """Import validated rows (each with its row number in the source file) in ONE transaction.

    A row the store refuses (a GP practice not in the directory, an NHS number on record with another
    date of birth) is reported by its row number. Without ``skip_refused`` any refusal writes nothing
    (every refused row is still reported); with it the other rows are written. ``skipped`` counts rows
    the caller already left out as invalid, for the audit summary."""
    require(user, "import", store=store)
    actor = user.username
    with store.write() as session:
        created, refused = add_referral_rows(session, rows, actor, write=skip_refused)
        reasons = tuple((number, str(exc)) for number, exc in refused)
        if refused and not skip_refused:
            return ImportOutcome((), reasons)  # nothing was written: the transaction ends empty
        if created:
            _audit_import(session, actor, created, skipped=skipped + len(refused))
    return ImportOutcome(tuple(created), reasons)


_CHUNK = 500  # values per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@dataclass(slots=True)
class _Known:
    id: str
    date_of_birth: date
    given_name: str
    family_name: str
    version: int
    stored: bool  # already in the database (else created by this batch)
    renamed: bool = False


def add_referral_rows(
    session: Session, rows: Sequence[tuple[int, ReferralInput]], actor: str, *, write: bool = True
) -> tuple[list[CreatedReferral], list[tuple[int, StoreError]]]:
    """``_add_referral`` for a whole batch, with the same outcome row for row (people created or
    renamed, duplicates linked to the newest open referral, every change audited in the same order),
    but with a few set-based reads and multi-row INSERTs instead of a dozen statements per row.
    Refused rows are returned, not raised; when any row is refused and not ``write``, nothing is
    written. In the caller's transaction: a file's batches, one after another, see each other."""
    codes = sorted({row.gp_practice_code for _, row in rows if row.gp_practice_code})
    known_codes: set[str] = set()
    for chunk in _chunks(codes):
        known_codes.update(session.scalars(select(GpPractice.code).where(GpPractice.code.in_(chunk))))
    people: dict[str, _Known] = {}
    columns = (
        Person.id,
        Person.nhs_number,
        Person.date_of_birth,
        Person.given_name,
        Person.family_name,
        Person.version,
    )
    for chunk in _chunks(sorted({row.nhs_number for _, row in rows})):
        for pid, nhs, born, given, family, version in session.execute(
            select(*columns).where(Person.nhs_number.in_(chunk))
        ):
            people[nhs] = _Known(pid, born, given, family, version, stored=True)
    newest_open: dict[str, tuple[date, datetime, str]] = {}  # person id -> (received_on, created_at, referral id)
    for chunk in _chunks([person.id for person in people.values()]):
        query = select(Referral.person_id, Referral.received_on, Referral.created_at, Referral.id).where(
            Referral.person_id.in_(chunk), Referral.status.in_(OPEN_STATUSES)
        )
        for pid, received, created_at, rid in session.execute(query):
            if pid not in newest_open or (received, created_at, rid) > newest_open[pid]:
                newest_open[pid] = (received, created_at, rid)

    created: list[CreatedReferral] = []
    refused: list[tuple[int, StoreError]] = []
    new_people: list[_Known] = []
    referrals: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    events: list[tuple[str, EntityType, str, AuditAction, str]] = []
    carried = carried_reference_problems(session, {row.reference for _, row in rows if row.reference})
    team = creators_team(session, actor)  # an importer's only team, as for a referral typed in
    for number, data in rows:
        if data.gp_practice_code is not None and data.gp_practice_code not in known_codes:
            refused.append((number, RefusedError(UNKNOWN_PRACTICE)))
            continue
        if data.reference in carried:
            refused.append((number, RefusedError(carried[data.reference])))
            continue
        person = people.get(data.nhs_number)
        if person is None:
            person = _Known(new_id(), data.date_of_birth, data.given_name, data.family_name, 1, stored=False)
            people[data.nhs_number] = person
            new_people.append(person)
            events.append((actor, "person", person.id, "create", "person created"))
        elif person.date_of_birth != data.date_of_birth:
            refused.append((number, IdentityMismatch(IDENTITY_MISMATCH)))
            continue
        else:
            changed = [f for f in ("given_name", "family_name") if getattr(person, f) != getattr(data, f)]
            if changed:
                person.given_name, person.family_name = data.given_name, data.family_name
                person.version += 1
                person.renamed = True
                events.append((actor, "person", person.id, "update", describe_changes(changed)))
        now = utc_now()
        referral_id = new_id()
        open_referral = newest_open.get(person.id)
        duplicate_of = open_referral[2] if open_referral else None
        referrals.append({
            "id": referral_id, "person_id": person.id, "received_on": data.received_on, "source": data.source,
            "status": "received", **_particulars(data), "reference": data.reference, "duplicate_of_id": duplicate_of,
            "current_route": None, "current_step": None, "created_at": now, "updated_at": now, "version": 1,
            "team_code": team,
        })  # fmt: skip
        changes.append({"referral_id": referral_id, "status": "received", "changed_at": now, "actor": actor})
        summary = f"referral received (source {data.source})"
        if duplicate_of is not None:
            summary += f"; flagged as a possible duplicate of open referral {duplicate_of}"
        if team is not None:
            summary += f"; in team {team} (its importer's only team)"
        events.append((actor, "referral", referral_id, "create", summary))
        if open_referral is None or (data.received_on, now, referral_id) > open_referral:
            newest_open[person.id] = (data.received_on, now, referral_id)
        created.append(CreatedReferral(referral_id, person.id, duplicate_of))
    if refused and not write:
        return [], refused
    give_references(session, referrals)
    # SQLAlchemy types a mapped class's __table__ as any FromClause; these are plain tables.
    if new_people:
        session.execute(insert(cast(Table, Person.__table__)), [
            {"id": p.id, "nhs_number": nhs, **person_names(p.given_name, p.family_name),
             "date_of_birth": p.date_of_birth, "version": p.version}
            for nhs, p in people.items() if not p.stored
        ])  # fmt: skip
    renamed = [p for p in people.values() if p.stored and p.renamed]
    if renamed:
        session.execute(
            update(Person.__table__).where(Person.__table__.c.id == bindparam("pid")),  # type: ignore[arg-type]
            [{"pid": p.id, **person_names(p.given_name, p.family_name), "version": p.version} for p in renamed],
        )  # fmt: skip
    if referrals:
        session.execute(insert(cast(Table, Referral.__table__)), referrals)
        session.execute(insert(cast(Table, StatusChange.__table__)), changes)
    record_events(session, events)
    return created, refused


def _audit_import(session: Session, actor: str, created: Sequence[CreatedReferral], *, skipped: int,
                  source_name: str = "") -> None:  # fmt: skip
    duplicates = sum(1 for item in created if item.is_duplicate)
    audit_import(session, actor, len(created), duplicates, skipped=skipped, source_name=source_name)


def audit_import(session: Session, actor: str, written: int, duplicates: int, *, skipped: int,
                 source_name: str = "") -> None:  # fmt: skip
    """The one audit event of an import, in its transaction: counts only (``source_name`` must not
    identify anyone)."""
    summary = f"imported {written} referrals ({duplicates} flagged as possible duplicates)"
    if skipped:
        summary += f"; {skipped} invalid rows skipped"
    record_event(session, actor=actor, entity_type="database", entity_id="referrals", action="import",
                 summary=summary + (f" from {source_name}" if source_name else ""))  # fmt: skip


def load_referral(session: Session, referral_id: str) -> Referral:
    """The referral, read afresh in the caller's transaction, or ``NotFoundError``. Checks no
    permission: the calling service has."""
    referral = session.get(Referral, referral_id, populate_existing=True)
    if referral is None:
        raise NotFoundError("no referral with that id")
    return referral


def get_referral(store: Store, user: User, referral_id: str) -> Referral:
    """Open a referral: the referral with its person, status history, GP practice, screenings and
    decisions loaded (detached: read its attributes freely; ``version`` is what ``update_referral``
    expects back). Checked (``view_referral``) and recorded as a view in the same transaction."""
    require(user, "view_referral", store=store)
    with store.write() as session:
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
        record_view(session, user, "referral", referral_id)
        return referral


def update_referral(store: Store, user: User, referral_id: str, expected_version: int, changes: ReferralUpdate) -> int:
    """Apply the fields set in ``changes``, audited by field. ``expected_version`` is the version the editor
    opened; if anyone saved since, ConflictError and nothing is written. An address left without its
    first line or postcode is InvalidInput, nothing written. Returns the new version."""
    require(user, "create_referral", store=store)
    fields = sorted(changes.model_fields_set)
    with store.write() as session:
        referral = load_referral(session, referral_id)
        if referral.version != expected_version:
            raise ConflictError()
        if "gp_practice_code" in fields:
            _known_practice(session, changes.gp_practice_code)
        changed = [f for f in fields if getattr(referral, f) != getattr(changes, f)]
        if not changed:
            return referral.version
        for field in changed:
            setattr(referral, field, getattr(changes, field))
        lines = (referral.address_line1, referral.address_line2, referral.address_line3)
        if problems := address_problems(lines, referral.postcode):  # the address as stored after the edit
            raise InvalidInput(problems)  # raised in the transaction: nothing is written
        if "referring_gp" in changed and referral.referring_gp and referral.letter_to_practice:
            referral.letter_to_practice, changed = False, [*changed, "letter_to_practice"]  # a GP named now
        referral.updated_at = utc_now()
        session.flush()  # UPDATE ... WHERE version = expected: a concurrent save makes this fail
        record_event(session, actor=user.username, entity_type="referral", entity_id=referral.id, action="update",
                     summary=describe_changes(changed))  # fmt: skip
        return referral.version


def move_to_status(session: Session, referral: Referral, status: ReferralStatus, actor: str) -> None:
    """Move ``referral`` along its lifecycle to ``status`` in the caller's transaction, if ``TRANSITIONS``
    allows it (else ``RefusedError``): dated, attributed to ``actor`` and audited. Checks no permission:
    the calling service has."""
    if status not in TRANSITIONS[referral.status]:  # type: ignore[index]
        raise RefusedError(f"a referral cannot go from {referral.status} to {status}")
    now = utc_now()
    referral.status, referral.updated_at = status, now
    if status == "contacted" and referral.first_contact_on is None:  # a screening call is contact made
        referral.first_contact_on = now.astimezone().date()
    session.add(StatusChange(referral_id=referral.id, status=status, changed_at=now, actor=actor))
    session.flush()
    record_event(session, actor=actor, entity_type="referral", entity_id=referral.id, action="update",
                 summary=f"status: {status}")  # fmt: skip
    if status == "closed":  # however it is closed, a closed referral leaves the meeting queue
        refresh_queue(session, referral, actor=actor)


def change_status(
    store: Store, user: User, referral_id: str, status: ReferralStatus, *, expected_version: int | None = None
) -> int:
    """Move a referral along its lifecycle (``TRANSITIONS``), dated and audited. Returns the new version."""
    require(user, "create_referral", store=store)
    with store.write() as session:
        referral = load_referral(session, referral_id)
        if expected_version is not None and referral.version != expected_version:
            raise ConflictError()
        move_to_status(session, referral, status, user.username)
        return referral.version


def delete_referral(store: Store, user: User, referral_id: str) -> None:
    """Always refused: clinical records are kept (close the referral instead). The attempt is audited,
    and the database's own trigger refuses a DELETE that bypasses this."""
    require(user, "create_referral", store=store)
    with store.write() as session:
        load_referral(session, referral_id)
        record_event(session, actor=user.username, entity_type="referral", entity_id=referral_id, action="attempted_deletion",
                     summary="deletion refused: clinical records are kept; close the referral instead")  # fmt: skip
    raise RefusedError("referrals cannot be deleted; close the referral instead (the attempt was recorded)")


def find_referrals(
    store: Store, user: User, *, nhs_number: str | None = None, family_name_prefix: str | None = None, open_only: bool = False,
    limit: int = 200,
) -> list[Referral]:  # fmt: skip
    """Referrals by exact NHS number and/or family-name prefix (case-insensitive), newest first, with
    their person loaded. Checked (``search``) and recorded as a search (the count only)."""
    require(user, "search", store=store)
    query = select(Referral).join(Referral.person).options(selectinload(Referral.person))
    if nhs_number is not None:
        query = query.where(Person.nhs_number == nhs_number.replace(" ", "").replace("-", ""))
    if family_name_prefix:
        prefix = family_name_prefix.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Person.name_key.like(prefix + "%", escape="\\"))
    if open_only:
        query = query.where(Referral.status.in_(OPEN_STATUSES))
    query = query.order_by(Referral.received_on.desc(), Referral.id).limit(limit)
    with store.write() as session:
        found = list(session.scalars(query))
        record_search(session, user, len(found))
        return found


def person_history(store: Store, user: User, person_id: str) -> list[HistoryEntry]:
    """Every referral of the person, oldest first, with its latest confirmed route and any return
    from another service: the IAPT <-> CMHT "ping-pong" made visible. Checked (``view_referral``)
    and recorded as a view of the person."""
    require(user, "view_referral", store=store)
    with store.write() as session:
        record_view(session, user, "person", person_id)
        referrals = session.scalars(
            select(Referral)
            .where(Referral.person_id == person_id)
            .options(selectinload(Referral.decisions))
            .order_by(Referral.received_on, Referral.created_at)
        ).all()
        return [history_entry(referral) for referral in referrals]


def history_entry(referral: Referral) -> HistoryEntry:
    """``referral`` (its decisions loaded) as a line of its person's history."""
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
