"""Damaged and tampered store files (issue 13, items 8 and 16): a damaged file told apart from a wrong
key, and no write on top of a store that has lost changes this computer committed to it.

Damage. SQLCipher authenticates every page with an HMAC under the database key, and ``PRAGMA
cipher_integrity_check`` (SQLCipher 4.2+) names each page that fails it and a last page cut short,
without reading the database's structure. So, with the key the key file gave:

- no page verifies: the key is not this file's (another store's key file; not a triage database; or
  the file's first 16 bytes, the salt every page's HMAC key is derived from, overwritten);
- some pages fail: they were overwritten after SQLCipher wrote them;
- a page cut short, or every page verifies and SQLite still finds the database malformed: the file
  was cut short (or its -wal was lost in the middle of a checkpoint);
- an existing file of 0 bytes, or not whole pages: empty or cut short, refused before SQLite sees it
  (SQLite takes an empty file for a new database and would write a schema into it).

Each is a ``StoreDamaged`` naming ``triage db restore``; the wrong key stays ``WrongKeyError``. SQLite's
own "malformed" and "not a database" errors met later (a damaged page read by a list) are turned into
the same messages by the engine's ``handle_error`` hook (``report_damage``).

Lost changes. Deleting a store's ``-wal`` and ``-shm`` while a process has it open splits the store in
two: that process goes on writing into the deleted files, and every process that opens the store
afterwards reads the main file without the transactions that lived only in the WAL. SQLite cannot see
this, so each store remembers what it committed (``WriteGuard``):

- in memory: the database file's and its -wal's identity (device and inode) after its last commit,
  and the audit head it committed; each later write transaction first checks that the files are still
  those and that the head is still in the audit chain (the -wal's identity only while this store has a
  connection open: SQLite removes the -wal when the last connection closes, and makes a new one after);
- beside the database: ``<database>.locks/head``, the newest audit event this computer committed (its id
  and hash, MAC'd under the database key so it cannot be forged), checked when the store is opened,
  at every write and by ``db verify``: a store whose audit trail no longer reaches it has lost changes.

Either refuses with ``StoreTampered`` (logged without identifiers). What cannot be seen is in
docs/access.md, "When the store's files are tampered with".
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from triage.store.errors import StoreDamaged, StoreTampered, WrongKeyError
from triage.store.keys import sqlcipher_key
from triage.store.locks import LOCKS_SUFFIX

log = logging.getLogger(__name__)

WITNESS_NAME = "head"
PAGE_SIZE = 4096  # SQLCipher 4's default, which every store is made with
RESTORE = "Restore the latest backup with `triage db restore BACKUP`"
WRONG_KEY = (
    "the database cannot be read with this key: no page of it opens with the key in its key file, so the "
    "key file does not belong to this database (or the file is not an encrypted triage database); nothing "
    "was changed. Put back the key file that belongs to it (a backup's is saved beside it as BACKUP.keys)"
)
EMPTY = f"the database file is empty (0 bytes): its contents are gone; nothing was opened or changed. {RESTORE}"
LOST = (
    "the store has lost changes that were committed to it: {what}. Its files were deleted or replaced "
    "outside triage; nothing more is written. Close triage everywhere, then restore the latest backup with "
    "`triage db restore BACKUP`"
)
_BAD_PAGE = re.compile(r"HMAC verification failed for page (\d+)")
_SHORT_PAGE = re.compile(r"page (\d+) has an invalid size")
_DAMAGE = ("malformed", "not a database")
_STARTED, _HEAD = "triage_guard_started", "triage_guard_head"


# --- damage ------------------------------------------------------------------------------------


def check_file(path: Path) -> None:
    """Before an existing encrypted store is opened: an empty or part-page file is damage, not a store."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return  # a new store
    if size == 0:
        raise StoreDamaged(EMPTY)
    if size % 512:
        raise StoreDamaged(_cut_short(f"it ends part of the way through a page ({size} bytes)"))


def _cut_short(how: str) -> str:
    return f"the database file is cut short: {how}; nothing was opened or changed. {RESTORE}"


def _damaged(pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:10]) + (" and more" if len(pages) > 10 else "")
    if pages == [1]:
        where = "its first page (the header) fails"
    else:
        where = f"page {shown} fails" if len(pages) == 1 else f"{len(pages)} of its pages ({shown}) fail"
    return (f"the database file is damaged: {where} the check SQLCipher keeps for every page (overwritten "
            f"outside triage); nothing more is written. {RESTORE}")  # fmt: skip


def diagnose(path: Path, key: bytes, cause: str) -> StoreDamaged | WrongKeyError:
    """Why the encrypted store at ``path`` could not be read with ``key`` (SQLite said ``cause``)."""
    rows = cipher_integrity(path, key)
    bad = [int(m[1]) for row in rows if (m := _BAD_PAGE.search(row))]
    short = [int(m[1]) for row in rows if (m := _SHORT_PAGE.search(row))]
    pages = max(path.stat().st_size // PAGE_SIZE, 1) if path.exists() else 1
    if bad and len(bad) >= pages:
        return WrongKeyError(WRONG_KEY)
    if short:
        return StoreDamaged(_cut_short(f"its last page, page {short[0]}, is incomplete"))
    if bad:
        return StoreDamaged(_damaged(bad))
    if "malformed" in cause:
        return StoreDamaged(_cut_short("every page it has is intact, but pages the database needs are missing "
                                       "from its end"))  # fmt: skip
    return WrongKeyError(WRONG_KEY)


def damage_problems(path: Path | None, key: bytes | None) -> list[str]:
    """``db verify``'s first look at an encrypted store: the pages that fail their HMAC, or a last page
    cut short (SQLite's own integrity check would stop at the first damaged page with an error)."""
    if path is None or key is None:
        return []
    rows = cipher_integrity(path, key)
    bad = [int(m[1]) for row in rows if (m := _BAD_PAGE.search(row))]
    if any(_SHORT_PAGE.search(row) for row in rows):
        return [_cut_short("its last page is incomplete")]
    return [_damaged(bad)] if bad else []


def intact(path: Path, key: bytes | None) -> bool:
    """Whether SQLite can read all of the file (a restore keeps a damaged store by moving it aside)."""
    try:
        check_file(path)
    except StoreDamaged:
        return False
    if key is not None and damage_problems(path, key):
        return False
    return _read_only(path, key, "PRAGMA quick_check") == ["ok"]


def move_companions(source: Path, destination: Path) -> None:
    """After the database file itself was renamed: its -wal renamed with it (kept as it is, byte for byte);
    its -shm, an index SQLite rebuilds, and any -journal removed. Only under the store's exclusive lock."""
    wal = Path(f"{source}-wal")
    if wal.exists():
        os.replace(wal, Path(f"{destination}-wal"))
    for suffix in ("-shm", "-journal"):
        Path(f"{source}{suffix}").unlink(missing_ok=True)


def cipher_integrity(path: Path, key: bytes) -> list[str]:
    """SQLCipher's check of every page's HMAC (one row per problem)."""
    return _read_only(path, key, "PRAGMA cipher_integrity_check") or []


def _read_only(path: Path, key: bytes | None, pragma: str) -> list[str] | None:
    """The rows of ``pragma`` on a read-only connection of its own (keyed first when encrypted), or None
    when SQLite cannot run it at all."""
    if key is None:
        import sqlite3 as driver
    else:
        import sqlcipher3.dbapi2 as driver  # type: ignore[no-redef]
    connection = driver.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        if key is not None:
            connection.execute("PRAGMA cipher_log_level = NONE")
            connection.execute(f"PRAGMA key = {sqlcipher_key(key)}")
        return [str(row[0]) for row in connection.execute(pragma)]
    except driver.Error:
        return None
    finally:
        connection.close()


def report_damage(engine: Engine, path: Path | None, key: bytes | None) -> None:
    """Turn SQLite's corruption errors on ``engine`` into ``StoreDamaged`` / ``WrongKeyError`` saying which."""

    def handle(context: ExceptionContext) -> None:
        text = str(context.original_exception)
        if not any(word in text for word in _DAMAGE):
            return
        log.info("the store's file is damaged or unreadable (%s)", type(context.original_exception).__name__)
        if path is None or key is None:
            raise StoreDamaged(f"the database file is damaged (SQLite reports {_first(text)}). {RESTORE}")
        raise diagnose(path, key, text)

    event.listen(engine, "handle_error", handle)


def _first(text: str) -> str:
    return "it malformed" if "malformed" in text else "that it is not a database"


# --- lost changes ------------------------------------------------------------------------------


def witness_path(database: Path) -> Path:
    """In the store's own folder of lock files (``triage.store.locks``), which every open makes."""
    return database.with_name(database.name + LOCKS_SUFFIX) / WITNESS_NAME


def forget_witness(database: Path) -> None:
    """A restore rolls the store back on purpose: what was committed before it no longer has to be there."""
    witness_path(database).unlink(missing_ok=True)


class WriteGuard:
    """What this store committed, checked before its next write transaction (see the module's docstring)."""

    def __init__(self, engine: Engine, writer: sessionmaker[Session], path: Path | None, key: bytes | None) -> None:
        self.path, self._key = path, key
        self._database = _file_id(path) if path is not None else None
        self._wal: tuple[int, int] | None = None  # the -wal this store's connections wrote its last commit to
        self._connections = 0  # this store's open connections: SQLite removes the -wal when the last one closes
        self._committed: tuple[int, str] | None = None
        for name in ("after_begin", "before_commit", "after_commit", "after_rollback"):
            event.listen(writer, name, getattr(self, f"_{name}"))
        if path is not None:
            event.listen(engine, "connect", self._connected)
            event.listen(engine, "close", self._closed)

    def _connected(self, *_args: object) -> None:
        self._connections += 1

    def _closed(self, *_args: object) -> None:
        self._connections -= 1
        if self._connections <= 0:  # the -wal may now go legitimately (and a new one come with the next)
            self._wal = None

    def check_open(self, connection: Connection) -> None:
        """At open: the newest change this computer committed is still in the store."""
        problem = self.witness_problem(connection)
        if problem is not None:
            raise self._refuse(problem)

    def lost_changes(self, connection: Connection) -> list[str]:
        """``db verify``: the store has lost what this computer committed (the witness), as a problem."""
        problem = self.witness_problem(connection)
        return [] if problem is None else [LOST.format(what=problem)]

    def witness_problem(self, connection: Connection) -> str | None:
        witnessed = self._read_witness()
        if witnessed is None or _in_chain(connection, *witnessed):
            return None
        return f"its audit trail no longer reaches event {witnessed[0]}, which this computer committed"

    def _refuse(self, what: str) -> StoreTampered:
        log.error("the store has lost committed changes (its files were changed outside triage); writing refused")
        return StoreTampered(LOST.format(what=what))

    # -- the session events of the store's writer --

    def _after_begin(self, session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
        session.info[_STARTED] = connection
        if self.path is not None:
            if self._database is not None and _file_id(self.path) != self._database:
                raise self._refuse("the database file was replaced while triage had it open")
            if self._wal is not None and _file_id(Path(f"{self.path}-wal")) != self._wal:
                raise self._refuse("its -wal file was deleted or replaced while triage had it open")
        if self._committed is not None and not _in_chain(connection, *self._committed):
            raise self._refuse(f"its audit trail no longer reaches event {self._committed[0]}, committed here")
        problem = self.witness_problem(connection)
        if problem is not None:
            raise self._refuse(problem)

    def _before_commit(self, session: Session) -> None:
        connection = session.info.get(_STARTED)
        if connection is not None:
            session.flush()
            session.info[_HEAD] = _head(connection)

    def _after_commit(self, session: Session) -> None:
        session.info.pop(_STARTED, None)
        head = session.info.pop(_HEAD, None)
        if head is None:
            return
        if self.path is not None:
            self._database = self._database or _file_id(self.path)  # a new store's file is made by its first use
            self._wal = _file_id(Path(f"{self.path}-wal"))
        if head != self._committed:
            self._committed = head
            self._write_witness(head)

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_STARTED, None)
        session.info.pop(_HEAD, None)

    # -- the witness file --

    def _mac(self, event_id: int, chain_hash: str) -> str:
        assert self._key is not None
        message = f"triage-head/1|{event_id}|{chain_hash}".encode()
        return hmac.new(hashlib.sha256(b"triage head witness" + self._key).digest(), message, "sha256").hexdigest()

    def _read_witness(self) -> tuple[int, str] | None:
        if self.path is None or self._key is None:
            return None
        try:
            data = json.loads(witness_path(self.path).read_text("utf-8"))
            event_id, chain_hash, mac = int(data["event"]), str(data["hash"]), str(data["mac"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("the store's head record is unreadable; it is written again at the next change")
            return None
        if not hmac.compare_digest(mac, self._mac(event_id, chain_hash)):
            log.warning("the store's head record does not verify under its key; it is written again at the next change")
            return None
        return event_id, chain_hash

    def _write_witness(self, head: tuple[int, str]) -> None:
        """After the commit returned (so it never gets ahead of the database); not fsync'd: a power cut
        can only leave it behind, which is safe. Written by rename, so it is never half-written."""
        if self.path is None or self._key is None:
            return
        known = self._read_witness()
        if known is not None and known[0] >= head[0]:
            return  # another process got further
        target = witness_path(self.path)
        if not target.parent.is_dir():
            return  # a file merely being checked (no lock folder): nothing to remember it by
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        document = {"format": "triage-head/1", "event": head[0], "hash": head[1], "mac": self._mac(*head)}
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(json.dumps(document))
            os.replace(temporary, target)
        except OSError:
            log.warning("the store's head record could not be written; the change itself is committed")
            with contextlib.suppress(OSError):
                temporary.unlink()


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def _head(connection: Connection) -> tuple[int, str] | None:
    row: Any = connection.execute(text("SELECT last_event_id, last_hash FROM audit_head WHERE id = 1")).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def _in_chain(connection: Connection, event_id: int, chain_hash: str) -> bool:
    found = connection.execute(text("SELECT hash FROM audit_event WHERE id = :id"), {"id": event_id})
    return found.scalar() == chain_hash
