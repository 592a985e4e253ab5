"""The referral's journey before and after the decision (issue 15, items 1 and 3; docs/journey.md).

- ``contact_event``: the opt-in offered (how and when), the person opting in, each attempt to reach
  them (date and time, channel, outcome). Rows are never changed or deleted (guard triggers, as 0004).
- ``referral.opted_in_on``, ``first_contact_on``, ``treatment_started_on``: the dates the waits are
  counted to, kept on the referral so the list flags waits in the database;
- ``referral.closed_reason`` (a closed vocabulary) and ``closed_note`` (free text): why it was closed;
- ``ix_referral_treatment_status_received``: the list's "over target" filter for the treatment wait.

Existing referrals keep every row. A referral that reached ``contacted`` before this revision gets its
first contact date from the status history (the date of its first ``contacted`` step, on UTC's clock:
the migration cannot know the computer's); nothing else is guessed.

SQLite gets the columns through ``ALTER TABLE ... ADD COLUMN``, never a batch rebuild (rebuilding
``referral`` would drop its guard trigger), as in 0009.

Revision ID: 0012
Revises: 0009 (the merger re-chains it after 0010 and 0011)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from triage.store.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Repeated, not imported: a migration keeps meaning what it meant when it was written.
KINDS = ("opt_in_offered", "opted_in", "attempt")
CHANNELS = ("telephone", "text_message", "letter", "email", "online", "in_person")
OUTCOMES = ("reached", "no_answer", "voicemail_left", "message_sent", "wrong_number")
CLOSE_REASONS = (
    "referred_on", "treatment_started", "declined", "no_contact", "not_suitable", "moved_away", "duplicate", "other"
)  # fmt: skip
DATE_COLUMNS = ("opted_in_on", "first_contact_on", "treatment_started_on")
GUARDS = (("contact_event_no_update", "UPDATE"), ("contact_event_no_delete", "DELETE"))


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    reason_check = f"closed_reason IS NULL OR {_in('closed_reason', CLOSE_REASONS)}"
    if postgresql:
        for name in DATE_COLUMNS:
            op.add_column("referral", sa.Column(name, sa.Date(), nullable=True))
        op.add_column("referral", sa.Column("closed_reason", sa.String(20), nullable=True))
        op.add_column("referral", sa.Column("closed_note", sa.Text(), nullable=True))
        op.create_check_constraint("ck_referral_closed_reason", "referral", reason_check)
    else:
        for name in DATE_COLUMNS:
            op.execute(f"ALTER TABLE referral ADD COLUMN {name} DATE")
        op.execute(f"ALTER TABLE referral ADD COLUMN closed_reason VARCHAR(20) "
                   f"CONSTRAINT ck_referral_closed_reason CHECK ({reason_check})")  # fmt: skip
        op.execute("ALTER TABLE referral ADD COLUMN closed_note TEXT")
    _backfill_first_contact(bind)
    op.create_index("ix_referral_treatment_status_received", "referral",
                    ["treatment_started_on", "status", "received_on"])  # fmt: skip
    op.create_table(
        "contact_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_contact_event_kind")),
        sa.CheckConstraint(_in("channel", CHANNELS), name=op.f("ck_contact_event_channel")),
        sa.CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name=op.f("ck_contact_event_outcome")),
        sa.CheckConstraint("(kind = 'attempt') = (outcome IS NOT NULL)", name=op.f("ck_contact_event_attempt_outcome")),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name=op.f("fk_contact_event_referral_id_referral")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_event")),
    )
    op.create_index(op.f("ix_contact_event_referral_id"), "contact_event", ["referral_id"], unique=False)
    for name, operation in GUARDS:
        if postgresql:  # triage_refuse() is 0002's trigger function
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON contact_event "
                       f"FOR EACH ROW EXECUTE FUNCTION triage_refuse()")  # fmt: skip
        else:
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON contact_event BEGIN "
                       f"SELECT RAISE(ABORT, 'contact_event: {operation} refused (never changed or deleted)'); END")  # fmt: skip


def _backfill_first_contact(bind: sa.engine.Connection) -> None:
    rows = bind.execute(sa.text(
        "SELECT referral_id, min(changed_at) FROM referral_status_change WHERE status = 'contacted' GROUP BY referral_id"
    )).all()  # fmt: skip
    for referral_id, first in rows:
        bind.execute(sa.text("UPDATE referral SET first_contact_on = :day WHERE id = :id"),
                     {"day": _day(first), "id": referral_id})  # fmt: skip


def _day(value: datetime | str) -> date:
    """The date of a stored moment: PostgreSQL hands back a datetime, SQLite its ISO text."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).date()
    return (value.astimezone(UTC) if value.tzinfo else value).date()


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_event_referral_id"), table_name="contact_event")
    op.drop_table("contact_event")  # its triggers go with it, on both databases
    op.drop_index("ix_referral_treatment_status_received", table_name="referral")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_referral_closed_reason", "referral", type_="check")
        for name in (*DATE_COLUMNS, "closed_reason", "closed_note"):
            op.drop_column("referral", name)
    else:
        for name in (*DATE_COLUMNS, "closed_reason", "closed_note"):
            op.execute(f"ALTER TABLE referral DROP COLUMN {name}")
