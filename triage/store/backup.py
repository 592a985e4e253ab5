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
with O_EXCL), so two restores never keep their copies in one file. The newest ``KEEP_PREVIOUS`` copies
are kept (a restore removes older ones once it has succeeded).

A backup is written under ``<destination>.partial``, created new (O_EXCL, never through a symbolic
link) and renamed into place once verified; a file already in the way is refused, never removed.
A store whose audit trail already has a problem (an event written outside the app, unsigned, or
signed with another user's key) is still backed up: the copy must match its source, problems included
(a problem the copy has and the store has not is a failed copy), and the problems it carries are
returned to be said (``BackupMade.carried``). Restoring such a backup is refused unless the admin
accepts its problems (``accept_problems``; ``db restore --accept-problems``), so a tampered trail is
never restored unannounced, nor is the only backup left unusable.

Every failure (an unwritable folder, a full disk, a copy that fails verification) removes what this
backup wrote (the part file, its -wal/-shm, the key file beside it) and is one ``BackupError``.
Everything written here is 0600 on POSIX (``triage.store.location.private_files``).

Before a schema update (``back_up_before_migration``, called by ``open_store``) the store is copied
beside itself as ``<store>.previous-<UTC time>.from-schema-<revision>`` and verified; that copy counts
among the ``KEEP_PREVIOUS``. If it cannot be made or verified, the update is not started.

A process killed mid-way (SIGKILL, a power cut) leaves only files under names no finished copy has
(``.partial``, ``.restoring``, ``.restoring-source`` and their -wal/-shm/-journal); the next backup,
restore or schema update of the store removes them (``_tidy``), holding the store's lock, so they
belong to a process that has ended. A backup names its part file in ``<store>.locks/backup-under-way``
while it writes it (its folder may be anywhere).

A PostgreSQL server is backed up with its own tools (pg_dump / pg_basebackup), not from here.
"""

from __future__ import annotations

import errno
import glob
import json
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from triage.files import atomic_write, fsync_folder
from triage.store.database import Store, head_revision, open_store, schema_revision, upgrade_schema
from triage.store.errors import MigrationError, StoreError
from triage.store.integrity import verify_database
from triage.store.keys import key_file_path, sqlcipher_key
from triage.store.location import PRIVATE_FILE, SQLITE_COMPANIONS, check_local_path, private_files
from triage.store.locks import exclusive, lock_folder, operation
from triage.store.tamper import forget_witness, intact, move_companions

log = logging.getLogger(__name__)

KEEP_PREVIOUS = 3  # copies of replaced databases kept beside the store (``restore_database(keep=...)``)
_PREVIOUS_STAMP = re.compile(r"(\d{8}T\d{6})(?:\.(\d{6}))?Z(?:-(\d+))?(?:\.from-schema-[0-9A-Za-z_]+)?")
_UNDER_WAY = "backup-under-way"  # in the store's lock folder: the part file a backup is writing


class BackupError(StoreError):
    pass


@dataclass(frozen=True)
class BackupMade:
    """A verified backup: where it is, and the problems it carries from its store (empty when sound)."""

    path: Path
    carried: tuple[str, ...] = ()


def carried_in_words(carried: tuple[str, ...]) -> str:
    """ "the problem" or "the 3 problems": how a backup's carried problems are named wherever it is said."""
    return "the problem" if len(carried) == 1 else f"the {len(carried)} problems"


def backup_database(
    store: Store, destination: Path, *, made: Callable[[tuple[str, ...]], object] | None = None
) -> BackupMade:
    """Copy the live database to ``destination`` (a new file), then verify the copy: it must have no
    problem its store has not. Refused (``StoreBusy``) while another backup, restore or migration of
    the store runs. ``made`` (the audit of the backup, given the problems carried) is called once the
    copy is verified, just before it takes its name: if it fails, so does the backup, and nothing is
    left; so no backup exists without its record."""
    source = _sqlite_path(store)
    with operation(source, "the backup"):
        return _backup(store, source, destination, made)


def _backup(
    store: Store, source: Path, destination: Path, made: Callable[[tuple[str, ...]], object] | None
) -> BackupMade:
    key = store._key
    _tidy(source)  # first: what a killed backup left may be in this one's way
    destination = destination.expanduser().absolute()
    keys = key_file_path(destination)
    if destination.exists() or (key is not None and keys.exists()):
        raise BackupError(f"{destination} already exists; choose a new file name")
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    partial = destination.with_name(destination.name + ".partial")
    record = lock_folder(source) / _UNDER_WAY
    try:
        with private_files():  # a moment's note in the lock folder (a torn one is ignored), not a document
            record.write_text(json.dumps({"partial": str(partial), "keys": str(keys) if key else None}), "utf-8")
        _claim(partial)
    except BaseException as exc:
        record.unlink(missing_ok=True)
        raise _failed(exc, f"the backup to {destination}", destination.parent, "nothing was written") from None
    wrote_keys = False
    try:
        _copy(source, partial, key)
        carried = _carried(store, _verify_file(partial, key))
        if key is not None:
            wrote_keys = True  # from here on the key file beside the backup is this backup's own
            atomic_write(keys, key_file_path(source).read_bytes())
        if made is not None:
            made(carried)
        os.replace(partial, destination)  # a half-written backup never appears under the chosen name
    except BaseException as exc:
        _remove_sqlite_files(partial)
        if wrote_keys:
            keys.unlink(missing_ok=True)
        raise _failed(exc, f"the backup to {destination}", destination.parent, "nothing was left behind") from None
    finally:
        record.unlink(missing_ok=True)
    return BackupMade(destination, carried)


def _carried(store: Store, problems: list[str]) -> tuple[str, ...]:
    """The copy's problems, each one its store has too (checked now, after the copy: events written
    since are the store's alone, so the copy's are a subset); a problem only the copy has is a
    failed copy."""
    if not problems:
        return ()
    own = set(verify_database(store, older_schema_ok=True))
    failed = [problem for problem in problems if problem not in own]
    if failed:
        raise BackupError("the backup copy failed verification: " + "; ".join(failed))
    return tuple(problems)


def _tidy(store_file: Path) -> None:
    """Remove what a backup, restore or schema update of ``store_file`` killed mid-way left. Called
    holding the store's lock: whoever wrote these files has ended."""
    for leftover in (*store_file.parent.glob(f"{glob.escape(store_file.name)}.previous-*.partial"),
                     store_file.with_name(store_file.name + ".restoring"),
                     store_file.with_name(store_file.name + ".restoring-source")):  # fmt: skip
        _remove_sqlite_files(leftover)
    record = lock_folder(store_file) / _UNDER_WAY
    try:
        written = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    partial = Path(written["partial"])
    _remove_sqlite_files(partial)
    if written.get("keys"):
        keys = Path(written["keys"])
        for part in keys.parent.glob(f".{glob.escape(keys.name)}.*.part"):  # atomic_write's, cut short
            part.unlink(missing_ok=True)
        if not partial.with_name(partial.name.removesuffix(".partial")).exists():
            keys.unlink(missing_ok=True)  # the backup it went with never took its name
    record.unlink(missing_ok=True)


def _claim(partial: Path) -> None:
    """Create the backup's part file, new and empty (SQLite takes an empty file as a new database).
    Anything already there (a leftover, a symbolic link, its -wal/-shm) is refused and left as it is:
    it may not be this program's, and a link would send the copy somewhere else."""
    for path in (partial, *(Path(f"{partial}{suffix}") for suffix in SQLITE_COMPANIONS)):
        if os.path.lexists(path):
            raise BackupError(_in_the_way(path))
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE))
    except FileExistsError:  # put there since the check above
        raise BackupError(_in_the_way(partial)) from None
    except OSError as exc:
        raise _failed(exc, f"the backup to {partial.with_suffix('')}", partial.parent, "nothing was written") from None


def _in_the_way(path: Path) -> str:
    what = "a symbolic link" if path.is_symlink() else "a file"
    return (f"{path} is in the way ({what}, perhaps left by a backup that did not finish); it was not "
            "touched: remove it or choose another backup name; nothing was written")  # fmt: skip


def _is_write_failure(exc: BaseException) -> bool:
    """The OS's or SQLite's (either driver's) refusal to write, as opposed to a bug."""
    return isinstance(exc, (OSError, sqlite3.Error)) or type(exc).__module__.startswith("sqlcipher3")


def _failed(exc: BaseException, what: str, folder: Path, outcome: str) -> BaseException:
    """A write the OS or SQLite refused, as one ``BackupError`` saying why in words (SQLite's own
    text is not repeated: the errno and the error's type tell the cases apart); anything else as it was."""
    if isinstance(exc, BackupError) or not _is_write_failure(exc):
        return exc
    code, text = getattr(exc, "errno", None), str(exc).lower()
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or "disk is full" in text:
        why = "the disk is full"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS) or "unable to open" in text or "readonly" in text:
        why = f"the folder {folder} cannot be written to"
    else:
        why = f"it could not be written ({type(exc).__name__})"
    return BackupError(f"{what} failed: {why}; {outcome}")


def restore_database(
    source: Path, target: Path, *, key: bytes | None = None, keep: int = KEEP_PREVIOUS, accept_problems: bool = False
) -> Path | None:
    """Replace the database at ``target`` with the backup ``source``, after verifying the backup.
    The database being replaced is first copied to ``<target>.previous-<UTC time>`` (a new file); that
    path is returned (None when there was no database at ``target``). Refused (``StoreBusy``) while
    another process has ``target`` open or is backing it up, restoring or migrating it.

    A backup made by an older version of triage (an older schema revision this version knows) is
    verified as that version wrote it, restored, then migrated to the current schema and verified
    again, as opening it in the app would.

    ``key``: the store's key (an encrypted store); a backup that this key does not open is refused.
    ``keep``: how many copies of replaced databases to keep (at least 1: the one just made); older
    ones are removed once the restore has succeeded, never after a failure.
    ``accept_problems``: restore a backup that verification finds problems in (a backup carrying its
    store's audit-trail problems) as it is; without it such a backup is refused."""
    if keep < 1:
        raise BackupError("at least the copy of the database being replaced is kept (keep must be 1 or more)")
    source, target = source.expanduser().absolute(), target.expanduser().absolute()
    if not source.is_file():
        raise BackupError(f"the backup {source} does not exist")
    check_local_path(target)
    with exclusive(target, "the restore"):
        previous = _restore(source, target, key, accept_problems)
        _prune_previous(target, keep)
        return previous


def _restore(source: Path, target: Path, key: bytes | None, accept_problems: bool) -> Path | None:
    staged = target.with_name(target.name + ".restoring")
    _tidy(target)
    previous: Path | None = None
    set_aside = False
    try:
        accepted = _stage(source, staged, key, accept_problems)
        if target.exists():
            if intact(target, key):
                previous = _keep_copy(target, key)
            else:  # damaged: SQLite can neither copy it nor write into it; kept byte for byte instead
                previous = _new_previous(target)
                Path(f"{previous}.partial").unlink()  # the name's reservation: the file itself is moved there
                os.replace(target, previous)
                set_aside = True
                move_companions(target, previous)
        _copy(staged, target, key)  # through SQLite, in one transaction: the target's WAL is handled, never orphaned
    except Exception as exc:
        _remove_sqlite_files(staged)
        if set_aside and previous is not None:  # the damaged file back where it was, over any part-made one
            for suffix in ("-shm", "-journal"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)  # the part-made one's, not the damaged file's
            os.replace(previous, target)
            move_companions(previous, target)
        elif previous is not None:  # the target is as it was (its replacement is one transaction): no copy needed
            _remove_sqlite_files(previous)
        raise _failed(exc, f"the restore of {target}", target.parent, "nothing was replaced") from None
    _remove_sqlite_files(staged)
    forget_witness(target)  # rolled back on purpose: the changes made since the backup are meant to go
    if key is not None and not key_file_path(target).exists() and key_file_path(source).exists():
        atomic_write(key_file_path(target), key_file_path(source).read_bytes())
    kept = f"; the database it replaced is kept as {previous}" if previous else ""
    try:
        # A backup from an older version is migrated, all or nothing; it is its own copy from before
        # the update (still where it was), so no second one is made beside the target.
        store = open_store(target, key=key, migrate=False)
        try:
            upgrade_schema(store.engine)
        except BaseException:
            store.close()
            raise
    except StoreError as exc:
        raise BackupError(f"the backup was restored but could not be brought up to date: {exc}{kept}") from None
    try:
        problems = verify_database(store)
    finally:
        store.close()
    failed = [problem for problem in problems if problem not in accepted]
    if failed:
        raise BackupError("the restored database failed verification after its update: " + "; ".join(failed) + kept)
    return previous


def _stage(source: Path, staged: Path, key: bytes | None, accept_problems: bool) -> set[str]:
    """The backup copied beside the target and verified there; returns the problems accepted."""
    # Even a read-only open of a WAL database leaves -wal/-shm files beside it: read a private copy,
    # so the backup (on a USB stick, say) stays exactly as it was.
    # Beside the target, not in a temporary folder: a restore killed mid-way leaves it where the next
    # one removes it.
    private = staged.with_name(staged.name.removesuffix(".restoring") + ".restoring-source")
    try:
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").is_file():
                with private_files():
                    shutil.copyfile(f"{source}{suffix}", f"{private}{suffix}")
        _copy(private, staged, key)
    finally:
        _remove_sqlite_files(private)
    problems = _verify_file(staged, key)
    if problems and not accept_problems:
        raise BackupError("the backup failed verification, nothing was replaced: " + "; ".join(problems) + ". If "
                          "these are problems its store already had when it was backed up (the backup said so), "
                          "`triage db restore --accept-problems` restores it as it is")  # fmt: skip
    return set(problems)


def _keep_copy(target: Path, key: bytes | None, note: str = "", verify: bool = False) -> Path:
    """Copy the database at ``target`` to a new ``<target>.previous-<UTC time><note>``: written under
    ``.partial`` and renamed once whole (and, with ``verify``, verified), so a kept copy is never half
    of one. Returns its path; on any failure nothing is left and the error is raised."""
    final = _new_previous(target, note)
    partial = final.with_name(final.name + ".partial")
    try:
        _copy(target, partial, key)
        problems = _verify_file(partial, key) if verify else []
        if problems:
            raise BackupError("the copy failed verification: " + "; ".join(problems))
        os.replace(partial, final)
        fsync_folder(final.parent)
    except BaseException:
        _remove_sqlite_files(partial)
        raise
    return final


def _new_previous(target: Path, note: str = "") -> Path:
    """A free name for a copy kept beside ``target``: ``<target>.previous-<UTC time to the
    microsecond>``, with a counter after it should that name be taken, then ``note``. Its part file is
    created with O_EXCL, so no other copy is ever written into it (SQLite takes an empty file as a
    new database)."""
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}"
    for counter in range(1000):
        path = target.with_name(f"{target.name}.previous-{stamp}" + (f"-{counter}" if counter else "") + note)
        if os.path.lexists(path):
            continue
        try:
            os.close(os.open(f"{path}.partial", os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                             PRIVATE_FILE))  # fmt: skip
        except FileExistsError:
            continue
        return path
    raise BackupError(f"no free name for a copy of the database beside {target}")


def kept_copies(target: Path) -> list[Path]:
    """The copies of replaced databases kept beside ``target``, oldest first."""
    found = []
    for path in target.parent.glob(f"{glob.escape(target.name)}.previous-*"):
        match = _PREVIOUS_STAMP.fullmatch(path.name.removeprefix(f"{target.name}.previous-"))
        if match and path.is_file() and not path.is_symlink():
            found.append(((match[1], match[2] or "", int(match[3] or 0)), path))
    return [path for _, path in sorted(found)]


def _prune_previous(target: Path, keep: int) -> None:
    for old in kept_copies(target)[:-keep]:
        _remove_sqlite_files(old)


def _remove_sqlite_files(path: Path) -> None:
    for leftover in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_COMPANIONS)):
        leftover.unlink(missing_ok=True)


def _sqlite_path(store: Store) -> Path:
    if store.dialect != "sqlite" or not store.url.database:
        raise BackupError("backup from here is for SQLite files; back up a PostgreSQL server with pg_dump")
    return Path(store.url.database)


def _copy(source: Path, destination: Path, key: bytes | None = None) -> None:
    if key is None:
        with private_files():
            src, dst = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True), sqlite3.connect(destination)
    else:
        import sqlcipher3.dbapi2 as sqlcipher

        with private_files():
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


def migration_backup_notice(copy: Path) -> str:
    """What the person is told once a store has been updated: where its copy from before is."""
    return (f"This version of triage updated the database's schema when it opened it. A verified copy of the "
            f"database as it was before the update is kept as {copy} (the newest {KEEP_PREVIOUS} copies are kept "
            "beside the database).")  # fmt: skip


def back_up_before_migration(engine: Engine, local: Path | None, key: bytes | None,
                             migrations_dir: Path | None = None) -> Path | None:  # fmt: skip
    """Before the schema of an existing store is updated: a verified copy of it beside it, named
    ``<store>.previous-<UTC time>.from-schema-<revision>`` and kept under ``KEEP_PREVIOUS``; returned
    (None when nothing is updated, the database is new, or it is not a local file). Called by
    ``open_store`` holding the store's lock. A copy that cannot be made or verified is one
    ``MigrationError`` and the update is not started: the store is as it was.

    A PostgreSQL server has no file to copy from here: its update goes ahead (in one transaction, rolled
    back on failure) and a warning says to back the server up with its own tools first."""
    current = schema_revision(engine)
    wanted = head_revision(migrations_dir)
    if current is None or current == wanted:
        return None  # a new database, or nothing to update
    if local is None:
        if engine.dialect.name == "postgresql":
            log.warning("schema update from %s to %s of a PostgreSQL store: no backup is made by triage "
                        "(a server is backed up with pg_dump or pg_basebackup)", current, wanted)  # fmt: skip
        return None
    from alembic.script import ScriptDirectory

    from triage.store.database import alembic_config

    if current not in {
        rev.revision for rev in ScriptDirectory.from_config(alembic_config(migrations_dir)).walk_revisions()
    }:
        return None  # from a newer version: upgrade_schema refuses it, untouched
    _tidy(local)
    try:
        copy = _keep_copy(local, key, note=f".from-schema-{current}", verify=True)
    except Exception as exc:
        why = str(_failed(exc, "the copy", local.parent, "nothing was left behind"))
        log.error("schema update from %s to %s not started: no verified backup could be made", current, wanted)
        raise MigrationError(f"the database schema was not updated from {current} to {wanted}: a verified backup "
                             f"of the database could not be made first ({why}); the database was not changed. "
                             "Make room beside it, or fix the folder, and open it again") from None  # fmt: skip
    _prune_previous(local, KEEP_PREVIOUS)
    log.info("backed up the database to %s (verified) before updating its schema from %s to %s", copy, current, wanted)
    return copy
