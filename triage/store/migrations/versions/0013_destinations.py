"""Outcomes other than a route (issue 15, item 2): a decision may confirm a discharge back to the GP
(not suitable, no contact, declined) or a local refer-on service, listed in the ruleset. The fixed
CHECK lists on ``decision.confirmed_route`` and ``referral.current_route`` become foreign keys to a new
``destination`` table, which the decision service fills from the ruleset in force: the store follows
the ruleset, not a list in the code. ``decision.outcome_criterion`` keeps the ruleset's criterion that
applied (e.g. why a person is not suitable). ``recommended_route`` keeps its CHECK: the matrix only
ever recommends one of its five routes. ``decision.return_rationale`` keeps why the matrix points again
to a service that returned this person before (the ping-pong record, issue 15 item 6).

The table starts with the five matrix routes, so every decision already stored names a row.
PostgreSQL drops and adds constraints. SQLite cannot drop a CHECK without rebuilding the table, so its
stored table definitions are edited in place (``triage/store/migrations/sqlite_schema.py`` says why and
how), then the foreign keys are checked.

Revision ID: 0013
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.migrations.sqlite_schema import edit_sqlite_tables

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ROUTES = ("core_iapt", "integrated_iapt", "cmht", "crisis_team", "substance_misuse")
# As doncaster-2007 labels them; the decision service updates a label from the ruleset in force.
LABELS = {
    "core_iapt": "Core IAPT",
    "integrated_iapt": "Integrated IAPT (long-term conditions and medically unexplained symptoms)",
    "cmht": "DaSH CMHT",
    "crisis_team": "DaSH CRHTT",
    "substance_misuse": "DaSH Substance Misuse Services",
}
_IN = "IN (" + ", ".join(f"'{r}'" for r in ROUTES) + ")"
# (table, the CHECK clause as 0001 and 0003 wrote it, the foreign key clause that replaces it)
SQLITE_EDITS = (
    (
        "decision",
        f"CONSTRAINT ck_decision_confirmed_route CHECK (confirmed_route {_IN})",
        "CONSTRAINT fk_decision_confirmed_route_destination FOREIGN KEY(confirmed_route) REFERENCES destination (code)",
    ),
    (
        "referral",
        f"CONSTRAINT ck_referral_current_route CHECK (current_route IS NULL OR current_route {_IN})",
        "CONSTRAINT fk_referral_current_route_destination REFERENCES destination (code)",
    ),
)
# (foreign key, table, column, old check name, old check text)
POSTGRESQL_KEYS = (
    ("fk_decision_confirmed_route_destination", "decision", "confirmed_route", "ck_decision_confirmed_route",
     f"confirmed_route {_IN}"),
    ("fk_referral_current_route_destination", "referral", "current_route", "ck_referral_current_route",
     f"current_route IS NULL OR current_route {_IN}"),
)  # fmt: skip


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    destination = op.create_table(
        "destination",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('route', 'refer_on', 'discharge')", name=op.f("ck_destination_kind")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_destination")),
    )
    op.bulk_insert(destination, [{"code": r, "kind": "route", "label": LABELS[r]} for r in ROUTES])
    if postgresql:
        for key, table, column, check, _ in POSTGRESQL_KEYS:
            op.drop_constraint(op.f(check), table, type_="check")
            op.create_foreign_key(op.f(key), table, "destination", [column], ["code"])
        op.add_column("decision", sa.Column("outcome_criterion", sa.String(length=40), nullable=True))
        op.add_column("decision", sa.Column("return_rationale", sa.Text(), nullable=True))
    else:
        edit_sqlite_tables([(table, old, new) for table, old, new in SQLITE_EDITS])
        op.execute("ALTER TABLE decision ADD COLUMN outcome_criterion VARCHAR(40)")
        op.execute("ALTER TABLE decision ADD COLUMN return_rationale TEXT")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    others = op.get_bind().execute(sa.text(f"SELECT count(*) FROM decision WHERE confirmed_route NOT {_IN}")).scalar()
    if others:
        raise RuntimeError("decisions name outcomes other than the five matrix routes; they cannot be downgraded")
    if postgresql:
        op.drop_column("decision", "return_rationale")
        op.drop_column("decision", "outcome_criterion")
        for key, table, _, check, text in POSTGRESQL_KEYS:
            op.drop_constraint(op.f(key), table, type_="foreignkey")
            op.create_check_constraint(op.f(check), table, text)
    else:
        op.execute("ALTER TABLE decision DROP COLUMN return_rationale")
        op.execute("ALTER TABLE decision DROP COLUMN outcome_criterion")
        edit_sqlite_tables([(table, new, old) for table, old, new in SQLITE_EDITS])
    op.drop_table("destination")
