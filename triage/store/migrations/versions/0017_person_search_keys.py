"""The referral list finds a person by what a caller reads out (issue 15, item 5; docs/journey.md,
"The list"):

- ``person.given_key``: the given name case-folded, as ``name_key`` holds the family name, written
  with every name from now on and filled in here for every person already stored;
- ``ix_person_given_key`` on it (``varchar_pattern_ops`` on PostgreSQL, for LIKE 'prefix%'), so a
  search by a given name alone reads the matches, not every person;
- ``ix_person_date_of_birth``, so a search by a date of birth does the same.

Every row is kept; the downgrade drops the indexes and the column. SQLite gets the column through
``ALTER TABLE ... ADD COLUMN`` (NOT NULL with a default), never a batch rebuild, as in 0009.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.add_column("person", sa.Column("given_key", sa.String(100), nullable=False, server_default=""))
    _fill_given_keys()
    op.create_index("ix_person_given_key", "person", ["given_key"],
                    postgresql_ops={"given_key": "varchar_pattern_ops"})  # fmt: skip
    op.create_index("ix_person_date_of_birth", "person", ["date_of_birth"])


def _fill_given_keys() -> None:
    # Python's casefold, as the services write it (neither database's lower() folds "ß" or "İ" the same)
    connection = op.get_bind()
    person = sa.table("person", sa.column("id", sa.String), sa.column("given_name", sa.String),
                      sa.column("given_key", sa.String))  # fmt: skip
    rows = connection.execute(sa.select(person.c.id, person.c.given_name)).all()
    update = sa.update(person).where(person.c.id == sa.bindparam("pid")).values(given_key=sa.bindparam("key"))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        connection.execute(update, [{"pid": pid, "key": given.casefold()} for pid, given in chunk])


def downgrade() -> None:
    op.drop_index("ix_person_date_of_birth", table_name="person")
    op.drop_index("ix_person_given_key", table_name="person")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("person", "given_key")
    else:  # SQLite (3.35+) drops a column no index, constraint or trigger names, without a rebuild
        op.execute("ALTER TABLE person DROP COLUMN given_key")
