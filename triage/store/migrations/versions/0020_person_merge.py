"""Two records of one person merged by a team leader, and the merge undone (issue 15, item 9):

- ``person_merge``: the person kept, the person merged into it, the referrals moved (a JSON list of
  ids, which an undo moves back), the reason (a category, checked, and the words typed), who and when,
  and, once, who undid it, when and why. Never deleted (``person_merge_no_delete``, and TRUNCATE on
  PostgreSQL); once undone, never changed again (``person_merge_undone_no_update``);
- ``person.merged_into_id``: the person a record was merged into, NULL for every person stored
  before this revision. The merged person's row is kept, so the merge can be undone.

SQLite gets the column through ``ALTER TABLE ... ADD COLUMN`` with its foreign key (a batch rebuild
would drop the person table's triggers), and the downgrade removes the foreign key clause from the
stored definition before dropping the column, as 0016 does: SQLite refuses to drop a column a foreign
key names. The downgrade refuses while a merge is in place (a person's referrals would be left with
the record they were moved to, with nothing to say so).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.migrations.sqlite_schema import edit_sqlite_tables
from triage.store.types import JsonDoc, UtcDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# Repeated, not imported: a migration keeps meaning what it meant when it was written.
REASONS = ("confirmed_with_person", "gp_record", "nhs_number_mistyped", "other")
TABLE = "person_merge"
COLUMN = ("merged_into_id", "VARCHAR(36)", "CONSTRAINT fk_person_merged_into_id_person REFERENCES person (id)")
UNDONE = "(undone_at IS NULL) = (undone_by IS NULL) AND (undone_at IS NULL) = (undo_reason IS NULL)"
# (trigger, operation, the WHEN condition or None: refused outright)
GUARDS = ((f"{TABLE}_no_delete", "DELETE", None), (f"{TABLE}_undone_no_update", "UPDATE", "OLD.undone_at IS NOT NULL"))


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.add_column("person", sa.Column("merged_into_id", sa.String(length=36), nullable=True))
        op.create_foreign_key(op.f("fk_person_merged_into_id_person"), "person", "person", ["merged_into_id"], ["id"])
    else:
        column, type_, key = COLUMN
        op.execute(f"ALTER TABLE person ADD COLUMN {column} {type_} {key}")
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kept_person_id", sa.String(length=36), nullable=False),
        sa.Column("merged_person_id", sa.String(length=36), nullable=False),
        sa.Column("referral_ids", JsonDoc, nullable=False),
        sa.Column("reason_category", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("merged_by", sa.String(length=100), nullable=False),
        sa.Column("merged_at", UtcDateTime(), nullable=False),
        sa.Column("undone_by", sa.String(length=100), nullable=True),
        sa.Column("undone_at", UtcDateTime(), nullable=True),
        sa.Column("undo_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(_in("reason_category", REASONS), name=op.f(f"ck_{TABLE}_reason_category")),
        sa.CheckConstraint("kept_person_id <> merged_person_id", name=op.f(f"ck_{TABLE}_two_people")),
        sa.CheckConstraint(UNDONE, name=op.f(f"ck_{TABLE}_undone")),
        sa.ForeignKeyConstraint(["kept_person_id"], ["person.id"], name=op.f(f"fk_{TABLE}_kept_person_id_person")),
        sa.ForeignKeyConstraint(["merged_person_id"], ["person.id"], name=op.f(f"fk_{TABLE}_merged_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_index(op.f(f"ix_{TABLE}_kept_person_id"), TABLE, ["kept_person_id"])
    op.create_index(op.f(f"ix_{TABLE}_merged_person_id"), TABLE, ["merged_person_id"])
    for name, operation, when in GUARDS:
        if postgresql:  # triage_refuse() is 0002's trigger function
            condition = f" WHEN ({when})" if when else ""
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {TABLE} FOR EACH ROW{condition} "
                       "EXECUTE FUNCTION triage_refuse()")  # fmt: skip
        else:
            condition = f" WHEN {when}" if when else ""
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {TABLE}{condition} "
                       f"BEGIN SELECT RAISE(ABORT, '{TABLE}: {operation} refused (never deleted; undone once)'); END")  # fmt: skip
    if postgresql:
        op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION triage_refuse()")  # fmt: skip


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM person WHERE merged_into_id IS NOT NULL")).scalar():
        raise RuntimeError("person_merge: a merge is in place; undo it before going back to 0017")
    # Dropping the table drops its triggers on both databases.
    op.drop_index(op.f(f"ix_{TABLE}_merged_person_id"), table_name=TABLE)
    op.drop_index(op.f(f"ix_{TABLE}_kept_person_id"), table_name=TABLE)
    op.drop_table(TABLE)
    if bind.dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_person_merged_into_id_person"), "person", type_="foreignkey")
        op.drop_column("person", "merged_into_id")
    else:
        column, type_, key = COLUMN
        edit_sqlite_tables([("person", f"{column} {type_} {key}", f"{column} {type_}")])
        op.execute(f"ALTER TABLE person DROP COLUMN {column}")
