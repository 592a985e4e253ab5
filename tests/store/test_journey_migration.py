"""Migration 0012 (the journey) from the schema before it, with data in it, on SQLite and PostgreSQL: every
row and column kept as it was, the first contact date taken from the status history and nothing else
guessed, the store sound afterwards, and the journey recordable on the migrated referrals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.store.conftest import referral_input
from tests.store.test_letters_store import decided
from tests.store.test_migrations import REVISIONS, snapshot, table_columns
from tests.users import PWP
from triage.services import create_referral
from triage.services.journey import CloseInput, ContactInput, close_referral, record_contact
from triage.store import open_store, schema_revision, verify_database
from triage.store.database import SCHEMA_HEAD, downgrade_schema
from triage.store.models import ContactEvent, Referral, StatusChange

BEFORE = REVISIONS[REVISIONS.index("0012") - 1]  # the revision just before the journey


def test_the_journey_migration_keeps_every_row_and_backfills_the_first_contact(database_url: str) -> None:
    with open_store(database_url) as store:
        waiting = create_referral(store, PWP, referral_input(1)).id
        screened_id, _ = decided(store, serial=2)
        with store.read() as session:
            contacted_at = session.scalar(select(StatusChange.changed_at).where(
                StatusChange.referral_id == screened_id, StatusChange.status == "contacted"))  # fmt: skip
        downgrade_schema(store.engine, BEFORE)
        assert schema_revision(store.engine) == BEFORE
    old_columns = table_columns(database_url)
    assert "contact_event" not in old_columns and "first_contact_on" not in old_columns["referral"]
    before = snapshot(database_url, old_columns)
    with open_store(database_url) as store:
        assert schema_revision(store.engine) == SCHEMA_HEAD
        assert verify_database(store) == []
        assert snapshot(database_url, old_columns) == before  # every old row and column as it was
        with store.read() as session:
            got = {r.id: (r.first_contact_on, r.opted_in_on, r.treatment_started_on, r.closed_reason)
                   for r in session.scalars(select(Referral))}  # fmt: skip
            assert session.scalars(select(ContactEvent)).all() == []
        assert contacted_at is not None
        assert got == {waiting: (None, None, None, None), screened_id: (contacted_at.date(), None, None, None)}
        # the migrated referrals take the journey on
        step = record_contact(store, PWP, waiting, ContactInput(kind="attempt", occurred_at=datetime(2024, 5, 2, 9, 0),
                                                                channel="telephone", outcome="no_answer"))  # fmt: skip
        assert step.status == "no_contact"
        assert close_referral(store, PWP, waiting, CloseInput(reason="no_contact")).status == "closed"
        assert verify_database(store) == []
