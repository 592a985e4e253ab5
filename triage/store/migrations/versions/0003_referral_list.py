"""The referral list: each referral's latest confirmed route and step kept on the referral itself
(``current_route``, ``current_step``; set by the decision in the same transaction), and the indexes
that let the desktop list sort and filter 100,000 referrals in the database.

The upgrade backfills the two columns from the decisions already stored (the latest by
``decided_at``, then id). SQLite gets the columns through ``ALTER TABLE ... ADD COLUMN`` with a column
CHECK constraint, never a batch table rebuild: rebuilding ``referral`` would drop its guard
triggers and trip the foreign keys that point at it.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROUTES = ("core_iapt", "integrated_iapt", "cmht", "crisis_team", "substance_misuse")
ROUTE_CHECK = "current_route IS NULL OR current_route IN (" + ", ".join(f"'{r}'" for r in ROUTES) + ")"
STEP_CHECK = "current_step IS NULL OR current_step IN (2, 3)"

# (name, table, columns). Each list order ends with the id so that a page is an index range scan
# (ORDER BY key, id) on both databases.
INDEXES = (
    ("ix_referral_received_on_id", "referral", ("received_on", "id")),
    ("ix_referral_status_id", "referral", ("status", "id")),
    ("ix_referral_route_id", "referral", ("current_route", "id")),
    ("ix_referral_person_id_id", "referral", ("person_id", "id")),
    ("ix_person_name_key_id", "person", ("name_key", "id")),
)

_LATEST = (
    "SELECT d.{column} FROM decision d WHERE d.referral_id = referral.id ORDER BY d.decided_at DESC, d.id DESC LIMIT 1"
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.add_column("referral", sa.Column("current_route", sa.String(length=30), nullable=True))
        op.add_column("referral", sa.Column("current_step", sa.Integer(), nullable=True))
        op.create_check_constraint(op.f("ck_referral_current_route"), "referral", ROUTE_CHECK)
        op.create_check_constraint(op.f("ck_referral_current_step"), "referral", STEP_CHECK)
    else:
        op.execute(f"ALTER TABLE referral ADD COLUMN current_route VARCHAR(30) "
                   f"CONSTRAINT ck_referral_current_route CHECK ({ROUTE_CHECK})")  # fmt: skip
        op.execute(f"ALTER TABLE referral ADD COLUMN current_step INTEGER "
                   f"CONSTRAINT ck_referral_current_step CHECK ({STEP_CHECK})")  # fmt: skip
    op.execute(
        f"UPDATE referral SET current_route = ({_LATEST.format(column='confirmed_route')}), "
        f"current_step = ({_LATEST.format(column='confirmed_step')}) "
        "WHERE EXISTS (SELECT 1 FROM decision d WHERE d.referral_id = referral.id)"
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns), unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_referral_current_step"), "referral", type_="check")
        op.drop_constraint(op.f("ck_referral_current_route"), "referral", type_="check")
        op.drop_column("referral", "current_step")
        op.drop_column("referral", "current_route")
    else:
        # SQLite (3.35+) drops a column whose only CHECK constraint is its own, without a rebuild.
        op.execute("ALTER TABLE referral DROP COLUMN current_step")
        op.execute("ALTER TABLE referral DROP COLUMN current_route")
