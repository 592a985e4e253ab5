"""Migration 0020 (merging two records of one person, issue 15 item 9) on a store with people in it,
on both databases: every row kept, no person marked merged; a merge made afterwards is guarded (never
deleted, never changed once undone); the downgrade refuses while a merge is in place, and once it is
undone gives back the old schema with the same rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.store.conftest import make_nhs_number, referral_input
from tests.store.test_migrations import REVISIONS, downgrade_to, snapshot, table_columns
from tests.users import LEADER, PWP
from triage.services import create_referral
from triage.services.merges import MergeInput, UndoMergeInput, merge_people, undo_merge
from triage.store import open_store, schema_revision, verify_database
from triage.store.database import create_store_engine, downgrade_schema
from triage.store.location import resolve_database_url

BEFORE = REVISIONS[REVISIONS.index("0020") - 1]
WHY = MergeInput(nhs_number=make_nhs_number(1), reason_category="confirmed_with_person",
                 reason="Confirmed on the telephone: one person, one number mistyped")  # fmt: skip


def refused(database_url: str, statement: str) -> None:
    engine = create_store_engine(resolve_database_url(database_url))
    try:
        with pytest.raises(DBAPIError, match="person_merge"), engine.begin() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def test_people_stored_before_0020_are_kept_unmerged_and_the_downgrade_waits_for_an_undo(database_url: str) -> None:
    with open_store(database_url) as store:
        kept = create_referral(store, PWP, referral_input(1)).id
        other = create_referral(store, PWP, referral_input(2)).id
        downgrade_schema(store.engine, BEFORE)
    old_columns = table_columns(database_url)
    assert "merged_into_id" not in old_columns["person"] and "person_merge" not in old_columns
    before = snapshot(database_url, old_columns)

    with open_store(database_url) as store:  # opening it migrates it to the head
        assert schema_revision(store.engine) == REVISIONS[-1]
        assert verify_database(store) == []
        with store.read() as session:
            assert session.execute(text("SELECT count(*) FROM person WHERE merged_into_id IS NULL")).scalar() == 2
    assert snapshot(database_url, old_columns) == before  # every old row and column kept as it was

    with open_store(database_url) as store:
        merge_id = merge_people(store, LEADER, kept, other, 1, 1, WHY)
    refused(database_url, "DELETE FROM person_merge")  # never deleted
    with pytest.raises(Exception, match="undo it before going back"):
        downgrade_to(database_url, BEFORE)
    assert schema_revision_of(database_url) == REVISIONS[-1]  # left as it was
    with open_store(database_url) as store:
        undo_merge(store, LEADER, merge_id, UndoMergeInput(undo_reason="Two people after all, says the GP"))
    refused(database_url, "UPDATE person_merge SET undo_reason = 'rewritten'")  # undone once, then never changed

    unaudited = {table: columns for table, columns in old_columns.items() if not table.startswith("audit")}
    at_head = snapshot(database_url, unaudited)
    downgrade_to(database_url, BEFORE)
    assert table_columns(database_url) == old_columns
    assert snapshot(database_url, unaudited) == at_head
    with open_store(database_url) as store:  # and up again, with the referrals where the undo left them
        assert verify_database(store) == []


def schema_revision_of(database_url: str) -> str | None:
    engine = create_store_engine(resolve_database_url(database_url))
    try:
        return schema_revision(engine)
    finally:
        engine.dispose()
