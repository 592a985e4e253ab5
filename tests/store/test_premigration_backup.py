# ruff: noqa: F811  (the fixtures imported from tests/test_cli_store.py are redefined as arguments)
"""Issue 13 item 11: a verified backup before every schema update.

A store left by the previous version (one revision behind, made as tests/store/test_migrations.py
does) is opened: a copy of it as it was is made beside it first, named after the revision it came
from, verified, kept under the same cap as the copies a restore keeps, and said in a log line (and by
the command line on standard error). A copy that cannot be made or verified stops the update: the
store is left at its old revision, every row as it was, nothing beside it. A PostgreSQL store has
no file to copy: its update goes ahead with a warning to back the server up with its own tools.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.store.conftest import _fresh_postgres_database, referral_input
from tests.store.test_migrations import REVISIONS, snapshot
from tests.test_cli_store import LEAD, environment, new_store, run_as, template  # noqa: F401  (fixtures, used by name)
from tests.users import as_pwp
from triage.services import create_referral
from triage.store import MigrationError, open_store, schema_revision, verify_database
from triage.store.backup import KEEP_PREVIOUS, kept_copies
from triage.store.database import downgrade_schema

OLD = REVISIONS[-2]


def older_store(path: Path, key: bytes | None = None, serial: int = 1) -> dict[str, list[tuple]]:
    """A store as the previous version left it, with a referral; every row of it."""
    with open_store(path, key=key) as store:
        create_referral(store, as_pwp("pwp"), referral_input(serial))
        downgrade_schema(store.engine, OLD)
    return rows(path, key)


def rows(path: Path, key: bytes | None) -> dict[str, list[tuple]]:
    with open_store(path, key=key, migrate=False, hold=False) as store, store.engine.connect() as connection:
        tables = [r[0] for r in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(map(tuple, connection.exec_driver_sql(f"SELECT * FROM {t}")), key=repr) for t in tables}


def beside(path: Path) -> list[str]:
    """What is in the store's folder besides the store itself, its WAL, its lock folder and key file."""
    own = {path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}.locks", f"{path.name}.keys"}
    return sorted(p.name for p in path.parent.iterdir() if p.name not in own)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "sqlcipher"])
def test_opening_an_older_store_backs_it_up_verified_first_named_by_its_revision(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, encrypted: bool
) -> None:
    key = os.urandom(32) if encrypted else None
    live = tmp_path / "triage.db"
    before = older_store(live, key)
    with caplog.at_level(logging.INFO, logger="triage.store.backup"), open_store(live, key=key) as store:
        copy = store.migration_backup
        assert schema_revision(store.engine) == REVISIONS[-1] and verify_database(store) == []
    assert copy is not None and copy.parent == tmp_path
    assert copy.name.startswith("triage.db.previous-") and copy.name.endswith(f".from-schema-{OLD}")
    assert kept_copies(live) == [copy] and beside(live) == [copy.name]  # no .partial, no -wal/-shm of it
    with open_store(copy, key=key, migrate=False, hold=False) as kept:
        assert schema_revision(kept.engine) == OLD and verify_database(kept, older_schema_ok=True) == []
    assert rows(copy, key) == before  # the store exactly as the previous version left it
    logged = [r.getMessage() for r in caplog.records if r.name == "triage.store.backup"]
    assert logged == [f"backed up the database to {copy} (verified) before updating its schema from {OLD} to "
                      f"{REVISIONS[-1]}"]  # fmt: skip
    with open_store(live, key=key) as store:  # at the newest revision now: no second copy
        assert store.migration_backup is None
    assert kept_copies(live) == [copy]


def test_the_copies_before_updates_are_kept_under_the_usual_cap(tmp_path: Path) -> None:
    live = tmp_path / "triage.db"
    made = []
    for serial in range(1, KEEP_PREVIOUS + 3):
        older_store(live, serial=serial)
        with open_store(live) as store:
            made.append(store.migration_backup)
    assert kept_copies(live) == made[-KEEP_PREVIOUS:]  # the newest, oldest removed
    assert beside(live) == sorted(p.name for p in made[-KEEP_PREVIOUS:])


def _disk_full_during_the_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    import triage.store.backup as backup

    real_copy = backup._copy

    def copy_then_full(source: Path, destination: Path, key: bytes | None = None) -> None:
        real_copy(source, destination, key)  # a real part file, as far as the disk had room
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "_copy", copy_then_full)


def _copy_fails_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.store.backup._verify_file", lambda path, key=None: ["the integrity check failed"])


@pytest.mark.parametrize(("failure", "why"), [(_disk_full_during_the_copy, "the disk is full"),
                                              (_copy_fails_verification, "the integrity check failed")],
                         ids=["disk full", "verification fails"])  # fmt: skip
def test_no_verified_copy_no_update_the_store_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Any, why: str
) -> None:
    live = tmp_path / "triage.db"
    before = older_store(live)
    failure(monkeypatch)
    with pytest.raises(MigrationError) as caught:
        open_store(live)
    message = str(caught.value)
    assert message.startswith(f"the database schema was not updated from {OLD} to {REVISIONS[-1]}: a verified backup")
    assert why in message and "the database was not changed" in message
    assert rows(live, None) == before and beside(live) == []  # at its old revision, nothing left beside it
    monkeypatch.undo()
    with open_store(live) as store:  # once a copy can be made, the update goes ahead
        assert store.migration_backup is not None and schema_revision(store.engine) == REVISIONS[-1]


def test_a_restored_older_backup_is_updated_without_a_second_copy(tmp_path: Path) -> None:
    from triage.store import backup_database, restore_database

    older_store(tmp_path / "old.db")
    with open_store(tmp_path / "old.db", migrate=False) as old:
        backup_database(old, tmp_path / "backup.db")
    live = tmp_path / "triage.db"
    open_store(live).close()
    previous = restore_database(tmp_path / "backup.db", live, keep=1)
    assert previous is not None and kept_copies(live) == [previous]  # the database it replaced, kept


def test_the_command_line_says_on_standard_error_where_the_copy_is(
    tmp_path: Path, capsys: Any, monkeypatch: Any, new_store: Any, template: Any
) -> None:
    db = new_store(tmp_path / "t.db")
    with open_store(db, key=template.key, migrate=False) as store:
        downgrade_schema(store.engine, OLD)
    code, _, err = run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "export")
    (copy,) = kept_copies(db)
    assert code == 0 and err == (
        "note: This version of triage updated the database's schema when it opened it. A verified copy of the "
        f"database as it was before the update is kept as {copy} (the newest {KEEP_PREVIOUS} copies are kept "
        "beside the database).\n"
    )


def test_a_postgresql_store_is_updated_with_a_warning_to_back_the_server_up(
    postgres_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    with _fresh_postgres_database(postgres_server) as url:
        with open_store(url) as store:
            create_referral(store, as_pwp("pwp"), referral_input(1))
            downgrade_schema(store.engine, OLD)
        before = snapshot(url, {"referral": ["id", "notes"]})
        with caplog.at_level(logging.INFO, logger="triage.store.backup"), open_store(url) as store:
            assert store.migration_backup is None and schema_revision(store.engine) == REVISIONS[-1]
        assert snapshot(url, {"referral": ["id", "notes"]}) == before
    warned = [r for r in caplog.records if r.name == "triage.store.backup"]
    assert [(r.levelno, r.getMessage()) for r in warned] == [(logging.WARNING, (
        f"schema update from {OLD} to {REVISIONS[-1]} of a PostgreSQL store: no backup is made by triage "
        "(a server is backed up with pg_dump or pg_basebackup)"))]  # fmt: skip


def test_encrypting_an_older_plaintext_store_leaves_no_second_plaintext_copy(tmp_path: Path, monkeypatch: Any) -> None:
    from tests.users import CHEAP_KDF
    from triage.services.store_setup import encrypt_existing

    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    live = tmp_path / "triage.db"
    older_store(live)
    encrypt_existing(live, "admin", "Admin", "a long enough password")
    # the plaintext store is kept once, as the .plaintext-backup the admin is told to check and shred
    assert "triage.db.plaintext-backup" in beside(live) and kept_copies(live) == []
