"""Headless commands log in (issue 6): ``triage init`` makes the encrypted store and its first admin
and prints the recovery key once; store commands take TRIAGE_USER / TRIAGE_PASSWORD (else ask);
wrong credentials exit 1 with one message and change nothing; roles apply; ``route`` needs no login."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.store.conftest import make_nhs_number
from triage.cli import main
from triage.store.keys import SQLITE_HEADER

PASSWORD = "correct horse battery"
ROW = {"nhs_number": make_nhs_number(1), "given_name": "Qwertgiven", "family_name": "Zyxwfamily",
       "date_of_birth": "1971-08-23", "received_on": "2024-05-01", "source": "gp"}  # fmt: skip


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", {"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
    monkeypatch.setattr("triage.services.accounts.DEFAULT_POLICY",
                        __import__("triage.services.accounts", fromlist=["LoginPolicy"]).LoginPolicy(base_delay=0))  # fmt: skip
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_USER", "admin")
    monkeypatch.setenv("TRIAGE_PASSWORD", PASSWORD)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def as_user(monkeypatch: pytest.MonkeyPatch, user: str, password: str) -> None:
    monkeypatch.setenv("TRIAGE_USER", user)
    monkeypatch.setenv("TRIAGE_PASSWORD", password)


@pytest.fixture
def database(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "t.db"
    code, out, _ = run(capsys, "init", "--database", db)
    assert code == 0 and "RECOVERY KEY" in out
    monkeypatch.setenv("TRIAGE_NEW_PASSWORD", "leader password 1")
    assert run(capsys, "users", "add", "lead", "--role", "team_leader", "--database", db)[0] == 0
    monkeypatch.setenv("TRIAGE_NEW_PASSWORD", "pwp password 1")
    assert run(capsys, "users", "add", "pwp1", "--role", "pwp", "--database", db)[0] == 0
    return db


def test_init_creates_an_encrypted_store_and_refuses_an_existing_one(tmp_path, capsys) -> None:
    db = tmp_path / "t.db"
    code, out, _ = run(capsys, "init", "--database", db, "--display-name", "The Admin")
    assert code == 0 and out.startswith(f"ok: created the store at {db} with the admin admin")
    recovery = out.split("RECOVERY KEY (shown once, stored nowhere in clear):")[1].split()[0]
    assert len(recovery.split("-")) == 13
    assert db.read_bytes()[:16] != SQLITE_HEADER and (tmp_path / "t.db.keys").is_file()
    assert recovery not in (tmp_path / "t.db.keys").read_text()
    code, _, err = run(capsys, "init", "--database", db)
    assert code == 1 and "already exists" in err


def test_store_commands_log_in_and_roles_apply(database, tmp_path, capsys, monkeypatch) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps([ROW]))
    code, _, err = run(capsys, "--database", database, "referrals", "import", source)  # admin: no patient data
    assert code == 1 and "your role does not allow this (import)" in err
    as_user(monkeypatch, "PWP1", "pwp password 1")
    code, out, _ = run(capsys, "--database", database, "referrals", "import", source)
    assert code == 0 and out.startswith("imported 1 referrals")
    code, _, err = run(capsys, "--database", database, "referrals", "export")
    assert code == 1 and "export" in err
    as_user(monkeypatch, "lead", "leader password 1")
    code, out, _ = run(capsys, "--database", database, "referrals", "export")
    assert code == 0 and json.loads(out)[0]["family_name"] == "Zyxwfamily"
    assert run(capsys, "--database", database, "db", "verify")[0] == 0
    as_user(monkeypatch, "admin", PASSWORD)
    code, out, _ = run(capsys, "--database", database, "db", "backup", tmp_path / "b.db")
    assert code == 0 and (tmp_path / "b.db.keys").is_file() and b"Zyxwfamily" not in (tmp_path / "b.db").read_bytes()
    code, out, _ = run(capsys, "--database", database, "db", "restore", tmp_path / "b.db")
    assert code == 0 and "kept as" in out
    code, out, _ = run(capsys, "--database", database, "users", "list")
    assert code == 0 and out.splitlines()[0].startswith("admin\tadmin\tactive")


def test_wrong_credentials_exit_1_and_change_nothing(database, tmp_path, capsys, monkeypatch) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps([ROW]))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("t.db") and "logins" not in p.name}
    for user, password in (("pwp1", "wrong password"), ("ghost", "pwp password 1")):
        as_user(monkeypatch, user, password)
        for command in (["referrals", "import", source], ["referrals", "export"], ["db", "verify"],
                        ["db", "backup", tmp_path / "b.db"], ["db", "restore", tmp_path / "none.db"]):  # fmt: skip
            code, out, err = run(capsys, "--database", database, *command)
            assert (code, out) == (1, "") and err == "error: unknown user or wrong password\n", command
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("t.db") and "logins" not in p.name}
    assert after == before and not (tmp_path / "b.db").exists()


def test_route_and_rules_need_no_login(capsys, monkeypatch) -> None:
    monkeypatch.delenv("TRIAGE_USER")
    monkeypatch.delenv("TRIAGE_PASSWORD")
    code, out, _ = run(capsys, "rules", "golden")
    assert code == 0 and out


def test_a_plaintext_store_is_refused_by_the_command_line(tmp_path, capsys) -> None:
    from triage.store import open_store

    open_store(tmp_path / "plain.db").close()
    code, _, err = run(capsys, "--database", tmp_path / "plain.db", "db", "verify")
    assert code == 1 and "is not encrypted and is refused" in err and "--encrypt-existing" in err
