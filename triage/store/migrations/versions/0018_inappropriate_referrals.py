"""The inappropriate-referral flag (issue 15, item 6; requirements.md 9.37; docs/journey.md):

- ``referral.inappropriate_reason``: why the referral was not one for this service, a closed
  vocabulary (CHECK), NULL when not flagged;
- ``referral.inappropriate_referrer``: who made it (the GP, practice or partner the service feeds back
  to), set exactly when the reason is (CHECK);
- ``referral.inappropriate_note`` (free text, never audited) and ``referral.inappropriate_by`` (the
  account that flagged it).

Every existing referral is kept, unflagged. SQLite gets the columns through ``ALTER TABLE ... ADD
COLUMN``, never a batch rebuild (rebuilding ``referral`` would drop its guard trigger), as in 0012; the
pairing CHECK rides on the referrer's column there (SQLite lets a column's CHECK name another column).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Repeated, not imported: a migration keeps meaning what it meant when it was written.
REASONS = (
    "substance_dependency", "needs_secondary_care", "outside_remit", "not_consented", "missing_information", "other"
)  # fmt: skip
COLUMNS = ("inappropriate_reason", "inappropriate_referrer", "inappropriate_note", "inappropriate_by")
REASON_CHECK = "inappropriate_reason IS NULL OR inappropriate_reason IN ({})".format(
    ", ".join(repr(r) for r in REASONS)
)
PAIRED = "(inappropriate_reason IS NULL) = (inappropriate_referrer IS NULL)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("referral", sa.Column("inappropriate_reason", sa.String(30), nullable=True))
        op.add_column("referral", sa.Column("inappropriate_referrer", sa.String(100), nullable=True))
        op.add_column("referral", sa.Column("inappropriate_note", sa.Text(), nullable=True))
        op.add_column("referral", sa.Column("inappropriate_by", sa.String(100), nullable=True))
        op.create_check_constraint(op.f("ck_referral_inappropriate_reason"), "referral", REASON_CHECK)
        op.create_check_constraint(op.f("ck_referral_inappropriate_referrer"), "referral", PAIRED)
        return
    op.execute(f"ALTER TABLE referral ADD COLUMN inappropriate_reason VARCHAR(30) "
               f"CONSTRAINT ck_referral_inappropriate_reason CHECK ({REASON_CHECK})")  # fmt: skip
    op.execute(f"ALTER TABLE referral ADD COLUMN inappropriate_referrer VARCHAR(100) "
               f"CONSTRAINT ck_referral_inappropriate_referrer CHECK ({PAIRED})")  # fmt: skip
    op.execute("ALTER TABLE referral ADD COLUMN inappropriate_note TEXT")
    op.execute("ALTER TABLE referral ADD COLUMN inappropriate_by VARCHAR(100)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_referral_inappropriate_referrer"), "referral", type_="check")
        op.drop_constraint(op.f("ck_referral_inappropriate_reason"), "referral", type_="check")
        for name in COLUMNS:
            op.drop_column("referral", name)
        return
    for name in reversed(COLUMNS):  # the referrer's CHECK names the reason: it goes first
        op.execute(f"ALTER TABLE referral DROP COLUMN {name}")
