"""Backup and restore of a SQLite store through SQLite's backup API, verified before use."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.conftest import referral_input
from tests.users import PWP, as_pwp
from triage.services import create_referral, find_referrals
from triage.store import BackupError, backup_database, open_store, restore_database, verify_database


def test_backup_then_restore_brings_back_the_backed_up_state(tmp_path: Path) -> None:
    live = tmp_path / "triage.db"
    with open_store(live) as store:
        create_referral(store, as_pwp("pwp"), referral_input(1))
        backup_database(store, tmp_path / "backup.db")  # while the store is open
        create_referral(store, as_pwp("pwp"), referral_input(2))
        with pytest.raises(BackupError, match="already exists"):
            backup_database(store, tmp_path / "backup.db")
    previous = restore_database(tmp_path / "backup.db", live)
    with open_store(live) as store:
        assert len(find_referrals(store, PWP)) == 1 and verify_database(store) == []
    with open_store(previous) as store:
        assert len(find_referrals(store, PWP)) == 2


def test_a_backup_that_fails_verification_replaces_nothing(tmp_path: Path) -> None:
    live = tmp_path / "triage.db"
    with open_store(live) as store:
        create_referral(store, as_pwp("pwp"), referral_input(1))
        backup_database(store, tmp_path / "backup.db")
    with open_store(tmp_path / "backup.db") as backup, backup.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        connection.exec_driver_sql("UPDATE audit_event SET actor = 'mallory'")
    with pytest.raises(BackupError, match="nothing was replaced"):
        restore_database(tmp_path / "backup.db", live)
    with open_store(live) as store:
        assert len(find_referrals(store, PWP)) == 1 and verify_database(store) == []
    assert not list(tmp_path.glob("triage.db.previous-*"))


def _older_database(path: Path) -> str:
    """A database as the previous version of triage left it (one revision behind), with a decision."""
    from tests.store.test_migrations import REVISIONS, decided_referral
    from triage.store.database import downgrade_schema

    with open_store(path) as store:
        create_referral(store, as_pwp("pwp"), referral_input(1))
        referral_id = decided_referral(store, 2)
        downgrade_schema(store.engine, REVISIONS[-2])
    return referral_id


def test_a_backup_from_an_older_version_is_verified_restored_then_migrated(tmp_path: Path) -> None:
    from sqlalchemy import text

    from triage.store import head_revision, schema_revision

    referral_id = _older_database(tmp_path / "old.db")
    with open_store(tmp_path / "old.db", migrate=False) as old:  # as `triage db backup` opens it: untouched
        backup_database(old, tmp_path / "backup.db")
        assert schema_revision(old.engine) != head_revision()
    live = tmp_path / "triage.db"
    with open_store(live) as store:
        create_referral(store, as_pwp("pwp"), referral_input(3))
    previous = restore_database(tmp_path / "backup.db", live)
    assert previous is not None and previous.exists()
    with open_store(live, migrate=False) as store:
        assert schema_revision(store.engine) == head_revision() and verify_database(store) == []
        assert len(find_referrals(store, PWP)) == 2
        with store.read() as session:  # the migration backfilled the latest route
            route = session.execute(text("SELECT current_route FROM referral WHERE id = :id"), {"id": referral_id})
            assert route.scalar_one() == "integrated_iapt"


def test_an_older_backup_is_still_verified_before_anything_is_replaced(tmp_path: Path) -> None:
    _older_database(tmp_path / "old.db")
    with open_store(tmp_path / "old.db", migrate=False) as old, old.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
        connection.exec_driver_sql("DELETE FROM audit_event WHERE id = 2")
    live = tmp_path / "triage.db"
    with open_store(live) as store:
        create_referral(store, as_pwp("pwp"), referral_input(3))
    with pytest.raises(BackupError, match="nothing was replaced.*audit events 2-2 are missing"):
        restore_database(tmp_path / "old.db", live)
    with open_store(live) as store:
        assert len(find_referrals(store, PWP)) == 1 and verify_database(store) == []


def test_a_restore_into_a_new_place_keeps_no_previous_file(tmp_path: Path) -> None:
    with open_store(tmp_path / "a.db") as store:
        create_referral(store, as_pwp("pwp"), referral_input(1))
        backup_database(store, tmp_path / "backup.db")
    assert restore_database(tmp_path / "backup.db", tmp_path / "new.db") is None
    with open_store(tmp_path / "new.db") as store:
        assert len(find_referrals(store, PWP)) == 1 and verify_database(store) == []
