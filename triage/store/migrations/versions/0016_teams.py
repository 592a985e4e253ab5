"""Teams and the assigned clinician (issue 15 item 4; issue 16 item 7 scopes the meeting by them).

- ``team``: a code (2 to 20 of A-Z, 0-9 and hyphen, checked), a name and when it was made;
- ``team_member``: which accounts (by username) belong to which team; an account may be in several;
- ``referral.team_code``: the one team a referral belongs to, or NULL: the whole service's, as every
  referral stored before this revision is, so a service that never makes a team sees no change;
- ``referral.assigned_to``: the clinician (an account's username) the referral is assigned to, or NULL.

SQLite gets the referral's columns through ``ALTER TABLE ... ADD COLUMN`` with their foreign keys (a
batch rebuild would drop the referral table's triggers), and the downgrade removes the foreign key
clauses from the stored definition before dropping the columns, as 0015 does: SQLite refuses to drop a
column a foreign key names.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.migrations.sqlite_schema import edit_sqlite_tables
from triage.store.types import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# (column, its type, the SQLite column constraint naming its foreign key)
REFERRAL_KEYS = (
    ("team_code", "VARCHAR(20)", "CONSTRAINT fk_referral_team_code_team REFERENCES team (code)"),
    ("assigned_to", "VARCHAR(100)", "CONSTRAINT fk_referral_assigned_to_user_account REFERENCES user_account (username)"),
)  # fmt: skip
# Repeated, not imported: a migration keeps meaning what it meant when it was written.
# Both databases have ltrim(text, characters): nothing is left once every allowed character is trimmed.
CODE_CHECK = "length(code) BETWEEN 2 AND 20 AND ltrim(code, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-') = ''"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "team",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(CODE_CHECK, name=op.f("ck_team_code")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_team")),
    )
    op.create_table(
        "team_member",
        sa.Column("team_code", sa.String(length=20), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["team_code"], ["team.code"], name=op.f("fk_team_member_team_code_team")),
        sa.ForeignKeyConstraint(
            ["username"], ["user_account.username"], name=op.f("fk_team_member_username_user_account")
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("team_code", "username", name=op.f("pk_team_member")),
    )
    op.create_index("ix_team_member_username", "team_member", ["username"])
    if postgresql:
        op.add_column("referral", sa.Column("team_code", sa.String(length=20), nullable=True))
        op.add_column("referral", sa.Column("assigned_to", sa.String(length=100), nullable=True))
        op.create_foreign_key(op.f("fk_referral_team_code_team"), "referral", "team", ["team_code"], ["code"])
        op.create_foreign_key(op.f("fk_referral_assigned_to_user_account"), "referral", "user_account",
                              ["assigned_to"], ["username"])  # fmt: skip
    else:
        for column, type_, key in REFERRAL_KEYS:
            op.execute(f"ALTER TABLE referral ADD COLUMN {column} {type_} {key}")
    op.create_index("ix_referral_team_code", "referral", ["team_code"])
    op.create_index("ix_referral_assigned_to", "referral", ["assigned_to"])


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_referral_assigned_to", table_name="referral")
    op.drop_index("ix_referral_team_code", table_name="referral")
    if postgresql:
        op.drop_constraint(op.f("fk_referral_assigned_to_user_account"), "referral", type_="foreignkey")
        op.drop_constraint(op.f("fk_referral_team_code_team"), "referral", type_="foreignkey")
        op.drop_column("referral", "assigned_to")
        op.drop_column("referral", "team_code")
    else:
        edit_sqlite_tables(
            [("referral", f"{column} {type_} {key}", f"{column} {type_}") for column, type_, key in REFERRAL_KEYS]
        )
        for column, _, _ in reversed(REFERRAL_KEYS):
            op.execute(f"ALTER TABLE referral DROP COLUMN {column}")
    op.drop_index("ix_team_member_username", table_name="team_member")
    op.drop_table("team_member")
    op.drop_table("team")
