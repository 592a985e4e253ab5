"""Headless commands log in (issue 6): ``triage init`` makes the encrypted store and its first admin
and prints the recovery key once; store commands take TRIAGE_USER / TRIAGE_PASSWORD (else ask);
wrong credentials exit 1 with one message and change nothing; roles apply; ``route`` needs no login."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.store.conftest import make_nhs_number
from tests.users import CHEAP_KDF
from triage.cli import main
from triage.services.login import WRONG
from triage.store.keys import SQLITE_HEADER

PASSWORD = "correct horse battery"
ROW = {"nhs_number": make_nhs_number(1), "given_name": "Qwertgiven", "family_name": "Zyxwfamily",
       "date_of_birth": "1971-08-23", "received_on": "2024-05-01", "source": "gp"}  # fmt: skip


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    monkeypatch.setattr("triage.services.login.DEFAULT_POLICY",
                        __import__("triage.services.login", fromlist=["LoginPolicy"]).LoginPolicy(base_delay=0))  # fmt: skip
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
    before = {
        p.name: p.read_bytes()
        for p in tmp_path.iterdir()
        if p.is_file() and p.name.startswith("t.db") and "logins" not in p.name
    }
    for user, password in (("pwp1", "wrong password"), ("ghost", "pwp password 1")):
        as_user(monkeypatch, user, password)
        for command in (["referrals", "import", source], ["referrals", "export"], ["db", "verify"],
                        ["db", "backup", tmp_path / "b.db"], ["db", "restore", tmp_path / "none.db"]):  # fmt: skip
            code, out, err = run(capsys, "--database", database, *command)
            assert (code, out) == (1, "") and err == f"error: {WRONG}\n", command
    after = {
        p.name: p.read_bytes()
        for p in tmp_path.iterdir()
        if p.is_file() and p.name.startswith("t.db") and "logins" not in p.name
    }
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


def test_users_remove_reset_password_set_role_and_passwd(database, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TRIAGE_NEW_PASSWORD", "a brand new password")
    assert run(capsys, "--database", database, "users", "reset-password", "pwp1")[1].startswith(
        "ok: set a new password"
    )
    as_user(monkeypatch, "pwp1", "pwp password 1")
    assert run(capsys, "--database", database, "db", "verify")[0] == 1  # the old password no longer opens the store
    as_user(monkeypatch, "pwp1", "a brand new password")
    code, out, err = run(capsys, "--database", database, "users", "list")
    assert code == 1 and "your role does not allow this" in err  # a PWP manages no accounts...
    monkeypatch.setenv("TRIAGE_NEW_PASSWORD", "my own new password")
    assert run(capsys, "--database", database, "users", "passwd")[0] == 0  # ...but changes their own password
    as_user(monkeypatch, "admin", PASSWORD)
    assert run(capsys, "--database", database, "users", "set-role", "pwp1", "team_leader")[1] == (
        "ok: pwp1 is now team_leader\n"
    )
    assert run(capsys, "--database", database, "users", "remove", "lead")[0] == 0
    code, out, _ = run(capsys, "--database", database, "users", "list")
    assert "pwp1\tteam_leader\tactive" in out and "lead\tteam_leader\tremoved" in out
    as_user(monkeypatch, "lead", "leader password 1")
    assert run(capsys, "--database", database, "db", "verify")[0] == 1  # a removed user's wrap is gone
    as_user(monkeypatch, "pwp1", "my own new password")
    assert run(capsys, "--database", database, "db", "verify")[0] == 0  # a team leader now, who may verify


def test_users_recover_sets_a_password_with_the_recovery_key(tmp_path, capsys, monkeypatch) -> None:
    db = tmp_path / "t.db"
    recovery = run(capsys, "init", "--database", db)[1].split("shown once, stored nowhere in clear):")[1].split()[0]
    monkeypatch.setenv("TRIAGE_NEW_PASSWORD", "after the forgetting")
    monkeypatch.setenv("TRIAGE_RECOVERY_KEY", "A" * len(recovery))
    code, _, err = run(capsys, "--database", db, "users", "recover", "admin")
    assert code == 1 and err.count("\n") == 1  # a wrong recovery key: one line, nothing changed
    monkeypatch.setenv("TRIAGE_RECOVERY_KEY", recovery)
    assert run(capsys, "--database", db, "users", "recover", "admin")[0] == 0
    as_user(monkeypatch, "admin", "after the forgetting")
    code, out, _ = run(capsys, "--database", db, "users", "list")
    assert code == 0 and out.startswith("admin\tadmin\tactive")
