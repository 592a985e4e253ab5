"""Signed audit trail (issue 13 item 7): ``audit_key`` (each user's Ed25519 public key; on a
PostgreSQL team store also the private key, sealed under the user's password), ``audit_countersign``
(an admin's signature of the chain head at each admin login and each backup), and two columns on
``audit_event``: which key signed it and the signature. Events written before this revision have
neither and verify as "unsigned, before signing began".

Adding nullable columns is a plain ALTER TABLE on both databases (no table rebuild; the guard
triggers stay). The new tables get the same guards as the trail: countersignatures are never changed
or deleted, keys never deleted (old events are checked against them).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (trigger name, table, operation): repeated in triage/store/integrity.py's GUARDS_SINCE.
GUARDS = (
    ("audit_countersign_no_update", "audit_countersign", "UPDATE"),
    ("audit_countersign_no_delete", "audit_countersign", "DELETE"),
    ("audit_key_no_delete", "audit_key", "DELETE"),
)


def upgrade() -> None:
    op.create_table(
        "audit_key",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("retired_at", UtcDateTime(), nullable=True),
        sa.Column("sealed", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_audit_key")),
    )
    op.create_index("ix_audit_key_username", "audit_key", ["username"])
    op.create_table(
        "audit_countersign",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("signed_at", UtcDateTime(), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["audit_key.key_id"], name=op.f("fk_audit_countersign_key_id_audit_key")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_countersign")),
    )
    op.add_column("audit_event", sa.Column("signed_by", sa.String(length=32), nullable=True))
    op.add_column("audit_event", sa.Column("signature", sa.String(length=120), nullable=True))
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, operation in GUARDS:
        if postgresql:  # triage_refuse() is migration 0002's
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW EXECUTE FUNCTION triage_refuse()"
            )
        else:
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table}: {operation} refused (append-only or never deleted)'); END")  # fmt: skip


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, _ in GUARDS:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
    for column in ("signature", "signed_by"):  # SQLite 3.35+ drops a column in place: no rebuild, triggers kept
        op.execute(f"ALTER TABLE audit_event DROP COLUMN {column}")
    op.drop_table("audit_countersign")
    op.drop_index("ix_audit_key_username", table_name="audit_key")
    op.drop_table("audit_key")
