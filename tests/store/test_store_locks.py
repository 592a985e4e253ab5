"""Restores and backups under concurrent use, through real processes (issue 13, items 1 and 2).

Two ``triage db restore`` runs at once must not destroy the data they replace: one restore at a time
(the other refused with a clear message, never a traceback), and each keeps the database it
replaced in a file of its own. A restore is refused while another process has the store open, and
says which process; a process that was killed holds nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.store.conftest import referral_input
from tests.users import CHEAP_KDF, as_pwp
from triage.cli import main
from triage.services import create_referral
from triage.services.login import open_authenticated
from triage.services.store_setup import initialise_store
from triage.store import backup_database, open_store, restore_database
from triage.store.models import Referral

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
ROWS, BACKUP_ROWS = 100, 3
REFUSALS = ("refused: another backup, restore or schema update of this store is under way",
            "refused: the store is open in another process", "the store is being restored from a backup",
            "refused: another process is opening this store")  # fmt: skip


@dataclass(frozen=True)
class Template:
    folder: Path  # t.db with ROWS referrals, and B.db, its backup when it had BACKUP_ROWS
    key: bytes


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    folder = tmp_path_factory.mktemp("locks")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
        initialise_store(folder / "t.db", "admin", "The Admin", PASSWORD)
        store, _admin = open_authenticated(folder / "t.db", "admin", PASSWORD)
    with store:
        for serial in range(1, ROWS + 1):
            create_referral(store, as_pwp("pwp"), referral_input(serial))
            if serial == BACKUP_ROWS:
                backup_database(store, folder / "B.db")
        assert store._key is not None
        return Template(folder, store._key)


def fresh_store(template: Template, folder: Path) -> Path:
    folder.mkdir()
    for name in ("t.db", "t.db.keys"):
        shutil.copy2(template.folder / name, folder / name)
    return folder / "t.db"


def referral_count(database: Path, key: bytes) -> int:
    with open_store(database, key=key, migrate=False) as store, store.read() as session:
        return int(session.scalar(select(func.count()).select_from(Referral)) or 0)


class Workers:
    """Worker processes (tests/store/process_worker.py), each asked one request per round, together."""

    def __init__(self, count: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
        env.pop("TRIAGE_DATABASE_URL", None)
        self.processes = [subprocess.Popen([sys.executable, "-m", "tests.store.process_worker"], cwd=ROOT, env=env,
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                          for _ in range(count)]  # fmt: skip

    def ask(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        start_at = time.time() + 0.05
        for process, request in zip(self.processes, requests, strict=False):
            assert process.stdin is not None
            process.stdin.write(json.dumps({**request, "start_at": start_at}) + "\n")
            process.stdin.flush()
        answers = []
        for process, _request in zip(self.processes, requests, strict=False):
            assert process.stdout is not None
            answers.append(json.loads(process.stdout.readline()))
        return answers

    def close(self) -> None:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.close()
        for process in self.processes:
            process.wait(timeout=30)


@pytest.fixture
def workers() -> Iterator[Workers]:
    pool = Workers(2)
    try:
        yield pool
    finally:
        pool.close()


def restore_request(database: Path, backup: Path) -> dict[str, Any]:
    return {"cli": ["--database", str(database), "db", "restore", str(backup)], "user": "admin", "password": PASSWORD}


def test_two_restores_at_once_keep_the_replaced_data_and_refuse_cleanly(template, tmp_path, workers) -> None:
    backup = template.folder / "B.db"
    outcomes = {"restored": 0, "refused": 0}
    for attempt in range(20):
        database = fresh_store(template, tmp_path / f"run{attempt}")
        answers = workers.ask([restore_request(database, backup)] * 2)
        for answer in answers:
            assert "Traceback" not in answer["err"] and answer["code"] in (0, 1), answer
            if answer["code"] == 1:
                assert any(refusal in answer["err"] for refusal in REFUSALS), answer
                assert answer["err"].count("\n") == 1 and answer["out"] == ""  # one clear line
        restored = sum(answer["code"] == 0 for answer in answers)
        outcomes["restored"] += restored
        outcomes["refused"] += 2 - restored
        kept = sorted(database.parent.glob("t.db.previous-*"))
        assert len(kept) == restored, (answers, kept)  # one copy of its own per restore, none overwritten
        counts = sorted(referral_count(path, template.key) for path in kept)
        if restored:
            assert referral_count(database, template.key) == BACKUP_ROWS
            assert counts == ([BACKUP_ROWS, ROWS] if restored == 2 else [ROWS])  # the 100 rows are kept
        else:
            assert referral_count(database, template.key) == ROWS  # both refused: nothing replaced
        assert not list(database.parent.glob("t.db.restoring*"))
    assert outcomes["restored"] >= 1, outcomes


def test_a_restore_is_refused_while_another_process_has_the_store_open(template, tmp_path, workers, capsys,
                                                                      monkeypatch) -> None:  # fmt: skip
    database, backup = fresh_store(template, tmp_path / "store"), template.folder / "B.db"
    (holder,) = workers.ask([{"open": str(database), "user": "admin", "password": PASSWORD}])
    assert holder["result"] == "ok"
    monkeypatch.setenv("TRIAGE_USER", "admin")
    monkeypatch.setenv("TRIAGE_PASSWORD", PASSWORD)
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    code = main(["--database", str(database), "db", "restore", str(backup)])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.startswith("error: the restore refused: the store is open in another process "
                          f"(process id {holder['pid']}): close triage there")  # fmt: skip
    assert referral_count(database, template.key) == ROWS and not list(database.parent.glob("t.db.previous-*"))
    # the holder closes the store (its next request): the restore goes ahead
    workers.ask([{"login": str(database), "user": "admin", "password": "not the password"}])
    assert main(["--database", str(database), "db", "restore", str(backup)]) == 0
    assert referral_count(database, template.key) == BACKUP_ROWS


def test_a_restore_from_another_process_is_refused_while_this_one_has_the_store_open(template, tmp_path,
                                                                                  workers) -> None:  # fmt: skip
    database, backup = fresh_store(template, tmp_path / "store"), template.folder / "B.db"
    store, _admin = open_authenticated(database, "admin", PASSWORD)  # as the app logs in and keeps it open
    with store:
        (answer,) = workers.ask([restore_request(database, backup)])
        assert answer["code"] == 1 and f"open in another process (process id {os.getpid()})" in answer["err"], answer
        assert referral_count(database, template.key) == ROWS
    (answer,) = workers.ask([restore_request(database, backup)])  # the app has closed it
    assert answer["code"] == 0, answer


def test_a_killed_process_holds_nothing(template, tmp_path, capsys, monkeypatch) -> None:
    database = fresh_store(template, tmp_path / "store")
    pool = Workers(1)
    (holder,) = pool.ask([{"open": str(database), "user": "admin", "password": PASSWORD}])
    assert holder["result"] == "ok" and (database.parent / "t.db.locks" / f"open-{holder['pid']}").is_file()
    pool.processes[0].kill()  # as a crash or a pulled plug would: no chance to let go of anything
    pool.processes[0].wait(timeout=30)
    monkeypatch.setenv("TRIAGE_USER", "admin")
    monkeypatch.setenv("TRIAGE_PASSWORD", PASSWORD)
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    assert main(["--database", str(database), "db", "restore", str(template.folder / "B.db")]) == 0, capsys.readouterr()
    assert referral_count(database, template.key) == BACKUP_ROWS
    assert not (database.parent / "t.db.locks" / f"open-{holder['pid']}").exists()  # its leftover was removed


def test_kept_copies_never_share_a_name(template, tmp_path) -> None:
    database, backup = fresh_store(template, tmp_path / "store"), template.folder / "B.db"
    kept = [restore_database(backup, database, key=template.key) for _ in range(3)]  # within one second
    assert len({str(path) for path in kept}) == 3
    assert [referral_count(path, template.key) for path in kept if path] == [ROWS, BACKUP_ROWS, BACKUP_ROWS]
