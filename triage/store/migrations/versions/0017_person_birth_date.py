"""The referral list finds a person by their date of birth (issue 15, item 5): an index on
``person.date_of_birth``, so a search by a date typed on a call reads the matches, not every person.

Only an index: every row is kept as it was, and the downgrade drops it.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_person_date_of_birth", "person", ["date_of_birth"])


def downgrade() -> None:
    op.drop_index("ix_person_date_of_birth", table_name="person")
