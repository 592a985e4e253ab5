"""The admin's view of the audit trail: filtered pages of it, newest first, and its CSV export (the
``audit_view`` permission). No Qt.

``triage.store.audit`` writes the trail (append-only and hash-chained); this reads it for a person.
Looking is itself audited: each page viewed and each export is recorded as an event of its own. The
CSV quotes any cell a spreadsheet would run as a formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import func, select

from triage.services.permissions import User, require
from triage.services.spreadsheet_csv import SpreadsheetWriter
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.models import AuditEvent


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    summary: str


def _audit_query(actor: str | None, action: str | None, entity_type: str | None,
                 since: datetime | None, until: datetime | None) -> Any:  # fmt: skip
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    return query


def audit_events(
    store: Store, user: User, *, actor: str | None = None, action: str | None = None,
    entity_type: str | None = None, since: datetime | None = None, until: datetime | None = None,
    limit: int = 100, offset: int = 0,
) -> tuple[list[AuditRow], int]:  # fmt: skip
    """One page of the trail, newest first, and the total matching; ``audit_view`` only; audited."""
    require(user, "audit_view", store=store)
    query = _audit_query(actor, action, entity_type, since, until)
    with store.write() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        events = session.scalars(query.order_by(AuditEvent.id.desc()).limit(max(1, min(limit, 10_000)))
                                 .offset(max(0, offset))).all()  # fmt: skip
        rows = [_row(e) for e in events]
        record_event(session, actor=user.username, entity_type="audit_trail", entity_id="*", action="view",
                     summary=f"viewed {len(rows)} of {total} audit events")  # fmt: skip
    return rows, int(total)


def export_audit_csv(
    store: Store, user: User, stream: TextIO, *, actor: str | None = None, action: str | None = None,
    entity_type: str | None = None, since: datetime | None = None, until: datetime | None = None,
) -> int:  # fmt: skip
    """The filtered trail as CSV (oldest first); ``audit_view`` only; the export is audited."""
    require(user, "audit_view", store=store)
    writer = SpreadsheetWriter(stream, ["id", "occurred_at", "actor", "action", "entity_type", "entity_id", "summary"])
    count = 0
    with store.read() as session:
        for event in session.scalars(_audit_query(actor, action, entity_type, since, until).order_by(AuditEvent.id)):
            r = _row(event)
            writer.row([r.id, r.occurred_at.isoformat(), r.actor, r.action, r.entity_type, r.entity_id, r.summary])
            count += 1
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="audit_trail", entity_id="*", action="export",
                     summary=f"exported {count} audit events (csv)")  # fmt: skip
    return count


def _row(event: AuditEvent) -> AuditRow:
    return AuditRow(event.id, event.occurred_at, event.actor, event.action, event.entity_type, event.entity_id,
                    event.summary)  # fmt: skip
