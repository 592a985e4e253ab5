"""Accounts: ``user_account`` (username, role, argon2id password hash, failed logins, lockout,
created/disabled), ``store_identity`` (the id binding a local store to its key file), and the audit
trail's vocabulary widened for access events (view, search, print, login, lock...) and the
``user_account`` and ``audit_trail`` entities.

Widening a CHECK constraint: PostgreSQL drops and re-adds it. SQLite cannot alter a constraint, so
``audit_event`` is rebuilt the way sqlite.org/lang_altertable.html prescribes: a new table from the
old one's own CREATE statement with the new CHECK text, the rows copied, the old table dropped, the
new one renamed, and its indexes and (append-only guard) triggers re-created from their own SQL.
It all runs in the migration's one transaction.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Repeated, not imported: a migration keeps meaning what it meant when it was written.
OLD_ACTIONS = ("create", "update", "decision", "letter", "import", "export", "attempted_deletion", "delete")
NEW_ACTIONS = OLD_ACTIONS + (
    "view", "search", "print", "login", "login_failed", "logout", "lock", "unlock", "account_locked",
    "account_unlocked", "password_change", "permission_denied",
)  # fmt: skip
OLD_ENTITIES = ("referral", "person", "screening", "decision", "draft", "gp_practice", "database")
NEW_ENTITIES = OLD_ENTITIES + ("user_account", "audit_trail")
ROLES = ("pwp", "team_leader", "admin")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("disabled_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(_in("role", ROLES), name=op.f("ck_user_account_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "store_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("database_id", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_store_identity_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_identity")),
    )
    _audit_checks(NEW_ACTIONS, NEW_ENTITIES, OLD_ACTIONS, OLD_ENTITIES)


def downgrade() -> None:
    _audit_checks(OLD_ACTIONS, OLD_ENTITIES, NEW_ACTIONS, NEW_ENTITIES)
    op.drop_table("store_identity")
    op.drop_table("user_account")


def _audit_checks(actions: tuple[str, ...], entities: tuple[str, ...],
                  old_actions: tuple[str, ...], old_entities: tuple[str, ...]) -> None:  # fmt: skip
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, check in (("action", _in("action", actions)), ("entity_type", _in("entity_type", entities))):
            op.execute(f"ALTER TABLE audit_event DROP CONSTRAINT ck_audit_event_{name}")
            op.execute(f"ALTER TABLE audit_event ADD CONSTRAINT ck_audit_event_{name} CHECK ({check})")
        return
    create = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit_event'"
    ).scalar_one()
    extras = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'audit_event' AND type IN ('index', 'trigger') AND sql IS NOT NULL"
    ).scalars().all()  # fmt: skip
    replaced = create
    for column, old, new in (("action", old_actions, actions), ("entity_type", old_entities, entities)):
        before = _in(column, old)
        if before not in replaced:
            raise RuntimeError(f"audit_event's CHECK on {column} is not the one this migration expects")
        replaced = replaced.replace(before, _in(column, new))
    head, sep, rest = replaced.partition("audit_event")
    if not sep:
        raise RuntimeError("unexpected audit_event definition")
    op.execute(head + "audit_event_rebuilt" + rest)
    op.execute("INSERT INTO audit_event_rebuilt SELECT * FROM audit_event")
    op.execute("DROP TABLE audit_event")  # drops its indexes and triggers: re-created below
    op.execute("ALTER TABLE audit_event_rebuilt RENAME TO audit_event")
    for statement in extras:
        op.execute(statement)
