"""``verify_database``: is the store sound? The database's own integrity check, the schema revision,
the append-only guards, the audit chain, and every referral having its creation audited."""

from __future__ import annotations

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from triage.store.audit import verify_audit_chain
from triage.store.database import Store, head_revision, schema_revision
from triage.store.models import AuditEvent, Referral

# The triggers the newest migration installs (see migrations/versions/0002_guards.py).
GUARD_TRIGGERS = (
    "audit_event_no_update",
    "audit_event_no_delete",
    "audit_head_no_delete",
    "audit_head_forward_only",
    "person_no_delete",
    "referral_no_delete",
    "referral_status_change_no_delete",
    "screening_no_delete",
    "decision_no_delete",
)


def verify_database(store: Store) -> list[str]:
    """Every problem found, as identifier-free sentences; an empty list means the store is sound."""
    revision, head = schema_revision(store.engine), head_revision()
    if revision != head:
        return [f"the schema is at revision {revision or 'none'}, expected {head}"]
    with store.read() as session:
        problems = _sqlite_checks(session) if store.dialect == "sqlite" else []
        problems += _missing_guards(session, store.dialect)
        problems += verify_audit_chain(session)
        problems += _unaudited_referrals(session)
    return problems


def _sqlite_checks(session: Session) -> list[str]:
    problems = [f"integrity check: {row[0]}" for row in session.execute(text("PRAGMA integrity_check"))]
    if problems == ["integrity check: ok"]:
        problems = []
    broken: dict[str, int] = {}
    for row in session.execute(text("PRAGMA foreign_key_check")):
        broken[row[0]] = broken.get(row[0], 0) + 1
    problems += [f"table {table}: {count} rows refer to rows that do not exist" for table, count in broken.items()]
    return problems


def _missing_guards(session: Session, dialect: str) -> list[str]:
    if dialect == "sqlite":
        query = text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        query = text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    present = {row[0] for row in session.execute(query)}
    return [f"the database guard {name} is missing (dropped behind the application's back)"
            for name in GUARD_TRIGGERS if name not in present]  # fmt: skip


def _unaudited_referrals(session: Session) -> list[str]:
    audited = exists().where(
        AuditEvent.entity_type == "referral", AuditEvent.entity_id == Referral.id, AuditEvent.action == "create"
    )
    count = session.scalar(select(func.count()).select_from(Referral).where(~audited)) or 0
    if count:
        return [f"{count} referrals have no creation event in the audit trail (written behind the application's back)"]
    return []
