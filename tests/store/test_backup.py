"""Backup and restore of a SQLite store through SQLite's backup API, verified before use."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.conftest import referral_input
from triage.services import create_referral, find_referrals
from triage.store import BackupError, backup_database, open_store, restore_database, verify_database


def test_backup_then_restore_brings_back_the_backed_up_state(tmp_path: Path) -> None:
    live = tmp_path / "triage.db"
    with open_store(live) as store:
        create_referral(store, referral_input(1), "pwp")
        backup_database(store, tmp_path / "backup.db")  # while the store is open
        create_referral(store, referral_input(2), "pwp")
        with pytest.raises(BackupError, match="already exists"):
            backup_database(store, tmp_path / "backup.db")
    previous = restore_database(tmp_path / "backup.db", live)
    with open_store(live) as store:
        assert len(find_referrals(store)) == 1 and verify_database(store) == []
    with open_store(previous) as store:
        assert len(find_referrals(store)) == 2


def test_a_backup_that_fails_verification_replaces_nothing(tmp_path: Path) -> None:
    live = tmp_path / "triage.db"
    with open_store(live) as store:
        create_referral(store, referral_input(1), "pwp")
        backup_database(store, tmp_path / "backup.db")
    with open_store(tmp_path / "backup.db") as backup, backup.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        connection.exec_driver_sql("UPDATE audit_event SET actor = 'mallory'")
    with pytest.raises(BackupError, match="nothing was replaced"):
        restore_database(tmp_path / "backup.db", live)
    with open_store(live) as store:
        assert len(find_referrals(store)) == 1 and verify_database(store) == []
    assert not list(tmp_path.glob("triage.db.previous-*"))
