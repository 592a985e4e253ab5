"""The service's settings in the store (issue 14: "service settings belong to the service").

- ``service_setting``: one row per field of ``triage.settings.ServiceSettings`` that an admin has set
  (its canonical JSON); a field without a row reads its default, so adding a setting later is one
  field on the model and needs no migration;
- ``service_ruleset``: the text of each ruleset an admin put in force, keyed by its content hash, so
  every computer that opens the store routes by the same ruleset and old decisions replay under it.

A store coming from 0009 gets both tables empty: every computer reads the defaults until an admin
saves settings or imports a computer's old settings file (offered at an admin's first login there).
A computer's settings file cannot be seen from a migration, so nothing is copied here.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_setting",
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_setting")),
    )
    op.create_table(
        "service_ruleset",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("ruleset_id", sa.String(100), nullable=False),
        sa.Column("version", sa.String(60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_service_ruleset")),
    )


def downgrade() -> None:
    op.drop_table("service_ruleset")
    op.drop_table("service_setting")
