"""Deleting a store's -wal and -shm under a running process is caught, not silently lost (issue 13, item 8).

Process A (a store kept open, as the app keeps it) imports referrals and is told they are saved. Then
the -wal and -shm are deleted: A goes on with files no one else sees, and every process that opens the
store reads it without A's import. Before, B's ``db verify`` said "sound" and A's next import was
acknowledged too. Now B (the real command line) refuses to verify or write, A refuses its next write,
each saying the store lost committed changes and naming ``db restore``; and normal use by two processes
at once, the same files all along, is never mistaken for it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.store.conftest import referral_input
from tests.store.fault_stores import LEAD, PASSWORDS, ROOT, Template, cli, copy_store, error_lines, make_template, rows
from tests.users import as_pwp
from triage.services import create_referral
from triage.store import open_store
from triage.store.errors import StoreTampered
from triage.store.integrity import verify_database
from triage.store.tamper import witness_path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return make_template(tmp_path_factory.mktemp("tamper"))


class HeldStore:
    """A process with the store open (tests/store/held_store_worker.py)."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("TRIAGE_DATABASE_URL", None)
        self.process = subprocess.Popen([sys.executable, "-m", "tests.store.held_store_worker"], cwd=ROOT, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture
def process_a() -> Iterator[HeldStore]:
    held = HeldStore()
    try:
        yield held
    finally:
        held.close()


def open_as_lead(held: HeldStore, database: Path) -> None:
    assert held.ask({"open": str(database), "user": LEAD, "password": PASSWORDS[LEAD]})["result"] == "ok"


def import_file(folder: Path, start: int, count: int) -> Path:
    path = folder / f"import-{start}.json"
    path.write_text(json.dumps(rows(start, count)), encoding="utf-8")
    return path


def test_deleting_the_wal_under_a_running_process_is_caught_by_the_next_process_and_the_next_write(
    template: Template, tmp_path: Path, process_a: HeldStore
) -> None:
    database = copy_store(template, tmp_path / "store")
    open_as_lead(process_a, database)
    assert process_a.ask({"import": rows(5000, 4)}) == {"result": "ok", "message": "", "created": 4}  # acknowledged
    assert Path(f"{database}-wal").stat().st_size > 0  # the import lives in the -wal: A keeps the store open
    Path(f"{database}-wal").unlink()
    Path(f"{database}-shm").unlink()

    verified = cli(database, "db", "verify")  # process B
    assert verified.returncode == 1 and "sound" not in verified.stdout
    [line] = error_lines(verified)
    assert "lost changes that were committed" in line and "`triage db restore" in line, line
    imported = cli(database, "referrals", "import", import_file(tmp_path, 6000, 2), user=LEAD)
    assert imported.returncode == 1 and "imported" not in imported.stdout
    assert ["lost changes that were committed" in line for line in error_lines(imported)] == [True]

    again = process_a.ask({"import": rows(7000, 2)})  # A writes again
    assert again["result"] == "StoreTampered" and again["created"] == 0
    assert "-wal file was deleted or replaced" in again["message"] and "`triage db restore" in again["message"]
    assert "Secretfamily" not in again["message"] + verified.stderr + imported.stderr


def test_the_running_process_catches_it_even_when_the_head_record_went_too(
    template: Template, tmp_path: Path, process_a: HeldStore
) -> None:
    database = copy_store(template, tmp_path / "store")
    open_as_lead(process_a, database)
    assert process_a.ask({"import": rows(5000, 4)})["result"] == "ok"
    for path in (Path(f"{database}-wal"), Path(f"{database}-shm"), witness_path(database)):
        path.unlink()
    again = process_a.ask({"import": rows(7000, 2)})
    assert again["result"] == "StoreTampered" and "-wal file was deleted" in again["message"]


def test_two_processes_writing_in_turn_are_never_taken_for_tampering(
    template: Template, tmp_path: Path, process_a: HeldStore
) -> None:
    database = copy_store(template, tmp_path / "store")
    open_as_lead(process_a, database)
    for round_ in range(3):
        assert process_a.ask({"import": rows(5000 + 10 * round_, 2)})["result"] == "ok"
        imported = cli(database, "referrals", "import", import_file(tmp_path, 6000 + 10 * round_, 2), user=LEAD)
        assert imported.returncode == 0 and error_lines(imported) == [], imported.stderr
    assert process_a.ask({"close": True})["result"] == "ok"
    verified = cli(database, "db", "verify")
    assert verified.returncode == 0 and "is sound" in verified.stdout, verified.stderr


def test_a_store_file_replaced_by_an_older_copy_while_open_refuses_the_next_write(tmp_path: Path) -> None:
    database = tmp_path / "t.db"
    with open_store(database) as store:
        create_referral(store, as_pwp("pwp"), referral_input(1))
    shutil.copyfile(database, tmp_path / "older.db")
    with open_store(database) as store:
        create_referral(store, as_pwp("pwp"), referral_input(2))
        os.replace(tmp_path / "older.db", database)
        with pytest.raises(StoreTampered, match="the database file was replaced while triage had it open"):
            create_referral(store, as_pwp("pwp"), referral_input(3))


def test_an_older_copy_put_back_while_nothing_had_it_open_is_refused_at_the_next_open(
    template: Template, tmp_path: Path
) -> None:
    database = copy_store(template, tmp_path / "store")
    shutil.copyfile(database, tmp_path / "older.db")
    with open_store(database, key=template.key) as store:
        create_referral(store, as_pwp("pwp"), referral_input(9001))
    shutil.copyfile(tmp_path / "older.db", database)  # behind triage's back, with no process running
    with pytest.raises(StoreTampered, match="no longer reaches event"):
        open_store(database, key=template.key)


def test_db_verify_reports_a_trail_that_does_not_reach_the_head_record(template: Template, tmp_path: Path) -> None:
    database = copy_store(template, tmp_path / "store")
    with open_store(database, key=template.key) as store:
        create_referral(store, as_pwp("pwp"), referral_input(9001))
        # (opened without a login, so its own new events are unsigned: a problem of another kind)
        assert [p for p in verify_database(store) if "no longer reaches" in p] == []
        record = json.loads(witness_path(database).read_text())
        ahead = record["event"] + 5  # as if the newest five events had been lost since the store was opened
        record.update(event=ahead, mac=store._guard._mac(ahead, record["hash"]))
        witness_path(database).write_text(json.dumps(record))
        [problem] = [p for p in verify_database(store) if "no longer reaches" in p]
    assert f"no longer reaches event {ahead}" in problem and "`triage db restore" in problem
