"""The assessment's missing content (issue 15, item 7), kept with each screening:

- ``screening.secondary_descriptors``: the other problems beside the main one (a JSON list of codes);
- ``screening.discuss_in_supervision``: the screen is to be discussed in supervision, at any risk level;
- ``screening.assessment``: access needs, work and social circumstances, the patient's goals and the
  choice record (a JSON object, services.assessment.Assessment); protective factors as present / some /
  none-minimal go in the existing ``risk_details`` object (``protective_level``), so need no column.

Screenings stored before this revision get none of them recorded (an empty list, not flagged, an empty
object): nothing was asked then, and nothing is made up now. SQLite gets the columns through
``ALTER TABLE ... ADD COLUMN`` with defaults, never a batch rebuild: rebuilding ``screening`` would drop
its guard trigger and trip the decisions' foreign keys (as in 0006).

Revision ID: 0014
Revises: 0009 (the merger re-chains it after 0010-0013)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.types import JsonDoc

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ("secondary_descriptors", "discuss_in_supervision", "assessment")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("screening", sa.Column("secondary_descriptors", JsonDoc, nullable=False,
                                             server_default=sa.text("'[]'")))  # fmt: skip
        op.add_column("screening", sa.Column("discuss_in_supervision", sa.Boolean(), nullable=False,
                                             server_default=sa.false()))  # fmt: skip
        op.add_column("screening", sa.Column("assessment", JsonDoc, nullable=False, server_default=sa.text("'{}'")))
    else:
        op.execute("ALTER TABLE screening ADD COLUMN secondary_descriptors JSON NOT NULL DEFAULT '[]'")
        op.execute("ALTER TABLE screening ADD COLUMN discuss_in_supervision BOOLEAN NOT NULL DEFAULT 0")
        op.execute("ALTER TABLE screening ADD COLUMN assessment JSON NOT NULL DEFAULT '{}'")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in reversed(COLUMNS):
        if postgresql:
            op.drop_column("screening", name)
        else:
            # SQLite (3.35+) drops a column that no index, constraint or trigger names, without a rebuild.
            op.execute(f"ALTER TABLE screening DROP COLUMN {name}")
