"""Migration 0016 (teams and the assigned clinician, issue 15 item 4) on a store with referrals in it,
on both databases: every row kept, the new columns NULL (the whole service's, nobody assigned), the
team code's CHECK enforced, and the downgrade giving back the old schema with the same rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.store.test_migration_0014_assessment import screened_referral
from tests.store.test_migrations import REVISIONS, downgrade_to, snapshot, table_columns
from triage.store import open_store, schema_revision, verify_database
from triage.store.database import downgrade_schema

BEFORE = REVISIONS[REVISIONS.index("0016") - 1]
NEW_TABLES = {"team", "team_member"}


def test_referrals_stored_before_0016_are_kept_with_no_team_and_come_back_on_downgrade(database_url: str) -> None:
    with open_store(database_url) as store:
        old = screened_referral(store, 1)
        downgrade_schema(store.engine, BEFORE)
    old_columns = table_columns(database_url)
    assert not NEW_TABLES & set(old_columns)
    assert not {"team_code", "assigned_to"} & set(old_columns["referral"])
    before = snapshot(database_url, old_columns)

    with open_store(database_url) as store:  # opening it migrates it to the head
        assert schema_revision(store.engine) == REVISIONS[-1]
        assert verify_database(store) == []
        with store.read() as session:
            row = session.execute(text("SELECT team_code, assigned_to FROM referral WHERE id = :r"), {"r": old}).one()
            assert tuple(row) == (None, None)
    assert set(table_columns(database_url)) >= NEW_TABLES
    assert snapshot(database_url, old_columns) == before  # every old row and column kept as it was

    downgrade_to(database_url, BEFORE)
    assert table_columns(database_url) == old_columns
    assert snapshot(database_url, old_columns) == before


INSERT = "INSERT INTO team (code, name, created_at) VALUES (:code, 'A team', '2026-01-01 00:00:00')"


@pytest.mark.parametrize("code", ["A", "lower", "HAS SPACE", "TOO-LONG-FOR-A-TEAM-CODE", "NO_UNDERSCORE"])
def test_the_database_refuses_a_team_code_outside_the_pattern(database_url: str, code: str) -> None:
    with open_store(database_url) as store, store.engine.connect() as connection:
        connection.execute(text(INSERT), {"code": "DON-NORTH2"})  # allowed: capitals, digits, hyphen
        # either driver's IntegrityError (PostgreSQL refuses an over-long code by its column's length)
        with pytest.raises(Exception, match="(?i)check|constraint|too long"):
            connection.execute(text(INSERT), {"code": code})
        connection.rollback()


def test_a_referral_names_only_a_team_and_an_account_that_exist(database_url: str) -> None:
    with open_store(database_url) as store:
        referral = screened_referral(store, 1)
        for column in ("team_code", "assigned_to"):
            with store.engine.connect() as connection:
                if connection.dialect.name == "sqlite":
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                with pytest.raises(Exception, match="(?i)foreign key"):
                    connection.execute(text(f"UPDATE referral SET {column} = 'NOBODY' WHERE id = :r"), {"r": referral})
                connection.rollback()
