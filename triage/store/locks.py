"""Who may use a local store at the same time (issue 13): OS file locks in ``<database>.locks/``.

- ``open-<process id>``: every process that has the store open holds its own lock file, for as long
  as it has it open. Together these are a shared lock made of exclusive ones (all that a portable
  lock library offers on every OS), and they say which process holds the store.
- ``opening``: held for a moment while a process adds its ``open-`` file, and for the whole of a
  restore, so no process can open a store while it is being replaced.
- ``store``: the exclusive lock of a restore, a backup or a schema migration. A second one is
  refused at once (a migration waits for a while instead: two apps opening an old store at once).
- ``logins``: held around every read-modify-write of ``<database>.logins`` (failed logins, lockout),
  so parallel guesses are each counted and audited.

The OS releases a lock when its process ends, however it ends, so a killed app never keeps its store
locked: a leftover ``open-`` file whose lock can be taken belongs to no process and is removed. The
file names carry process ids only, never patient data. ``filelock`` rather than fcntl or msvcrt: the
same code on Linux, Windows and macOS (tests/test_portable.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout

from triage.store.errors import StoreError

LOCKS_SUFFIX = ".locks"
OPENING_WAIT = 2.0  # seconds: an open holds ``opening`` for milliseconds, a restore for as long as it runs
MIGRATION_WAIT = 120.0
LOGINS_WAIT = 60.0
POLL = 0.01  # seconds between tries while waiting: a queued login or open goes ahead soon after its turn  # logins are queued, each for one key unwrap (argon2id, well under a second)


class StoreBusy(StoreError):
    """Another process has the store open, or is backing it up, restoring or migrating it."""


def _folder(database: Path) -> Path:
    folder = database.with_name(database.name + LOCKS_SUFFIX)
    with suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    return folder


def lock_folder(database: Path) -> Path:
    """The store's lock folder (made if missing): where its processes say what they are doing."""
    return _folder(database)


def _lock(path: Path) -> FileLock:
    # One instance per path and process, shared by its threads: re-entrant, so a restore that holds
    # ``store`` can open (and migrate) the store it has just restored.
    return FileLock(path, mode=0o600, thread_local=False, is_singleton=True)


@contextmanager
def _held(database: Path, name: str, *, wait: float, busy: str, reentrant: bool = True) -> Iterator[None]:
    path = _folder(database) / name
    # not re-entrant: a lock of its own per call, which also keeps out this process's other threads
    lock = _lock(path) if reentrant else FileLock(path, mode=0o600, thread_local=False)
    try:
        lock.acquire(timeout=wait, poll_interval=POLL)
    except Timeout:
        raise StoreBusy(busy) from None
    try:
        yield
    finally:
        lock.release()


def operation(database: Path, what: str, *, wait: float = 0) -> AbstractContextManager[None]:
    """The store's exclusive lock, for a backup, a restore or a migration (``what``)."""
    return _held(database, "store", wait=wait,
                 busy=f"{what} refused: another backup, restore or schema update of this store is under way "
                      "(by another process); try again when it has finished")  # fmt: skip


def logins(database: Path) -> AbstractContextManager[None]:
    """Around a read-modify-write of the store's login-state file."""
    return _held(database, "logins", wait=LOGINS_WAIT, reentrant=False,
                 busy="other logins to this store are still being checked; try again in a moment")  # fmt: skip


@contextmanager
def exclusive(database: Path, what: str) -> Iterator[None]:
    """The store to this process alone (a restore): no other process has it open or can open it
    meanwhile, and no backup, restore or migration runs; else ``StoreBusy`` saying which process
    holds it."""
    with operation(database, what), _held(database, "opening", wait=OPENING_WAIT, busy=_busy_opening(what)):
        others = _other_holders(_folder(database))
        if others:
            ids = ", ".join(str(pid) for pid in others)
            raise StoreBusy(
                f"{what} refused: the store is open in another process (process id {ids}): close triage "
                "there (the app, or a command still running) and try again; nothing was changed"
            )
        yield


def _busy_opening(what: str) -> str:
    return f"{what} refused: another process is opening this store; try again in a moment"


def _other_holders(folder: Path) -> list[int]:
    """The ids of the other processes that have the store open; leftovers of ended ones are removed."""
    holders: list[int] = []
    for path in sorted(folder.glob("open-*")):
        pid = _pid_of(path)
        if pid is None or pid == os.getpid():
            continue
        probe = FileLock(path, mode=0o600, thread_local=False)
        try:
            probe.acquire(timeout=0)
        except Timeout:
            holders.append(pid)
            continue
        probe.release()
        with suppress(OSError):
            path.unlink()  # its process has ended (the OS let go of its lock)
    return holders


def _pid_of(path: Path) -> int | None:
    text = path.name.removeprefix("open-")
    return int(text) if text.isdigit() else None


class OpenHold:
    """This process's share of the store while a ``Store`` has it open; ``release`` when it closes.
    Refused (``StoreBusy``) while the store is being restored."""

    def __init__(self, database: Path) -> None:
        folder = _folder(database)
        busy = "the store is being restored from a backup (or another process is opening it); try again in a moment"
        with _held(database, "opening", wait=OPENING_WAIT, busy=busy):
            self._lock: FileLock | None = _lock(folder / f"open-{os.getpid()}")
            self._lock.acquire(timeout=0)  # this process's own file: nobody else takes it

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is None:
            return
        lock.release()
        if not lock.is_locked:  # this process's last open store on this file
            with suppress(OSError):
                Path(lock.lock_file).unlink()
