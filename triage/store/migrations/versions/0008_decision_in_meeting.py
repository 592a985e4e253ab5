"""Whether a decision was taken in the referral meeting (``decision.in_meeting``), kept with the
decision. Before this revision it was said only in the audit trail's summary, and the patient copy
claimed "our team talked about your situation together" for every override instead (issue 14, item 3).

Decisions stored before it read false: the audit trail still says which were taken in the meeting.
SQLite gets the column through ``ALTER TABLE ... ADD COLUMN`` with a default, never a batch rebuild
(rebuilding ``decision`` would drop its guard trigger), as in 0006.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("decision", sa.Column("in_meeting", sa.Boolean(), nullable=False, server_default=sa.false()))
    else:
        op.execute("ALTER TABLE decision ADD COLUMN in_meeting BOOLEAN NOT NULL DEFAULT 0")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("decision", "in_meeting")
    else:
        op.execute("ALTER TABLE decision DROP COLUMN in_meeting")
