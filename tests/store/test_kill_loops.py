"""Issue 13 item 11's kill loops: a backup and a restore SIGKILLed mid-way, again and again.

Each run forks a child (this process, warmed up, its connections closed before the fork) that opens
the store and says it is ready, then backs it up (or restores it); the parent kills it at a point
drawn from a seeded RNG across the time a whole run takes (measured first), so the kills land in
the copy, the verification, the key file and the rename alike. Only runs that were still working
when the signal came count: the loop goes on until ``KILLS`` real SIGKILLs have landed (50 with
``CI`` set). After each kill:

- the store is sound (``verify_database``, what ``triage db verify`` runs) and every row is there:
  the store as it was, or (a restore) wholly the backup, never a mixture;
- the backup being restored is byte for byte as it was, and a backup's name holds a whole, verified
  backup or nothing;
- the next backup (or restore) works, and afterwards nothing partial is left anywhere: no
  ``.partial``, ``.restoring``, ``.restoring-source``, no -wal/-shm/-journal of a backup or a kept
  copy, no key file without its backup; the copies a restore keeps are whole, verified, within the cap.

The stores are small (a few dozen referrals, encrypted with a raw key: no KDF) to keep CI cost low.
``TRIAGE_KILL_SEED`` changes the seed; it is printed with the run number on failure.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.needs import needs
from tests.store.conftest import referral_input
from tests.users import as_pwp
from triage.services import create_referral
from triage.store import backup_database, open_store, restore_database, verify_database
from triage.store.backup import KEEP_PREVIOUS, kept_copies

KILLS = 50 if os.environ.get("CI") else 12
SEED = int(os.environ.get("TRIAGE_KILL_SEED", "20261201"))
REFERRALS = 20
KEY = bytes(range(32))  # the tests' own raw key: the real store's cipher without the KDF's cost
LEFT_BY_A_KILL = (".partial", ".restoring", "-wal", "-shm", "-journal", ".part")


@pytest.fixture(autouse=True)
def _posix() -> None:
    needs(hasattr(os, "fork"), "the loops fork (POSIX); run them on a POSIX runner")


def make_store(path: Path, count: int, first: int = 1) -> None:
    Path(f"{path}.keys").write_bytes(b"the key file a backup carries beside it (its content is not read here)")
    with open_store(path, key=KEY) as store:
        for serial in range(first, first + count):
            create_referral(store, as_pwp("pwp"), referral_input(serial))


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read without changing the file (no migration, no lock share)."""
    with open_store(path, key=KEY, migrate=False, hold=False) as store, store.engine.connect() as connection:
        tables = [r[0] for r in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(map(tuple, connection.exec_driver_sql(f"SELECT * FROM {t}")), key=repr) for t in tables}


def sound(path: Path) -> list[str]:
    with open_store(path, key=KEY, migrate=False, hold=False) as store:
        return verify_database(store)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def in_child(prepare: Callable[[], Callable[[], object]]) -> tuple[int, int]:
    """Fork: the child runs ``prepare`` (opening the store), says it is ready, then runs what it
    returned and exits 0 (3 on an error). Returns (pid, fd of the ready pipe)."""
    ready, told = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(ready)
        code = 3
        try:
            work = prepare()
            os.write(told, b"r")
            work()
            code = 0
        except BaseException:
            traceback.print_exc()  # the child's own failure, on the test's standard error
        finally:
            os._exit(code)
    os.close(told)
    return pid, ready


def run_once(prepare: Callable[[], Callable[[], object]], kill_after: float | None) -> tuple[bool, float]:
    """One child; SIGKILLed ``kill_after`` seconds after it is ready (None: left to finish). Returns
    whether the kill landed while it was still working, and how long it ran after ready."""
    pid, ready = in_child(prepare)
    try:
        assert os.read(ready, 1) == b"r", "the child could not get ready"
    finally:
        os.close(ready)
    started = time.monotonic()
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    took = time.monotonic() - started
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True, took
    assert os.WEXITSTATUS(status) == 0, "the child failed by itself"
    return False, took


def kill_loop(prepare: Callable[[], Callable[[], object]], check: Callable[[int, bool], None]) -> tuple[int, float]:
    """Measure a whole run, then kill runs at random points in it until ``KILLS`` kills landed mid-way;
    ``check(run number, killed)`` after each (-1 and 0: the two whole runs first). Returns (runs, seconds a whole run takes)."""
    for warm_up in (0, 1):  # the second whole run, by a child of a warmed-up parent, is the one to time
        _, whole = run_once(prepare, None)
        check(warm_up - 1, False)
    rng = random.Random(SEED)
    killed = runs = 0
    while killed < KILLS:
        runs += 1
        assert runs <= 3 * KILLS, f"only {killed} of {runs} runs were killed mid-way; the loop proves little"
        landed, _ = run_once(prepare, rng.uniform(0, whole))
        killed += landed
        try:
            check(runs, landed)
        except AssertionError as exc:
            raise AssertionError(f"run {runs} (seed {SEED}, {'killed' if landed else 'finished'}): {exc}") from exc
    return runs, whole


def partial_files(*folders: Path) -> list[str]:
    return sorted(
        p.name
        for folder in folders
        for p in folder.iterdir()
        if p.name.endswith(LEFT_BY_A_KILL) and not p.name.startswith("triage.db-")
    )  # fmt: skip  (the store's own WAL is the store's)


def test_a_backup_killed_mid_way_leaves_the_store_whole_and_nothing_partial(tmp_path: Path) -> None:
    live, out = tmp_path / "store" / "triage.db", tmp_path / "backups"
    live.parent.mkdir()
    out.mkdir()
    make_store(live, REFERRALS)
    rows = contents(live)
    target = out / "b.db"

    def prepare() -> Callable[[], object]:
        store = open_store(live, key=KEY)
        return lambda: backup_database(store, target)

    def check(run: int, killed: bool) -> None:
        assert sound(live) == [] and contents(live) == rows  # the store whole, every row there
        if target.exists():  # a backup's name holds a whole, verified backup, with its key file
            assert sound(target) == [] and contents(target) == rows and Path(f"{target}.keys").is_file()
            for path in (target, Path(f"{target}.keys")):
                path.unlink()
        # the next backup works, and tidies what the killed one left
        with open_store(live, key=KEY) as store:
            backup_database(store, out / "next.db")
        assert contents(out / "next.db") == rows
        assert sorted(p.name for p in out.iterdir()) == ["next.db", "next.db.keys"], "left in the backup folder"
        assert partial_files(live.parent) == [], "left beside the store"
        for path in (out / "next.db", out / "next.db.keys"):
            path.unlink()

    started = time.monotonic()
    runs, whole = kill_loop(prepare, check)
    print(
        f"backup kill loop: {KILLS} kills in {runs} runs, {time.monotonic() - started:.1f} s (a backup {whole:.3f} s)"
    )


def test_a_restore_killed_mid_way_leaves_one_whole_database_and_nothing_partial(tmp_path: Path) -> None:
    live, out = tmp_path / "store" / "triage.db", tmp_path / "backups"
    live.parent.mkdir()
    out.mkdir()
    make_store(live, REFERRALS)
    with open_store(live, key=KEY) as store:
        backup_database(store, out / "fewer.db")
        create_referral(store, as_pwp("pwp"), referral_input(REFERRALS + 1))
        backup_database(store, out / "more.db")
    states = {name: contents(out / name) for name in ("fewer.db", "more.db")}
    sums = {name: digest(out / name) for name in states}
    restore_database(out / "fewer.db", live, key=KEY)  # the live store is "fewer"; each run restores "more"

    def prepare() -> Callable[[], object]:
        return lambda: restore_database(out / "more.db", live, key=KEY)

    def check(run: int, killed: bool) -> None:
        assert sound(live) == []
        assert contents(live) in (states["fewer.db"], states["more.db"]), "neither as it was nor the backup"
        assert {name: digest(out / name) for name in states} == sums, "a backup being restored was changed"
        # the next restore works (back to "fewer" for the next run), and tidies what the killed one left
        restore_database(out / "fewer.db", live, key=KEY)
        assert contents(live) == states["fewer.db"]  # (the restore verified it before it returned)
        assert partial_files(live.parent, out) == [], "left behind"
        assert sorted(p.name for p in out.iterdir()) == ["fewer.db", "fewer.db.keys", "more.db", "more.db.keys"]
        kept = kept_copies(live)
        assert 1 <= len(kept) <= KEEP_PREVIOUS  # (every one is checked whole at the end)

    started = time.monotonic()
    runs, whole = kill_loop(prepare, check)
    for copy in kept_copies(live):  # every kept copy whole, at the end
        assert sound(copy) == [] and contents(copy) in states.values()
    print(f"restore kill loop: {KILLS} kills in {runs} runs, {time.monotonic() - started:.1f} s "
          f"(a restore {whole:.3f} s)")  # fmt: skip
