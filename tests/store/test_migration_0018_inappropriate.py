"""Migration 0018 (the inappropriate-referral flag, issue 15 item 6) on a store with referrals in it, on
both databases: every row kept and unflagged, the flag usable at once, its CHECKs in force, and the
downgrade giving back the old schema with the same rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.store.conftest import referral_input
from tests.store.test_migrations import REVISIONS, downgrade_to, snapshot, table_columns
from tests.users import PWP
from triage.services import create_referral, get_referral
from triage.services.journey import InappropriateInput, flag_inappropriate
from triage.store import IntegrityProblem, open_store, schema_revision, verify_database
from triage.store.database import downgrade_schema

BEFORE = REVISIONS[REVISIONS.index("0018") - 1]
COLUMNS = {"inappropriate_reason", "inappropriate_referrer", "inappropriate_note", "inappropriate_by"}


def test_referrals_stored_before_0018_are_kept_unflagged_and_come_back_on_downgrade(database_url: str) -> None:
    with open_store(database_url) as store:
        ids = [create_referral(store, PWP, referral_input(serial)).id for serial in (1, 2)]
        downgrade_schema(store.engine, BEFORE)
    old_columns = table_columns(database_url)
    assert not COLUMNS & set(old_columns["referral"])
    before = snapshot(database_url, old_columns)

    with open_store(database_url) as store:  # opening it migrates it to the head
        assert schema_revision(store.engine) == REVISIONS[-1]
        assert verify_database(store) == []
    assert snapshot(database_url, old_columns) == before  # every old row and column kept as it was
    with open_store(database_url) as store:  # each read is audited: after the snapshot
        assert all(get_referral(store, PWP, i).inappropriate_reason is None for i in ids)
        flag = InappropriateInput(reason="outside_remit", referrer="Dr A Patel")
        flag_inappropriate(store, PWP, ids[0], flag)
        assert get_referral(store, PWP, ids[0]).inappropriate_referrer == "Dr A Patel"
        with pytest.raises(IntegrityProblem, match="ck_referral_inappropriate_referrer"), store.write() as session:
            session.execute(text("UPDATE referral SET inappropriate_referrer = NULL WHERE id = :id"), {"id": ids[0]})
        flag_inappropriate(store, PWP, ids[0], None)  # as it was, for the downgrade's comparison
    unaudited = {table: columns for table, columns in old_columns.items() if not table.startswith("audit")}
    before = snapshot(database_url, unaudited)

    downgrade_to(database_url, BEFORE)
    assert table_columns(database_url) == old_columns
    assert snapshot(database_url, unaudited) == before
