"""Letters: one row per letter event (generated, printed, saved), with the kind, the decision it was
built from, the PDF's sha256 and page count, who and when. Rows are never changed or deleted: the
same guard triggers as the other clinical records (``letter_no_update``, ``letter_no_delete``).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Repeated, not imported: a migration keeps meaning what it meant when it was written.
KINDS = ("gp", "patient", "referral-on")
EVENTS = ("generated", "printed", "saved")
GUARDS = (("letter_no_update", "UPDATE"), ("letter_no_delete", "DELETE"))


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "letter",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_letter_kind")),
        sa.CheckConstraint(_in("event", EVENTS), name=op.f("ck_letter_event")),
        sa.CheckConstraint("pages > 0", name=op.f("ck_letter_pages")),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name=op.f("fk_letter_referral_id_referral")),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], name=op.f("fk_letter_decision_id_decision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter")),
    )
    op.create_index(op.f("ix_letter_referral_id"), "letter", ["referral_id"], unique=False)
    op.create_index(op.f("ix_letter_decision_id"), "letter", ["decision_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # triage_refuse() is 0002's trigger function.
        for name, operation in GUARDS:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON letter FOR EACH ROW EXECUTE FUNCTION triage_refuse()"
            )
        op.execute("CREATE TRIGGER letter_no_truncate BEFORE TRUNCATE ON letter "
                   "FOR EACH STATEMENT EXECUTE FUNCTION triage_refuse()")  # fmt: skip
    else:
        for name, operation in GUARDS:
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON letter "
                       f"BEGIN SELECT RAISE(ABORT, 'letter: {operation} refused (never changed or deleted)'); END")  # fmt: skip


def downgrade() -> None:
    # Dropping the table drops its triggers on both databases.
    op.drop_index(op.f("ix_letter_decision_id"), table_name="letter")
    op.drop_index(op.f("ix_letter_referral_id"), table_name="letter")
    op.drop_table("letter")
