"""The kinds of medically unexplained symptoms ticked on the screening form, kept with the screening
(``screening.mus_kinds``, a JSON list of the names offered in resources/conditions.yaml). Before this
revision they were dropped on save (live-call issue, defect 7; HAZ-014).

Screenings stored before it get an empty list: what was ticked then was never stored and cannot be
recovered. SQLite gets the column through ``ALTER TABLE ... ADD COLUMN`` with a default, never a batch
rebuild: rebuilding ``screening`` would drop its guard trigger and trip the decisions' foreign keys.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.types import JsonDoc

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("screening", sa.Column("mus_kinds", JsonDoc, nullable=False, server_default=sa.text("'[]'")))
    else:
        op.execute("ALTER TABLE screening ADD COLUMN mus_kinds JSON NOT NULL DEFAULT '[]'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("screening", "mus_kinds")
    else:
        # SQLite (3.35+) drops a column that no index, constraint or trigger names, without a rebuild.
        op.execute("ALTER TABLE screening DROP COLUMN mus_kinds")
