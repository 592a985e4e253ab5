"""``verify_database``: is the store sound? SQLCipher's check of every page, the database's own integrity
check, the schema revision, the append-only guards, the audit chain, every referral having its creation
audited, and the audit trail still reaching the newest change this computer committed (triage.store.tamper)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from triage.store.audit import verify_audit_chain
from triage.store.database import Store, alembic_config, schema_revision
from triage.store.models import AuditEvent, Referral
from triage.store.tamper import damage_problems

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
SIGNING_SINCE = "0007"  # the revision that added the audit trail's signatures (triage.store.signing)
# Which revision installed which guards: a database at an older revision is checked for its own.
GUARDS_SINCE = {
    "0002": GUARD_TRIGGERS,
    "0004": ("letter_no_update", "letter_no_delete"),
    "0007": ("audit_countersign_no_update", "audit_countersign_no_delete", "audit_key_no_delete"),
    "0012": ("contact_event_no_update", "contact_event_no_delete"),
    "0020": ("person_merge_no_delete", "person_merge_undone_no_update"),
}


def verify_database(store: Store, *, older_schema_ok: bool = False) -> list[str]:
    """Every problem found, as identifier-free sentences; an empty list means the store is sound.

    ``older_schema_ok``: a database at an older revision this version knows (a backup from before an
    upgrade) is checked as that revision wrote it, instead of being reported for its revision; the
    caller migrates it afterwards. A newer or unknown revision is always a problem."""
    known = known_revisions()
    revision, head = schema_revision(store.engine), known[-1]
    if revision != head and not (older_schema_ok and revision in known):
        return [f"the schema is at revision {revision or 'none'}, expected {head}"]
    damage = damage_problems(store._guard.path, store._key)
    if damage:  # SQLite's own checks would stop at the first damaged page with an error
        return damage
    with store.read() as session:
        problems = _sqlite_checks(session) if store.dialect == "sqlite" else []
        problems += store._guard.lost_changes(session.connection())
        expected = [g for r in known[: known.index(revision) + 1] for g in GUARDS_SINCE.get(r, ())]
        problems += _missing_guards(session, store.dialect, expected)
        problems += verify_audit_chain(session, signed=SIGNING_SINCE in known[: known.index(revision) + 1])
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


@lru_cache(maxsize=1)
def known_revisions() -> tuple[str, ...]:
    """This version's schema revisions, oldest first (read once: they ship with the code)."""
    from alembic.script import ScriptDirectory  # only when verifying, never at a normal start

    script = ScriptDirectory.from_config(alembic_config())
    return tuple(rev.revision for rev in reversed(list(script.walk_revisions())))


def _missing_guards(session: Session, dialect: str, expected: list[str]) -> list[str]:
    if dialect == "sqlite":
        query = text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        query = text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    present = {row[0] for row in session.execute(query)}
    return [f"the database guard {name} is missing (dropped behind the application's back)"
            for name in expected if name not in present]  # fmt: skip


def _unaudited_referrals(session: Session) -> list[str]:
    audited = exists().where(
        AuditEvent.entity_type == "referral", AuditEvent.entity_id == Referral.id, AuditEvent.action == "create"
    )
    count = session.scalar(select(func.count()).select_from(Referral).where(~audited)) or 0
    if count:
        return [f"{count} referrals have no creation event in the audit trail (written behind the application's back)"]
    return []
