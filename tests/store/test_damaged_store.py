"""A damaged store says what is damaged, not that the key or the server is wrong (issue 13, item 16).

Each store is a real one (``triage init``, an import), copied and then damaged as a disk, a tool or a
person damages one: a page in the middle overwritten with garbage, the file cut short, the -wal
holding a committed transaction deleted, another store's key file put beside it, the file emptied.
Each is then used the two ways a person uses it: the real command line in a process of its own
(``python -m triage db verify`` and ``referrals export``), and the app's way in
(``open_authenticated``, whose message the login window shows). Every case has its own words, names
``triage db restore`` where a backup is the way back, never mentions a server, and never a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.store.fault_stores import (
    ADMIN,
    LEAD,
    PASSWORDS,
    ROOT,
    Template,
    cli,
    copy_store,
    error_lines,
    make_template,
    overwrite_page,
    referral_root_page,
    rows,
)
from triage.services.login import open_authenticated
from triage.services.referral_list import ReferralFilter, referral_page
from triage.store.errors import StoreDamaged, StoreError, StoreTampered, WrongKeyError
from triage.store.tamper import PAGE_SIZE


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return make_template(tmp_path_factory.mktemp("damage"))


def garbage_page(template: Template, database: Path) -> None:
    overwrite_page(database, referral_root_page(database, template.key))


def cut_short(_template: Template, database: Path) -> None:
    size = database.stat().st_size
    with database.open("r+b") as stream:
        stream.truncate(size - 8 * PAGE_SIZE)  # whole pages gone from its end


def another_stores_key_file(template: Template, database: Path) -> None:
    other = database.parent / "other"
    other.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRIAGE_USER": ADMIN, "TRIAGE_PASSWORD": PASSWORDS[ADMIN]}
    env["TRIAGE_NEW_PASSWORD"] = PASSWORDS[LEAD]
    script = (
        "import triage.store.keys as k, tests.users as u; k.KDF_PARAMS = u.CHEAP_KDF; from triage.cli import main; "
        f"assert main(['init', '--database', {str(other / 'o.db')!r}]) == 0; "
        f"raise SystemExit(main(['users', 'add', 'lead', '--role', 'team_leader', '--database', {str(other / 'o.db')!r}]))"
    )
    made = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stderr
    shutil.copyfile(other / "o.db.keys", database.with_name("t.db.keys"))  # the same passwords, another store's key


def emptied(_template: Template, database: Path) -> None:
    database.write_bytes(b"")


def wal_lost(_template: Template, database: Path) -> None:
    """An import committed (acknowledged) into the -wal by a process that is then killed before any
    checkpoint, and the -wal deleted afterwards: the main file alone is an older, sound-looking store."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-m", "tests.store.held_store_worker"], cwd=ROOT, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert worker.stdin is not None and worker.stdout is not None
    for request in ({"open": str(database), "user": LEAD, "password": PASSWORDS[LEAD]}, {"import": rows(9000, 3)}):
        worker.stdin.write(json.dumps(request) + "\n")
        worker.stdin.flush()
        answer = json.loads(worker.stdout.readline())
        assert answer["result"] == "ok", answer
    assert answer["created"] == 3
    os.kill(worker.pid, signal.SIGKILL)  # no close, no checkpoint: the import lives only in the -wal
    worker.wait(30)
    Path(f"{database}-wal").unlink()
    Path(f"{database}-shm").unlink(missing_ok=True)


# (damage, the error class the app's way in raises, words only this case's message has, names db restore)
CASES: dict[str, tuple[Callable[[Template, Path], None], type[StoreError], str, bool]] = {
    "a page in the middle overwritten": (garbage_page, StoreDamaged, "is damaged", True),
    "the file cut short": (cut_short, StoreDamaged, "cut short", True),
    "the -wal with a committed import deleted": (wal_lost, StoreTampered, "lost changes", True),
    "another store's key file": (another_stores_key_file, WrongKeyError, "does not belong to this database", False),
    "the file emptied": (emptied, StoreDamaged, "empty", True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_kind_of_damage_has_its_own_message_on_the_command_line(template, tmp_path, case) -> None:
    damage, _error, words, restore = CASES[case]
    database = copy_store(template, tmp_path / "store")
    damage(template, database)
    for user, command in ((ADMIN, ["db", "verify"]), (LEAD, ["referrals", "export"])):
        result = cli(database, *command, user=user)
        lines = error_lines(result)
        assert result.returncode in (1, 2) and lines, (command, result.stdout, result.stderr)
        message = " ".join(lines)
        assert words in message, (command, message)
        assert ("`triage db restore" in message) == restore, message
        assert "server" not in message and "sound" not in result.stdout and "Secretfamily" not in message
        others = [w for name, (_d, _e, w, _r) in CASES.items() if name != case]
        assert not any(other in message for other in others), message  # its own words, no one else's
        if command[0] == "db":
            assert len(lines) == 1, lines  # one line saying what is wrong (the verify adds none of its own)


@pytest.mark.parametrize("case", list(CASES))
def test_each_kind_of_damage_has_its_own_message_where_the_app_opens_the_store(template, tmp_path, case) -> None:
    damage, error, words, _restore = CASES[case]
    database = copy_store(template, tmp_path / "store")
    damage(template, database)
    size = database.stat().st_size
    with pytest.raises(StoreError) as caught:
        store, user = open_authenticated(database, LEAD, PASSWORDS[LEAD], sleep=lambda _s: None)
        with store:  # a damaged page can be found only once it is read: the list the app shows first
            referral_page(store, user, ReferralFilter())
    assert isinstance(caught.value, error) and words in str(caught.value)
    assert "server" not in str(caught.value)
    if damage is emptied:
        assert size == database.stat().st_size == 0  # not made into a new, empty store


@pytest.mark.parametrize("case", [name for name, (_d, _e, _w, restore) in CASES.items() if restore])
def test_db_restore_brings_back_a_damaged_store_and_keeps_the_damaged_file(template, tmp_path, case) -> None:
    damage = CASES[case][0]
    database = copy_store(template, tmp_path / "store")
    damage(template, database)
    restored = cli(database, "db", "restore", template.folder / "B.db")
    assert restored.returncode == 0 and error_lines(restored) == [], restored.stderr
    assert "ok: restored" in restored.stdout
    verified = cli(database, "db", "verify")
    assert verified.returncode == 0 and "is sound" in verified.stdout, verified.stderr
    kept = [p for p in database.parent.glob("t.db.previous-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1  # the damaged database is kept beside it (as it was, when SQLite cannot copy it)


@pytest.mark.parametrize("driver", ["sqlite3", "psycopg"])
def test_an_unexpected_database_error_mentions_a_server_only_for_a_server(driver, capsys) -> None:
    """What is left for the command line's catch-all (a full disk, a read-only folder) is named by type;
    "the server is running" is said only when there is a server."""
    import sqlite3

    import psycopg
    from sqlalchemy.exc import OperationalError

    from triage.cli import _failure

    cause = sqlite3.OperationalError("disk I/O error") if driver == "sqlite3" else psycopg.OperationalError("gone")
    assert _failure(OperationalError("SELECT 1", {}, cause)) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: the database") and ("server is running" in line) == (driver == "psycopg")
