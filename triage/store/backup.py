"""Backup and restore of a SQLite store with SQLite's online backup API: consistent while the app
may be writing, WAL-aware (a file copy of a live database is how SQLite files get corrupted).

An encrypted (SQLCipher) store is backed up under the same key (the backup API copies encrypted
pages between two connections keyed alike; a plaintext copy cannot be made this way), and its key
file is copied beside the backup as ``<backup>.keys``: without it the backup cannot be opened (the
recovery key is in it too). Restoring keeps the target's own key file when it has one (it holds
today's passwords; the key itself never changes) and takes the backup's otherwise.

A backup takes the store's exclusive lock (``triage.store.locks``): one backup, restore or migration
at a time. A restore also needs the store to itself: it is refused while any other process has the
store open, and no process can open it until the restore has finished. The copy of the database a
restore replaces is created under a name no other copy has (microseconds, then a counter, created
with O_EXCL), so two restores never keep their copies in one file.

A PostgreSQL server is backed up with its own tools (pg_dump / pg_basebackup), not from here.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from triage.files import atomic_write
from triage.store.database import Store, open_store
from triage.store.errors import StoreError
from triage.store.integrity import verify_database
from triage.store.keys import key_file_path, sqlcipher_key
from triage.store.location import check_local_path
from triage.store.locks import exclusive, operation


class BackupError(StoreError):
    pass


def backup_database(store: Store, destination: Path) -> Path:
    """Copy the live database to ``destination`` (a new file), then verify the copy. Refused
    (``StoreBusy``) while another backup, restore or migration of the store runs."""
    source = _sqlite_path(store)
    with operation(source, "the backup"):
        return _backup(store, source, destination)


def _backup(store: Store, source: Path, destination: Path) -> Path:
    key = store._key
    destination = destination.expanduser().absolute()
    if destination.exists() or (key is not None and key_file_path(destination).exists()):
        raise BackupError(f"{destination} already exists; choose a new file name")
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    partial = destination.with_name(destination.name + ".partial")
    _copy(source, partial, key)
    problems = _verify_file(partial, key)
    if problems:
        partial.unlink(missing_ok=True)
        raise BackupError("the backup copy failed verification: " + "; ".join(problems))
    if key is not None:
        atomic_write(key_file_path(destination), key_file_path(source).read_bytes())
    os.replace(partial, destination)  # a half-written backup never appears under the chosen name
    return destination


def restore_database(source: Path, target: Path, *, key: bytes | None = None) -> Path | None:
    """Replace the database at ``target`` with the backup ``source``, after verifying the backup.
    The database being replaced is first copied to ``<target>.previous-<UTC time>`` (a new file); that
    path is returned (None when there was no database at ``target``). Refused (``StoreBusy``) while
    another process has ``target`` open or is backing it up, restoring or migrating it.

    A backup made by an older version of triage (an older schema revision this version knows) is
    verified as that version wrote it, restored, then migrated to the current schema and verified
    again, as opening it in the app would.

    ``key``: the store's key (an encrypted store); a backup that this key does not open is refused."""
    source, target = source.expanduser().absolute(), target.expanduser().absolute()
    if not source.is_file():
        raise BackupError(f"the backup {source} does not exist")
    check_local_path(target)
    with exclusive(target, "the restore"):
        return _restore(source, target, key)


def _restore(source: Path, target: Path, key: bytes | None) -> Path | None:
    staged = target.with_name(target.name + ".restoring")
    _remove_sqlite_files(staged)
    # Even a read-only open of a WAL database leaves -wal/-shm files beside it: read a private copy,
    # so the backup (on a USB stick, say) stays exactly as it was.
    with tempfile.TemporaryDirectory(prefix="triage-restore-") as folder:
        private = Path(folder) / "backup.db"
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").is_file():
                shutil.copyfile(f"{source}{suffix}", f"{private}{suffix}")
        _copy(private, staged, key)
    problems = _verify_file(staged, key)
    if problems:
        _remove_sqlite_files(staged)
        raise BackupError("the backup failed verification, nothing was replaced: " + "; ".join(problems))
    previous: Path | None = None
    if target.exists():
        previous = _new_previous(target)
        _copy(target, previous, key)
    _copy(staged, target, key)  # through SQLite, in one transaction: the target's WAL is handled, never orphaned
    _remove_sqlite_files(staged)
    if key is not None and not key_file_path(target).exists() and key_file_path(source).exists():
        atomic_write(key_file_path(target), key_file_path(source).read_bytes())
    kept = f"; the database it replaced is kept as {previous}" if previous else ""
    try:
        store = open_store(target, key=key)  # migrates a backup from an older version, all or nothing
    except StoreError as exc:
        raise BackupError(f"the backup was restored but could not be brought up to date: {exc}{kept}") from None
    try:
        problems = verify_database(store)
    finally:
        store.close()
    if problems:
        raise BackupError("the restored database failed verification after its update: " + "; ".join(problems) + kept)
    return previous


def _new_previous(target: Path) -> Path:
    """A new, empty file for the copy of the database a restore replaces: ``<target>.previous-<UTC
    time to the microsecond>``, with a counter after it should that name be taken. Created with
    O_EXCL, so no other copy is ever written into it (SQLite takes an empty file as a new database)."""
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}"
    for counter in range(1000):
        path = target.with_name(f"{target.name}.previous-{stamp}" + (f"-{counter}" if counter else ""))
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        return path
    raise BackupError(f"no free name for the copy of the database being replaced beside {target}")


def _remove_sqlite_files(path: Path) -> None:
    for leftover in (path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)


def _sqlite_path(store: Store) -> Path:
    if store.dialect != "sqlite" or not store.url.database:
        raise BackupError("backup from here is for SQLite files; back up a PostgreSQL server with pg_dump")
    return Path(store.url.database)


def _copy(source: Path, destination: Path, key: bytes | None = None) -> None:
    if key is None:
        src, dst = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True), sqlite3.connect(destination)
    else:
        import sqlcipher3.dbapi2 as sqlcipher

        src, dst = sqlcipher.connect(f"{source.as_uri()}?mode=ro", uri=True), sqlcipher.connect(str(destination))
        for connection in (src, dst):
            connection.execute("PRAGMA cipher_log_level = NONE")
            connection.execute(f"PRAGMA key = {sqlcipher_key(key)}")
        try:
            src.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except sqlcipher.DatabaseError:
            dst.close()
            src.close()
            _remove_sqlite_files(destination)  # the empty staging file must not be left behind
            raise BackupError(
                "the backup cannot be read with this store's key (it belongs to another store, "
                "or is not an encrypted triage database); nothing was replaced"
            ) from None
    try:
        dst.execute("PRAGMA synchronous=FULL")
        src.backup(dst)  # all pages in one step: one consistent snapshot of the source
    finally:
        dst.close()
        src.close()


def _verify_file(path: Path, key: bytes | None = None) -> list[str]:
    try:
        store = open_store(path, key=key, migrate=False, hold=False)  # a file being checked, not a store in use
    except StoreError as exc:
        return [str(exc)]
    try:
        return verify_database(store, older_schema_ok=True)
    except Exception as exc:  # a file that is not a database at all
        return [f"not a readable triage database ({type(exc).__name__})"]
    finally:
        store.close()
