"""Migration 0015 (the referral meeting, issue 16) on a store with decisions in it, on both databases:
every row kept, the new columns NULL (no meeting, nothing revised, no supervisor), the new tables there
and usable, and the downgrade giving back the old schema with the same rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.store.test_migration_0014_assessment import screened_referral
from tests.store.test_migrations import REVISIONS, downgrade_to, snapshot, table_columns
from triage.services import meeting_types
from triage.store import open_store, schema_revision, verify_database
from triage.store.database import downgrade_schema
from triage.store.vocabulary import MEETING_OUTCOME_CODES, QUEUE_REASON_CODES

BEFORE = REVISIONS[REVISIONS.index("0015") - 1]
NEW_TABLES = {"meeting", "meeting_attendee", "meeting_item", "meeting_queue_entry"}


def test_the_stores_vocabulary_is_the_meeting_contracts() -> None:
    assert QUEUE_REASON_CODES == meeting_types.QUEUE_REASONS
    assert tuple(meeting_types.MEETING_OUTCOME_TEXT) == MEETING_OUTCOME_CODES


def test_decisions_stored_before_0015_are_kept_with_no_meeting_and_come_back_on_downgrade(database_url: str) -> None:
    with open_store(database_url) as store:
        old = screened_referral(store, 1)
        downgrade_schema(store.engine, BEFORE)
    old_columns = table_columns(database_url)
    assert not NEW_TABLES & set(old_columns)
    assert not {"meeting_id", "revises_id"} & set(old_columns["decision"])
    before = snapshot(database_url, old_columns)

    with open_store(database_url) as store:  # opening it migrates it to the head
        assert schema_revision(store.engine) == REVISIONS[-1]
        assert verify_database(store) == []
        with store.read() as session:
            rows = session.execute(text("SELECT meeting_id, revises_id FROM decision WHERE referral_id = :r"),
                                   {"r": old}).all()  # fmt: skip
            assert rows and all(row == (None, None) for row in rows)
    assert set(table_columns(database_url)) >= NEW_TABLES
    assert snapshot(database_url, old_columns) == before  # every old row and column kept as it was

    downgrade_to(database_url, BEFORE)
    assert table_columns(database_url) == old_columns
    assert snapshot(database_url, old_columns) == before


ROW = (
    "INSERT INTO audit_event (occurred_at, actor, entity_type, entity_id, action, summary, prev_hash, hash) "
    "VALUES ('2026-01-01 00:00:00', 'lead', :entity, 'm1', 'create', 'meeting opened', :prev, :hash)"
)


def test_the_audit_trail_takes_a_meeting_after_0015_and_still_refuses_other_entities(database_url: str) -> None:
    with open_store(database_url) as store, store.engine.connect() as connection:
        connection.execute(text(ROW), {"entity": "meeting", "prev": "0" * 64, "hash": "1" * 64})
        with pytest.raises(Exception, match="(?i)check|constraint"):  # either driver's IntegrityError
            connection.execute(text(ROW), {"entity": "nonsense", "prev": "1" * 64, "hash": "2" * 64})
        connection.rollback()  # nothing kept: the chain is not ours to write by hand
