"""Migration 0017 (the list's search keys, issue 15 item 5) on a store with people in it, on both
databases: every row kept, each person's given name case-folded into ``given_key`` (so a given-name
search finds people stored before it), and the downgrade giving back the old schema with the same rows."""

from __future__ import annotations

from sqlalchemy import text

from tests.store.conftest import referral_input
from tests.store.test_migrations import REVISIONS, downgrade_to, snapshot, table_columns
from tests.users import PWP
from triage.services import ReferralFilter, count_referrals, create_referral
from triage.store import open_store, schema_revision, verify_database
from triage.store.database import downgrade_schema

BEFORE = REVISIONS[REVISIONS.index("0017") - 1]
GIVEN = {1: "Łucja", 2: "STRASSE", 3: "Zoë"}


def test_people_stored_before_0017_get_their_given_key_and_come_back_on_downgrade(database_url: str) -> None:
    with open_store(database_url) as store:
        for serial, given in GIVEN.items():
            create_referral(store, PWP, referral_input(serial, given_name=given))
        downgrade_schema(store.engine, BEFORE)
    old_columns = table_columns(database_url)
    assert "given_key" not in old_columns["person"]
    before = snapshot(database_url, old_columns)

    with open_store(database_url) as store:  # opening it migrates it to the head
        assert schema_revision(store.engine) == REVISIONS[-1]
        assert verify_database(store) == []
        with store.read() as session:
            keys = dict(session.execute(text("SELECT given_name, given_key FROM person")).all())
        assert keys == {given: given.casefold() for given in GIVEN.values()}
    assert snapshot(database_url, old_columns) == before  # every old row and column kept as it was
    with open_store(database_url) as store:  # each search is audited: after the snapshot
        assert count_referrals(store, PWP, ReferralFilter(text=", łu")) == 1  # found by its new index
        assert count_referrals(store, PWP, ReferralFilter(text=", strasse")) == 1
    unaudited = {table: columns for table, columns in old_columns.items() if not table.startswith("audit")}
    before = snapshot(database_url, unaudited)

    downgrade_to(database_url, BEFORE)
    assert table_columns(database_url) == old_columns
    assert snapshot(database_url, unaudited) == before
