"""The audit trail: who did what to which record, when -- append-only, hash-chained and signed.

Each event stores ``hash = sha256(prev_hash + canonical content)``; ids are consecutive from 1 and
``audit_head`` holds the newest link, so changing, removing or cutting off events is detectable by
``verify_audit_chain`` even by someone who dropped the database's append-only triggers. Someone who
also recomputes the chain is caught by the signatures: each event is signed by the logged-in user's
key (``session.info[SIGNER_INFO]``, put there by ``Store.write``) and an admin countersigns the head
(``triage.store.signing``, checked by ``triage.store.signature_check``).

Summaries hold field names and counts, never values: the trail itself must hold no patient data.
Appends are serialised: SQLite write transactions are ``BEGIN IMMEDIATE``; on PostgreSQL a
transaction-scoped advisory lock (the store's write lock) is held before the head is read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC
from typing import cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session, defer

from triage.store.database import SIGNER_INFO, WRITE_LOCK_KEY
from triage.store.models import GENESIS_HASH, AuditEvent, AuditHead
from triage.store.signature_check import SignatureCheck
from triage.store.signing import Signer, sign_events
from triage.store.types import utc_now
from triage.store.vocabulary import AUDIT_ACTIONS, ENTITY_TYPES, AuditAction, EntityType


def describe_changes(fields: Iterable[str]) -> str:
    """An audit summary naming the changed fields (names only, never values)."""
    names = sorted(set(fields))
    return "changed: " + ", ".join(names) if names else "no fields changed"


def record_event(
    session: Session,
    *,
    actor: str,
    entity_type: EntityType,
    entity_id: str,
    action: AuditAction,
    summary: str,
) -> AuditEvent:
    """Append one event in the caller's transaction (so it commits or rolls back with the change it
    describes). ``summary`` must not contain patient identifiers: build it from field names."""
    return record_events(session, [(actor, entity_type, entity_id, action, summary)])[-1]


def record_events(
    session: Session, events: Sequence[tuple[str, EntityType, str, AuditAction, str]]
) -> list[AuditEvent]:
    """Append many events at once, in order, in the caller's transaction: (actor, entity type, entity
    id, action, summary) each. The same chain as ``record_event`` one by one, written with one
    multi-row INSERT (a 100,000-row import would otherwise spend most of its time here), and signed
    with one signature when the session has a signer. Returns the events written (not in the session)."""
    if not events:
        return []
    for actor, entity_type, _, action, _ in events:
        if action not in AUDIT_ACTIONS or entity_type not in ENTITY_TYPES:
            raise ValueError("unknown audit action or entity type")
        if not actor.strip():
            raise ValueError("an audit event needs an actor")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
    session.flush()
    head = session.execute(select(AuditHead).execution_options(populate_existing=True)).scalar_one_or_none()
    next_id, prev_hash = (head.last_event_id + 1, head.last_hash) if head else (1, GENESIS_HASH)
    moment, made, contents = utc_now(), [], []
    for actor, entity_type, entity_id, action, summary in events:
        event = AuditEvent(id=next_id, occurred_at=moment, actor=actor, entity_type=entity_type,
                           entity_id=entity_id, action=action, summary=summary, prev_hash=prev_hash)  # fmt: skip
        contents.append(canonical_content(event))
        event.hash = prev_hash = _link(prev_hash, contents[-1])
        made.append(event)
        next_id += 1
    signer: Signer | None = session.info.get(SIGNER_INFO)
    columns = _EVENT_COLUMNS
    if signer is not None:  # one signature over the lot: ~0.1 ms per signature would add 10 s to 100,000 rows
        sign_events(signer, made, contents)
        columns += ("signed_by", "signature")  # unsigned, the columns are left out: a store older than 0007 has none
    rows = [{c: getattr(event, c) for c in columns} for event in made]
    # A Core insert of the table, not an ORM one. A declarative class's __table__ is a Table; SQLAlchemy types it
    # as the wider FromClause, which insert() does not take.
    session.execute(insert(cast(Table, AuditEvent.__table__)), rows)
    last_id, count = next_id - 1, len(rows)
    if head is None:
        session.add(AuditHead(id=1, last_event_id=last_id, last_hash=prev_hash, event_count=count))
    else:
        head.last_event_id, head.last_hash, head.event_count = last_id, prev_hash, head.event_count + count
    session.flush()
    return made


_EVENT_COLUMNS: tuple[str, ...] = ("id", "occurred_at", "actor", "entity_type", "entity_id", "action", "summary",
                                   "prev_hash", "hash")  # fmt: skip


def canonical_content(event: AuditEvent) -> str:
    moment = event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = [event.id, moment, event.actor, event.entity_type, event.entity_id, event.action, event.summary]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return _link(prev_hash, canonical_content(event))


def _link(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def verify_audit_chain(session: Session, *, signed: bool = True) -> list[str]:
    """Every way the trail differs from what the application wrote; empty when it is intact.
    ``signed=False``: a database older than signing (revision 0007), checked as it was written."""
    problems: list[str] = []
    expected_id, prev_hash, count = 1, GENESIS_HASH, 0
    last: AuditEvent | None = None
    signatures = SignatureCheck(session) if signed else None
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)
    if not signed:
        query = query.options(defer(AuditEvent.signed_by, raiseload=True), defer(AuditEvent.signature, raiseload=True))
    events = session.execute(query)
    for event in events.scalars():
        count += 1
        if event.id != expected_id:
            problems.append(f"audit events {expected_id}-{event.id - 1} are missing (deleted)")
        if event.prev_hash != prev_hash:
            problems.append(f"audit event {event.id}: does not follow the event before it (the chain is broken)")
        content = canonical_content(event)
        if _link(event.prev_hash, content) != event.hash:
            problems.append(f"audit event {event.id}: its content does not match its hash (changed after writing)")
        if signatures is not None:
            signatures.add(event, content)
        expected_id, prev_hash, last = event.id + 1, event.hash, event
    if signatures is not None:
        problems += signatures.problems()
    head = session.get(AuditHead, 1)
    if head is None:
        if last is not None:
            problems.append("the audit trail's head record is missing")
        return problems
    if last is None or head.last_event_id != last.id or head.last_hash != last.hash:
        problems.append(
            f"the audit trail ends at event {last.id if last else 0} but its head records event "
            f"{head.last_event_id}: events were removed from the end or the head was altered"
        )
    if head.event_count != count:
        problems.append(f"the audit trail has {count} events but its head counts {head.event_count}")
    return problems


def events_for(session: Session, entity_type: EntityType, entity_id: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
    return list(session.scalars(query.order_by(AuditEvent.id)))
