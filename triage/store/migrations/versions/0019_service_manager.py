"""The service manager (issue 17, item 1): a role that runs the reports and exports and neither screens
nor decides. ``user_account.role``'s CHECK list gains ``service_manager``; every account keeps its role.

PostgreSQL drops and adds the constraint. SQLite edits the table's stored definition in place
(``triage/store/migrations/sqlite_schema.py``): widening the list keeps every row valid. The downgrade
is refused while an account has the new role (it would break the old CHECK).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.migrations.sqlite_schema import edit_sqlite_tables

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Repeated, not imported: a migration keeps meaning what it meant when it was written.
OLD_ROLES = ("pwp", "team_leader", "admin")
NEW_ROLES = (*OLD_ROLES, "service_manager")


def _check(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{role}'" for role in roles) + ")"


def _change(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_user_account_role"), "user_account", type_="check")
        op.create_check_constraint(op.f("ck_user_account_role"), "user_account", _check(new))
    else:
        clause = "CONSTRAINT ck_user_account_role CHECK ({})"
        edit_sqlite_tables([("user_account", clause.format(_check(old)), clause.format(_check(new)))])


def upgrade() -> None:
    _change(OLD_ROLES, NEW_ROLES)


def downgrade() -> None:
    managers = op.get_bind().execute(sa.text("SELECT count(*) FROM user_account WHERE role = 'service_manager'"))
    if managers.scalar():
        raise RuntimeError("accounts have the service manager role; change their role before downgrading")
    _change(NEW_ROLES, OLD_ROLES)
