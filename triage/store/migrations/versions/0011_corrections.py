"""Corrections of a person's identifiers (issue 15, item 9): one row per identifier corrected, with
the value it had and the value given, the reason (a category and the words typed), who and when.
Rows are never changed or deleted: the same guard triggers as the other clinical records
(``identity_correction_no_update``, ``identity_correction_no_delete``).

Self-contained: it only adds a table, so it may be re-chained after any other revision.

Revision ID: 0011
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.types import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Repeated, not imported: a migration keeps meaning what it meant when it was written.
FIELDS = ("given_name", "family_name", "date_of_birth", "nhs_number")
REASONS = ("typing_error", "confirmed_with_person", "gp_record", "other")
TABLE = "identity_correction"
GUARDS = ((f"{TABLE}_no_update", "UPDATE"), (f"{TABLE}_no_delete", "DELETE"))


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.String(length=100), nullable=False),
        sa.Column("new_value", sa.String(length=100), nullable=False),
        sa.Column("reason_category", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("corrected_by", sa.String(length=100), nullable=False),
        sa.Column("corrected_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(_in("field", FIELDS), name=op.f(f"ck_{TABLE}_field")),
        sa.CheckConstraint(_in("reason_category", REASONS), name=op.f(f"ck_{TABLE}_reason_category")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f(f"fk_{TABLE}_person_id_person")),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name=op.f(f"fk_{TABLE}_referral_id_referral")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_index(op.f(f"ix_{TABLE}_person_id"), TABLE, ["person_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # triage_refuse() is 0002's trigger function.
        for name, operation in GUARDS:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {TABLE} FOR EACH ROW EXECUTE FUNCTION triage_refuse()"
            )
        op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION triage_refuse()")  # fmt: skip
    else:
        for name, operation in GUARDS:
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {TABLE} "
                       f"BEGIN SELECT RAISE(ABORT, '{TABLE}: {operation} refused (never changed or deleted)'); END")  # fmt: skip


def downgrade() -> None:
    # Dropping the table drops its triggers on both databases.
    op.drop_index(op.f(f"ix_{TABLE}_person_id"), table_name=TABLE)
    op.drop_table(TABLE)
