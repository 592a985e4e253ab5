"""Database-enforced guards: the audit trail is append-only, its head only moves forward, and clinical
records (people, referrals, status changes, screenings, decisions) are never deleted.

Triggers on both databases (SQLite: RAISE(ABORT); PostgreSQL: a PL/pgSQL function raising SQLSTATE
23000 so SQLAlchemy reports an IntegrityError either way). On PostgreSQL TRUNCATE is refused too.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_event",)
NEVER_DELETED = ("person", "referral", "referral_status_change", "screening", "decision")


def _triggers() -> list[tuple[str, str, str]]:
    """(trigger name, table, operation)."""
    rows = [(f"{table}_no_update", table, "UPDATE") for table in APPEND_ONLY]
    rows += [(f"{table}_no_delete", table, "DELETE") for table in APPEND_ONLY + NEVER_DELETED + ("audit_head",)]
    return rows


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_sqlite() -> None:
    for name, table, operation in _triggers():
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: {operation} refused (append-only or never deleted)'); END"
        )
    op.execute(
        "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
        "WHEN NEW.last_event_id <= OLD.last_event_id OR NEW.event_count <= OLD.event_count "
        "BEGIN SELECT RAISE(ABORT, 'audit_head: may only move forward'); END"
    )


def _upgrade_postgresql() -> None:
    op.execute(
        """
        CREATE FUNCTION triage_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%: % refused (append-only or never deleted)', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION triage_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.last_event_id <= OLD.last_event_id OR NEW.event_count <= OLD.event_count THEN
                RAISE EXCEPTION 'audit_head: may only move forward' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    for name, table, operation in _triggers():
        op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW EXECUTE FUNCTION triage_refuse()")
    for table in APPEND_ONLY + NEVER_DELETED + ("audit_head",):
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION triage_refuse()"
        )
    op.execute(
        "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
        "FOR EACH ROW EXECUTE FUNCTION triage_head_forward_only()"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    names = [(name, table) for name, table, _ in _triggers()] + [("audit_head_forward_only", "audit_head")]
    if postgresql:
        names += [(f"{table}_no_truncate", table) for table in APPEND_ONLY + NEVER_DELETED + ("audit_head",)]
    for name, table in names:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        op.execute("DROP FUNCTION triage_head_forward_only()")
        op.execute("DROP FUNCTION triage_refuse()")
