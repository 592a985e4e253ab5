"""The referral meeting (issue 16): meetings, their attendees and outcomes, the queue of referrals
waiting for the team, the meeting a decision was taken in and the locked decision a later one revises,
each account's supervisor, and the audit trail's ``meeting`` entity.

- ``meeting``: held on, the chair (an account's username or a guest's name), who opened and closed it
  and when, and once closed the minutes PDF with its sha256;
- ``meeting_attendee``: the accounts (by username) and guests (by name) at it, in order;
- ``meeting_item``: one outcome of one case (confirmed, changed, deferred, more information);
- ``meeting_queue_entry``: one row per referral waiting, with its reasons and position;
- ``decision.meeting_id`` and ``decision.revises_id`` (foreign keys), ``user_account.supervisor``.

Decisions and accounts stored before this revision get NULL: no meeting, nothing revised, no
supervisor. SQLite gets the columns through ``ALTER TABLE ... ADD COLUMN`` (a batch rebuild would drop
the decision table's guard trigger, as in 0006), and the audit trail's CHECK on ``entity_type`` is
widened by editing its stored definition in place, as 0013 does (a widening only: every stored row
still satisfies it). Downgrading removes the column's foreign key clause the same way before
dropping it (SQLite refuses to drop a column a foreign key names), and refuses once the audit trail
names a meeting: audit events are never deleted.

The lock, in the database as well as in the services: an outcome (``meeting_item``) is never changed
or deleted, none is added to a closed meeting, a closed meeting is never changed, no meeting is
deleted, and a decision taken in a closed meeting is never changed (a later one revises it).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.migrations.sqlite_schema import edit_sqlite_tables
from triage.store.types import JsonDoc, UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Repeated, not imported: a migration keeps meaning what it meant when it was written.
OLD_ENTITIES = ("referral", "person", "screening", "decision", "draft", "gp_practice", "database", "user_account",
                "audit_trail")  # fmt: skip
NEW_ENTITIES = OLD_ENTITIES + ("meeting",)
OUTCOMES = ("confirmed", "changed", "deferred", "more_info")
# (column, its type, the SQLite column constraint naming its foreign key)
DECISION_KEYS = (
    ("meeting_id", "VARCHAR(36)", "CONSTRAINT fk_decision_meeting_id_meeting REFERENCES meeting (id)"),
    ("revises_id", "VARCHAR(36)", "CONSTRAINT fk_decision_revises_id_decision REFERENCES decision (id)"),
)


# (trigger, table, operation, SQLite WHEN condition or None): refused outright or when the meeting is closed
LOCKS = (
    ("meeting_item_no_update", "meeting_item", "UPDATE", None),
    ("meeting_item_no_delete", "meeting_item", "DELETE", None),
    ("meeting_no_delete", "meeting", "DELETE", None),
    ("meeting_closed_no_update", "meeting", "UPDATE", "OLD.closed_at IS NOT NULL"),
    ("meeting_item_closed_meeting", "meeting_item", "INSERT",
     "(SELECT closed_at FROM meeting WHERE id = NEW.meeting_id) IS NOT NULL"),
    ("decision_closed_meeting", "decision", "UPDATE",
     "OLD.meeting_id IS NOT NULL AND (SELECT closed_at FROM meeting WHERE id = OLD.meeting_id) IS NOT NULL"),
)  # fmt: skip
POSTGRESQL_LOCK = """
CREATE FUNCTION triage_meeting_locked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    locked_id varchar;
BEGIN
    IF TG_TABLE_NAME = 'meeting' THEN
        locked_id := OLD.id;
    ELSIF TG_OP = 'INSERT' THEN
        locked_id := NEW.meeting_id;
    ELSE
        locked_id := OLD.meeting_id;
    END IF;
    IF EXISTS (SELECT 1 FROM meeting WHERE id = locked_id AND closed_at IS NOT NULL) THEN
        RAISE EXCEPTION '%: % refused (the meeting is closed: its outcomes are locked)', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$
"""


def _create_locks(postgresql: bool) -> None:
    if postgresql:
        op.execute(POSTGRESQL_LOCK)
    for name, table, operation, when in LOCKS:
        if postgresql:
            function = "triage_refuse" if when is None else "triage_meeting_locked"
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
        else:
            condition = f" WHEN {when}" if when else ""
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {table}{condition} BEGIN SELECT "
                       f"RAISE(ABORT, '{table}: {operation} refused (the meeting is closed: its outcomes are locked)'); END")  # fmt: skip


def _drop_locks(postgresql: bool) -> None:
    for name, table, _, _ in reversed(LOCKS):
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        op.execute("DROP FUNCTION triage_meeting_locked()")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    _create_tables()
    if postgresql:
        op.add_column("decision", sa.Column("meeting_id", sa.String(length=36), nullable=True))
        op.add_column("decision", sa.Column("revises_id", sa.String(length=36), nullable=True))
        op.create_foreign_key(op.f("fk_decision_meeting_id_meeting"), "decision", "meeting", ["meeting_id"], ["id"])
        op.create_foreign_key(op.f("fk_decision_revises_id_decision"), "decision", "decision", ["revises_id"], ["id"])
        op.add_column("user_account", sa.Column("supervisor", sa.String(length=100), nullable=True))
        op.execute("ALTER TABLE audit_event DROP CONSTRAINT ck_audit_event_entity_type")
        op.execute(f"ALTER TABLE audit_event ADD CONSTRAINT ck_audit_event_entity_type "
                   f"CHECK ({_in('entity_type', NEW_ENTITIES)})")  # fmt: skip
    else:
        for column, type_, key in DECISION_KEYS:
            op.execute(f"ALTER TABLE decision ADD COLUMN {column} {type_} {key}")
        op.execute("ALTER TABLE user_account ADD COLUMN supervisor VARCHAR(100)")
        edit_sqlite_tables([("audit_event", _in("entity_type", OLD_ENTITIES), _in("entity_type", NEW_ENTITIES))])
    _create_locks(postgresql)


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    named = bind.execute(sa.text("SELECT count(*) FROM audit_event WHERE entity_type = 'meeting'")).scalar()
    if named:
        raise RuntimeError("the audit trail names referral meetings; it cannot be downgraded past them")
    _drop_locks(postgresql)
    if postgresql:
        op.execute("ALTER TABLE audit_event DROP CONSTRAINT ck_audit_event_entity_type")
        op.execute(f"ALTER TABLE audit_event ADD CONSTRAINT ck_audit_event_entity_type "
                   f"CHECK ({_in('entity_type', OLD_ENTITIES)})")  # fmt: skip
        op.drop_column("user_account", "supervisor")
        op.drop_constraint(op.f("fk_decision_revises_id_decision"), "decision", type_="foreignkey")
        op.drop_constraint(op.f("fk_decision_meeting_id_meeting"), "decision", type_="foreignkey")
        op.drop_column("decision", "revises_id")
        op.drop_column("decision", "meeting_id")
    else:
        edits = [("audit_event", _in("entity_type", NEW_ENTITIES), _in("entity_type", OLD_ENTITIES))]
        edits += [("decision", f"{column} {type_} {key}", f"{column} {type_}") for column, type_, key in DECISION_KEYS]
        edit_sqlite_tables(edits)
        op.execute("ALTER TABLE user_account DROP COLUMN supervisor")
        for column, _, _ in reversed(DECISION_KEYS):
            op.execute(f"ALTER TABLE decision DROP COLUMN {column}")
    for table in ("meeting_queue_entry", "meeting_item", "meeting_attendee", "meeting"):
        op.drop_table(table)


def _create_tables() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("chair_username", sa.String(length=100), nullable=True),
        sa.Column("chair_guest", sa.String(length=100), nullable=True),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("minutes_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("minutes_sha256", sa.String(length=64), nullable=True),
        sa.CheckConstraint("(chair_username IS NULL) <> (chair_guest IS NULL)", name=op.f("ck_meeting_one_chair")),
        sa.CheckConstraint("(closed_at IS NULL) = (closed_by IS NULL)", name=op.f("ck_meeting_closed_by")),
        sa.CheckConstraint("(closed_at IS NULL) = (minutes_pdf IS NULL)", name=op.f("ck_meeting_minutes_pdf")),
        sa.CheckConstraint("(closed_at IS NULL) = (minutes_sha256 IS NULL)", name=op.f("ck_meeting_minutes_sha256")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    op.create_index("ix_meeting_closed_at", "meeting", ["closed_at"])
    op.create_table(
        "meeting_attendee",
        sa.Column("meeting_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("guest_name", sa.String(length=100), nullable=True),
        sa.CheckConstraint("(username IS NULL) <> (guest_name IS NULL)", name=op.f("ck_meeting_attendee_one_name")),
        sa.CheckConstraint("position > 0", name=op.f("ck_meeting_attendee_position")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], name=op.f("fk_meeting_attendee_meeting_id_meeting")),
        sa.PrimaryKeyConstraint("meeting_id", "position", name=op.f("pk_meeting_attendee")),
    )
    op.create_table(
        "meeting_item",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=True),
        sa.Column("route", sa.String(length=30), nullable=True),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("action_owner", sa.String(length=200), nullable=True),
        sa.Column("action_due", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(_in("outcome", OUTCOMES), name=op.f("ck_meeting_item_outcome")),
        sa.CheckConstraint(
            "(outcome IN ('confirmed', 'changed')) = (decision_id IS NOT NULL)", name=op.f("ck_meeting_item_decision")
        ),  # fmt: skip
        sa.CheckConstraint(
            "(outcome IN ('confirmed', 'changed')) = (route IS NOT NULL)", name=op.f("ck_meeting_item_route")
        ),  # fmt: skip
        sa.CheckConstraint("outcome = 'confirmed' OR reason IS NOT NULL", name=op.f("ck_meeting_item_reason")),
        sa.CheckConstraint(
            "(outcome = 'more_info') = (action_owner IS NOT NULL AND action_due IS NOT NULL)",
            name=op.f("ck_meeting_item_action"),
        ),  # fmt: skip
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], name=op.f("fk_meeting_item_meeting_id_meeting")),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name=op.f("fk_meeting_item_referral_id_referral")),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], name=op.f("fk_meeting_item_decision_id_decision")),
        sa.ForeignKeyConstraint(["route"], ["destination.code"], name=op.f("fk_meeting_item_route_destination")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_item")),
    )
    op.create_index("ix_meeting_item_meeting_id", "meeting_item", ["meeting_id"])
    op.create_index("ix_meeting_item_referral_id", "meeting_item", ["referral_id"])
    op.create_table(
        "meeting_queue_entry",
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("reasons", JsonDoc, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("joined_at", UtcDateTime(), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("deferred_reason", sa.Text(), nullable=True),
        sa.Column("information_asked", sa.Text(), nullable=True),
        sa.CheckConstraint("position > 0", name=op.f("ck_meeting_queue_entry_position")),
        sa.CheckConstraint("(sent_by IS NULL) = (question IS NULL)", name=op.f("ck_meeting_queue_entry_sent_question")),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_meeting_queue_entry_referral_id_referral")
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_meeting_queue_entry")),
    )
    op.create_index("ix_meeting_queue_entry_position", "meeting_queue_entry", ["position"])
