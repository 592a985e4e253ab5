"""The store's command line: ``triage referrals import/export`` and ``triage db verify/backup/restore``,
through the authenticated flow (issue 6): every store is made by ``triage init`` (encrypted, with its
key file beside it), users are added with ``triage users add``, and each command runs as a user whose
role allows it (TRIAGE_USER / TRIAGE_PASSWORD). A role that is not allowed is refused (exit 1) and
nothing changes but the audit of the login and the refusal.

Most tests call ``main()`` in this process (a subprocess costs a second of start-up); the tampering
test goes through a real subprocess, as a script would. argon2 is slow by design, so ONE store is
initialised per module (with cheap KDF parameters, recorded in its key file) and copied into each
test's folder; every copy shares that store's key, which the tests use to read a store back.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.store.conftest import make_nhs_number
from tests.users import CHEAP_KDF, as_pwp
from triage.cli import main
from triage.services.login import WRONG, LoginPolicy, authenticate
from triage.store import open_store, schema_revision
from triage.store.database import head_revision
from triage.store.keys import SQLITE_HEADER
from triage.store.models import AuditEvent

ROW = {"nhs_number": make_nhs_number(1), "given_name": "Zoë", "family_name": "Secretfamily",
       "date_of_birth": "1985-03-14", "received_on": "2024-05-01", "source": "gp"}  # fmt: skip

# The template store's accounts: username -> (password, role). The PWP is "cli-tester", the name the
# audit trail is expected to carry for an import.
ADMIN, LEAD, PWP = "admin", "lead", "cli-tester"
PASSWORDS = {ADMIN: "correct horse battery", LEAD: "leader password 1", PWP: "pwp password 1"}


@dataclass(frozen=True)
class Template:
    database: Path  # an initialised store with an admin, a team leader and a PWP, no referrals
    key: bytes  # its database key (shared by every copy)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    db = tmp_path_factory.mktemp("template") / "t.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
        mp.delenv("TRIAGE_DATABASE_URL", raising=False)
        mp.setenv("TRIAGE_USER", ADMIN)
        mp.setenv("TRIAGE_PASSWORD", PASSWORDS[ADMIN])
        with contextlib.redirect_stdout(io.StringIO()) as out:  # the recovery key: not for the test log
            assert main(["init", "--database", str(db)]) == 0, out.getvalue()
            for name, role in ((LEAD, "team_leader"), (PWP, "pwp")):
                mp.setenv("TRIAGE_NEW_PASSWORD", PASSWORDS[name])
                assert main(["users", "add", name, "--role", role, "--database", str(db)]) == 0
        key, user = authenticate(db, ADMIN, PASSWORDS[ADMIN])
    assert user.role == "admin" and db.read_bytes()[:16] != SQLITE_HEADER
    assert sorted(p.name for p in db.parent.iterdir()) == ["t.db", "t.db.keys", "t.db.locks", "t.db.logins"]
    yield Template(db, key)


@pytest.fixture
def new_store(template: Template) -> Any:
    """``new_store(path)``: a copy of the template store (and its key file) at ``path``."""

    def make(path: Path) -> Path:
        shutil.copyfile(template.database, path)
        shutil.copyfile(template.database.with_name("t.db.keys"), path.with_name(path.name + ".keys"))
        return path

    return make


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    monkeypatch.setattr("triage.services.login.DEFAULT_POLICY", LoginPolicy(base_delay=0))
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRIAGE_NEW_PASSWORD", raising=False)
    as_user(monkeypatch, PWP)


def as_user(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("TRIAGE_USER", name)
    monkeypatch.setenv("TRIAGE_PASSWORD", PASSWORDS[name])


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_as(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str,
           *args: str | Path) -> tuple[int, str, str]:  # fmt: skip
    as_user(monkeypatch, name)
    return run(capsys, *args)


def rows_file(tmp_path: Path, rows: list[dict[str, Any]], name: str = "in.json") -> Path:
    path = tmp_path / name
    if name.endswith(".csv"):
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text(json.dumps(rows), encoding="utf-8")
    return path


@contextlib.contextmanager
def opened(database: Path, key: bytes) -> Iterator[Any]:
    """The store read back with its key, as it is on disk (no migration, no login written)."""
    store = open_store(database, key=key, migrate=False)
    try:
        yield store
    finally:
        store.close()


def referral_count(database: Path, key: bytes) -> int:
    with opened(database, key) as store, store.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM referral").scalar_one())


def referral_rows(database: Path, key: bytes) -> list[tuple[Any, ...]]:
    with opened(database, key) as store, store.engine.connect() as connection:
        return [tuple(r) for r in connection.exec_driver_sql("SELECT * FROM referral ORDER BY id").all()]


def audit_trail(database: Path, key: bytes) -> list[tuple[str, str, str]]:
    with opened(database, key) as store, store.read() as session:
        return [(e.actor, e.action, e.summary) for e in session.query(AuditEvent).order_by(AuditEvent.id)]


def refused(action: str) -> str:
    return f"error: your role does not allow this ({action}); ask a team leader or admin\n"


# --- import, export ----------------------------------------------------------------------------


def test_an_import_with_an_invalid_row_writes_nothing_and_names_rows_and_fields_only(
    tmp_path, capsys, new_store, template
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    bad = {**ROW, "nhs_number": make_nhs_number(2)[:-1] + "0", "date_of_birth": "1985-02-30"}
    source = rows_file(tmp_path, [ROW, bad, {**ROW, "source": "fax"}], "in.csv")
    code, out, err = run(capsys, "--database", db, "referrals", "import", source)  # as the PWP
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "error: row 2: nhs_number: fails the NHS number check digit",
        "error: row 2: date_of_birth: is not a real date",
        "error: row 3: source: Input should be 'gp', 'self', 'other_health_professional', 'jobcentre', "
        "'occupational_health', 'voluntary_sector' or 'other'",
        "error: nothing was imported: 2 of 3 rows are invalid",
    ]
    for secret in (ROW["nhs_number"], bad["nhs_number"], "Zoë", "Secretfamily", "fax"):
        assert secret not in err
    assert referral_count(db, template.key) == 0
    assert not [e for e in audit_trail(db, template.key) if e[1] == "import"]


def test_skip_invalid_imports_the_rest_and_says_so(tmp_path, capsys, new_store, template) -> None:
    db = new_store(tmp_path / "t.db")
    rows = [ROW, {**ROW, "received_on": "2024-05-02"}, {**ROW, "given_name": ""}]
    code, out, err = run(capsys, "referrals", "import", "--skip-invalid", rows_file(tmp_path, rows), "--database", db)
    assert code == 0
    assert out == ("imported 2 referrals (1 flagged as possible duplicates of an open referral); "
                   "skipped 1 invalid rows (listed on standard error)\n")  # fmt: skip
    assert err.splitlines() == ["error: row 3: given_name: String should have at least 1 character",
                                "warning: 1 of 3 rows were invalid and were NOT imported"]  # fmt: skip
    assert referral_count(db, template.key) == 2
    with opened(db, template.key) as store, store.read() as session:
        (event,) = session.query(AuditEvent).filter(AuditEvent.action == "import").all()
        assert (event.actor, event.summary) == (
            "cli-tester",
            "imported 2 referrals (1 flagged as possible duplicates); 1 invalid rows skipped",
        )
    code, out, err = run(capsys, "--database", db, "referrals", "import", "--skip-invalid",
                         rows_file(tmp_path, [{**ROW, "source": "x"}], "all-bad.json"))  # fmt: skip
    assert code == 2 and "nothing was imported: 1 of 1 rows are invalid" in err
    assert referral_count(db, template.key) == 2


def test_export_round_trips_through_import_in_both_formats(tmp_path, capsys, monkeypatch, new_store, template) -> None:
    db, fresh = new_store(tmp_path / "t.db"), new_store(tmp_path / "fresh.db")
    rows = [ROW | {"notes": "first, with \"quotes\"\nand a second line", "phone": "07700900123"},
            {**ROW, "nhs_number": make_nhs_number(3), "family_name": "Other", "postcode": "DN1 1AA"}]  # fmt: skip
    assert run_as(monkeypatch, capsys, PWP, "--database", db, "referrals", "import", rows_file(tmp_path, rows))[0] == 0
    code, out, _ = run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "export",
                          "--out", tmp_path / "all.csv")  # fmt: skip
    assert code == 0 and out == f"exported 2 referrals to {tmp_path / 'all.csv'} (csv)\n"
    # A store with the same (placeholder) prefix refuses the carried references; once it has its own, not.
    code, _, err = run_as(monkeypatch, capsys, PWP, "--database", fresh, "referrals", "import", tmp_path / "all.csv")
    assert code == 2 and "`triage db prefix ABC`" in err
    code, out, _ = run_as(monkeypatch, capsys, ADMIN, "--database", fresh, "db", "prefix", "TWO")
    assert code == 0 and out == "ok: new references start TWO-\n"
    assert run_as(monkeypatch, capsys, PWP, "--database", fresh, "referrals", "import", tmp_path / "all.csv")[0] == 0
    code, first, _ = run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "export")
    assert code == 0
    code, again, _ = run(capsys, "--database", fresh, "referrals", "export", "--format", "json")
    assert code == 0
    strip = lambda text: [{k: v for k, v in r.items() if k != "id"} for r in json.loads(text)]  # noqa: E731
    assert strip(again) == strip(first) and len(strip(first)) == 2
    assert json.loads(first)[0]["notes"] == rows[0]["notes"] and json.loads(first)[0]["status"] == "received"
    code, text_csv, _ = run(capsys, "--database", db, "referrals", "export", "--format", "csv")
    assert code == 0
    assert [r["family_name"] for r in csv.DictReader(io.StringIO(text_csv))] == ["Secretfamily", "Other"]
    exports = [(actor, summary) for actor, action, summary in audit_trail(db, template.key) if action == "export"]
    assert exports == [(LEAD, f"exporting 2 referrals (csv) to {tmp_path / 'all.csv'}"),
                       (LEAD, "exporting 2 referrals (json) to standard output"),
                       (LEAD, "exporting 2 referrals (csv) to standard output")]  # fmt: skip


def test_referrals_commands_refuse_a_role_not_allowed_and_change_nothing(
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0  # the PWP
    other = rows_file(tmp_path, [{**ROW, "nhs_number": make_nhs_number(4)}], "other.json")
    cases = [
        (ADMIN, ["referrals", "import", other], "import"),  # the admin sees no patient data
        (ADMIN, ["referrals", "import", "--skip-invalid", other], "import"),
        (ADMIN, ["referrals", "export"], "export"),
        (PWP, ["referrals", "export"], "export"),  # bulk export is a team leader's
        (PWP, ["referrals", "export", "--format", "csv", "--out", tmp_path / "out.csv"], "export"),
    ]
    for user, command, action in cases:
        rows, trail = referral_rows(db, template.key), audit_trail(db, template.key)
        files = sorted(p.name for p in tmp_path.iterdir())
        code, out, err = run_as(monkeypatch, capsys, user, "--database", db, *command)
        assert (code, out, err) == (1, "", refused(action)), command
        assert referral_rows(db, template.key) == rows and len(rows) == 1
        assert audit_trail(db, template.key) == [*trail, (user, "login", "logged in"),
                                                 (user, "permission_denied", f"refused: {action}")]  # fmt: skip
        assert sorted(p.name for p in tmp_path.iterdir()) == files and not (tmp_path / "out.csv").exists()


# --- show ------------------------------------------------------------------------------------


def decided_referral_id(db: Path, key: bytes) -> str:
    """The one referral in ``db``, screened and decided (as recommended) by the PWP through the services."""
    from triage.services import DecisionInput, ScreeningInput, confirm_decision, recommend, save_screening
    from triage.services.permissions import User

    pwp = User(PWP, PWP, "pwp")
    answers = {"phq9": (1, 2, 1, 0, 1, 2, 1, 0, 0), "gad7": (2, 1, 1, 0, 1, 2, 1), "chronicity": "medium",
               "complexity": "low", "impairment": "medium", "substance_use": "low", "risk": "low",
               "problem_descriptor": "depression"}  # fmt: skip
    (referral_id,) = [row[0] for row in referral_rows(db, key)]
    with opened(db, key) as store:
        save_screening(store, pwp, referral_id, ScreeningInput.model_validate(answers))
        routing = recommend(store, pwp, referral_id)
        confirm_decision(store, pwp, referral_id, DecisionInput(confirmed_route=routing.route,
                         confirmed_step=routing.step, warnings_acknowledged=True))  # fmt: skip
    return str(referral_id)


def test_referrals_show_gives_the_whole_record_as_text_or_json_audited_as_one_view(
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # fmt: skip
    from triage.services.referral_record import VIEW_SUMMARY

    db = new_store(tmp_path / "t.db")
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0  # the PWP
    referral_id = decided_referral_id(db, template.key)
    trail = audit_trail(db, template.key)
    code, out, err = run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "show", referral_id)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"Referral {referral_id}"
    for heading in ("Person", "Referral", "Screening", "Ratings and matrix trace", "Risk", "Decision", "Letters",
                    "Status history", "Other referrals for this person"):  # fmt: skip
        assert heading in lines
    assert "  Name: Zoë SECRETFAMILY" in lines and "  Date of birth: 14/03/1985" in lines
    assert "  Received: 01/05/2024, GP" in lines and "  Status: Decided" in lines
    assert audit_trail(db, template.key) == [*trail, (LEAD, "login", "logged in"), (LEAD, "view", VIEW_SUMMARY)]
    code, out, err = run(capsys, "referrals", "show", referral_id, "--format", "json", "--database", db)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["referral"]["id"] == referral_id and data["person"]["date_of_birth"] == "1985-03-14"
    assert data["decision"]["decided_by"] == PWP and data["trace"]["basis"] == "replayed"
    assert [event[1] for event in audit_trail(db, template.key)[len(trail) :]] == ["login", "view", "login", "view"]
    with opened(db, template.key) as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM draft").scalar_one() == 0


def test_referrals_show_refuses_an_unknown_id_and_a_role_not_allowed_naming_no_identifier(
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0  # the PWP
    (referral_id,) = [row[0] for row in referral_rows(db, template.key)]
    trail = audit_trail(db, template.key)
    code, out, err = run(capsys, "--database", db, "referrals", "show", "unknown-id-1234")
    assert (code, out, err) == (1, "", "error: no referral with that id\n")
    assert audit_trail(db, template.key) == [*trail, (PWP, "login", "logged in")]  # nothing shown, no view
    trail = audit_trail(db, template.key)
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "referrals", "show", referral_id,
                            "--format", "json")  # fmt: skip
    assert (code, out, err) == (1, "", refused("view referral"))  # the admin sees no patient record
    assert referral_id not in err and "Secretfamily" not in err
    assert audit_trail(db, template.key) == [*trail, (ADMIN, "login", "logged in"),
                                             (ADMIN, "permission_denied", "refused: view_referral")]  # fmt: skip


# --- verify, backup, restore -------------------------------------------------------------------


def test_verify_backup_and_restore(tmp_path, capsys, monkeypatch, new_store, template) -> None:
    db = new_store(tmp_path / "t.db")
    assert run_as(monkeypatch, capsys, PWP, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0
    for user in (LEAD, ADMIN):  # verify is a team leader's and an admin's
        code, out, err = run_as(monkeypatch, capsys, user, "--database", db, "db", "verify")
        assert code == 0 and out.startswith("ok: ") and err == "", user
    as_user(monkeypatch, ADMIN)
    code, out, _ = run(capsys, "--database", db, "db", "backup", tmp_path / "backup.db")
    assert code == 0 and "verified" in out
    assert (tmp_path / "backup.db.keys").read_bytes() == (tmp_path / "t.db.keys").read_bytes()
    assert b"Secretfamily" not in (tmp_path / "backup.db").read_bytes()  # the backup is encrypted too
    code, _, err = run(capsys, "--database", db, "db", "backup", tmp_path / "backup.db")
    assert code == 1 and "already exists" in err
    assert run_as(monkeypatch, capsys, PWP, "--database", db, "referrals", "import",
                  rows_file(tmp_path, [{**ROW, "received_on": "2024-06-01"}]))[0] == 0  # fmt: skip
    assert referral_count(db, template.key) == 2
    code, out, _ = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "restore", tmp_path / "backup.db")
    assert code == 0 and "kept as" in out
    assert referral_count(db, template.key) == 1 and len(list(tmp_path.glob("t.db.previous-*"))) == 1
    (previous,) = tmp_path.glob("t.db.previous-*")
    assert referral_count(previous, template.key) == 2  # the replaced store is kept whole
    code, out, err = run_as(monkeypatch, capsys, LEAD, "--database", db, "db", "verify")
    assert code == 0 and out.startswith("ok: ") and err == ""


def test_db_commands_refuse_a_role_not_allowed_and_change_nothing(
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0  # the PWP
    assert run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "backup", tmp_path / "backup.db")[0] == 0
    assert run_as(monkeypatch, capsys, PWP, "--database", db, "referrals", "import",
                  rows_file(tmp_path, [{**ROW, "received_on": "2024-06-01"}]))[0] == 0  # fmt: skip
    backup_bytes = (tmp_path / "backup.db").read_bytes()
    cases = [
        (PWP, ["db", "verify"], "verify"),
        (PWP, ["db", "backup", tmp_path / "new-backup.db"], "backup"),
        (LEAD, ["db", "backup", tmp_path / "new-backup.db"], "backup"),
        (PWP, ["db", "restore", tmp_path / "backup.db"], "restore"),  # would drop the second referral
        (LEAD, ["db", "restore", tmp_path / "backup.db"], "restore"),
    ]
    for user, command, action in cases:
        rows, trail = referral_rows(db, template.key), audit_trail(db, template.key)
        files = sorted(p.name for p in tmp_path.iterdir())
        code, out, err = run_as(monkeypatch, capsys, user, "--database", db, *command)
        assert (code, out, err) == (1, "", refused(action)), command
        assert referral_rows(db, template.key) == rows and len(rows) == 2
        assert audit_trail(db, template.key) == [*trail, (user, "login", "logged in"),
                                                 (user, "permission_denied", f"refused: {action}")]  # fmt: skip
        assert sorted(p.name for p in tmp_path.iterdir()) == files  # no backup, no .previous-*, no .restoring
        assert (tmp_path / "backup.db").read_bytes() == backup_bytes


def test_a_backup_from_the_previous_schema_is_refused_as_plaintext_and_is_migrated_by_encrypt_existing(
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # fmt: skip
    """The previous schema (before accounts) was a plaintext store. `db verify` and `db restore` refuse it
    (patient data must not sit in plain files) and change nothing; `triage init --encrypt-existing`
    brings it up to the current schema, encrypted, whole, and then it is verified, backed up and
    restored like any store."""
    from tests.store.test_migrations import REVISIONS
    from triage.services.transfer import import_file
    from triage.store.database import downgrade_schema

    old = tmp_path / "old.db"
    with contextlib.closing(open_store(old)) as store:  # as the previous version wrote it: plaintext
        assert import_file(store, as_pwp("cli-tester"), json.dumps([ROW]).encode()).written == 1
        downgrade_schema(store.engine, REVISIONS[-2])
        assert schema_revision(store.engine) == REVISIONS[-2] != head_revision()
    old_bytes = old.read_bytes()
    as_user(monkeypatch, ADMIN)
    code, out, err = run(capsys, "--database", old, "db", "verify")
    assert (code, out) == (1, "") and "is not encrypted and is refused" in err and "--encrypt-existing" in err
    code, out, err = run(capsys, "--database", tmp_path / "new.db", "db", "restore", old)
    assert (code, out) == (1, "") and "is not encrypted and is refused" in err
    assert not (tmp_path / "new.db").exists() and not (tmp_path / "new.db.keys").exists()
    db = new_store(tmp_path / "t.db")
    before = referral_rows(db, template.key)
    code, out, err = run(capsys, "--database", db, "db", "restore", old)  # over an encrypted store
    assert (code, out) == (1, "") and "cannot be read with this store's key" in err and "nothing was replaced" in err
    assert referral_rows(db, template.key) == before and not list(tmp_path.glob("t.db.previous-*"))
    assert old.read_bytes() == old_bytes

    code, out, _ = run(capsys, "init", "--encrypt-existing", "--database", old)
    assert code == 0 and "RECOVERY KEY" in out
    assert old.read_bytes()[:16] != SQLITE_HEADER and (tmp_path / "old.db.plaintext-backup").is_file()
    key, _ = authenticate(old, ADMIN, PASSWORDS[ADMIN])
    with opened(old, key) as store:
        assert schema_revision(store.engine) == head_revision()
    code, out, err = run(capsys, "--database", old, "db", "verify")
    assert code == 0 and out.startswith("ok: ") and "note:" not in out and err == ""
    assert run(capsys, "--database", old, "db", "backup", tmp_path / "old-backup.db")[0] == 0
    code, out, err = run(capsys, "--database", tmp_path / "new.db", "db", "restore", tmp_path / "old-backup.db")
    assert (code, err) == (0, "")
    code, out, err = run(capsys, "--database", tmp_path / "new.db", "db", "verify")
    assert code == 0 and out.startswith("ok: ") and out.count("note:") == 0 and err == ""
    assert referral_count(tmp_path / "new.db", key) == 1
    with opened(tmp_path / "new.db", key) as store, store.read() as session:
        (event,) = session.query(AuditEvent).filter(AuditEvent.action == "import").all()
        assert event.actor == "cli-tester"  # the old trail came across whole


def test_postgresql_backup_and_restore_point_to_pg_dump(capsys) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected to
    for command in (["db", "backup", "x.db"], ["db", "restore", "x.db"]):
        code, out, err = run(capsys, "--database", url, *command)
        assert code == 2 and out == "" and "pg_dump" in err and err.startswith("error: ")


def test_usage_errors_exit_2_without_a_traceback(tmp_path, capsys, monkeypatch, new_store, template) -> None:
    code, _, err = run(capsys, "--database", tmp_path / "missing.db", "db", "verify")
    assert code == 2 and err == (f"error: database: there is no database at {tmp_path / 'missing.db'} "
                                 "(create one with `triage init`)\n")  # fmt: skip
    assert not (tmp_path / "missing.db").exists()  # verifying a mistyped path does not create a database
    code, _, err = run(capsys, "--database", "mysql://x@y/z", "db", "verify")
    assert code == 2 and "unsupported database" in err
    db = new_store(tmp_path / "t.db")
    code, _, err = run(capsys, "--database", db, "referrals", "import", tmp_path / "nope.json")
    assert code == 2 and err == f"error: input: {tmp_path / 'nope.json'} cannot be read\n"
    (tmp_path / "object.json").write_text('{"a": 1}')
    code, _, err = run(capsys, "--database", db, "referrals", "import", tmp_path / "object.json")
    assert code == 2 and "array of objects" in err and "Traceback" not in err
    assert referral_count(db, template.key) == 0
    # A TRIAGE_USER no account can have is refused like any unknown user (exit 1, the one message).
    monkeypatch.setenv("TRIAGE_USER", "x" * 101)
    trail = audit_trail(db, template.key)
    code, out, err = run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))
    assert (code, out, err) == (1, "", f"error: {WRONG}\n")
    assert referral_count(db, template.key) == 0 and audit_trail(db, template.key) == trail
    monkeypatch.setenv("TRIAGE_USER", PWP)
    code, _, err = run(capsys, "--database", "postgresql+psycopg://nobody@127.0.0.1:1/none", "db", "verify")
    assert (
        code == 1 and err.startswith("error: the database cannot be used (OperationalError)") and "Traceback" not in err
    )


def test_the_database_option_and_variable(tmp_path, capsys, monkeypatch, new_store, template) -> None:
    env_db, other = new_store(tmp_path / "env.db"), new_store(tmp_path / "other.db")
    monkeypatch.setenv("TRIAGE_DATABASE_URL", str(env_db))
    assert run(capsys, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0
    assert referral_count(env_db, template.key) == 1 and referral_count(other, template.key) == 0
    code, out, _ = run(capsys, "--database", other, "referrals", "import", rows_file(tmp_path, [ROW]))
    assert code == 0 and referral_count(other, template.key) == 1 and referral_count(env_db, template.key) == 1


def test_no_command_starts_the_app_with_the_database(monkeypatch) -> None:
    calls: list[dict[str, Any]] = []
    fake = types.ModuleType("triage.ui.app")
    fake.run_app = lambda *args, **kwargs: calls.append(kwargs) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "triage.ui.app", fake)
    assert main(["--database", "team.db"]) == 0 and main([]) == 0
    assert calls == [{"database": "team.db"}, {"database": None}]


def triage(*args: str | Path, user: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_DATABASE_URL", "TRIAGE_NEW_PASSWORD")}
    return subprocess.run(
        [sys.executable, "-m", "triage", *map(str, args)], capture_output=True, text=True, timeout=120,
        env={**env, "TRIAGE_USER": user, "TRIAGE_PASSWORD": PASSWORDS[user]},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("tampering", "problem"),
    [
        ("UPDATE audit_event SET summary = 'nothing happened' WHERE id = {id}",
         "error: audit event {id}: its content does not match its hash (changed after writing)"),
        ("DELETE FROM audit_event WHERE id = {id}", "error: audit events {id}-{id} are missing (deleted)"),
    ],
)  # fmt: skip
def test_db_verify_detects_an_audit_row_changed_or_deleted_behind_the_apps_back(
    tmp_path, new_store, template, tampering, problem
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    rows = rows_file(tmp_path, [ROW, {**ROW, "nhs_number": make_nhs_number(5)}])
    done = triage("--database", db, "referrals", "import", rows, user=PWP)
    assert done.returncode == 0, done.stderr
    done = triage("--database", db, "db", "verify", user=LEAD)
    assert done.returncode == 0, done.stderr
    with opened(db, template.key) as store, store.engine.begin() as connection:
        # the first audit row the import wrote (not the last row: a deleted tail is another check)
        target = connection.exec_driver_sql(
            "SELECT min(id) FROM audit_event WHERE entity_type = 'referral'").scalar_one()  # fmt: skip
        assert target is not None
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
        connection.exec_driver_sql(tampering.format(id=target))
    done = triage("--database", db, "db", "verify", user=ADMIN)  # the other role allowed to verify
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert problem.format(id=target) in lines
    assert "error: the database guard audit_event_no_update is missing (dropped behind the application's back)" in lines
    assert done.stdout.startswith("FAILED: ") and "Traceback" not in done.stderr


def test_restoring_on_a_computer_without_the_store_leaves_the_backup_untouched(
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0  # the PWP
    backups = tmp_path / "usb"
    backups.mkdir()
    assert run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "backup", backups / "backup.db")[0] == 0
    before = {p.name: p.read_bytes() for p in backups.iterdir()}
    elsewhere = tmp_path / "new-laptop"
    elsewhere.mkdir()
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", elsewhere / "t.db", "db", "restore",
                            backups / "backup.db")  # fmt: skip
    assert code == 0 and "restored" in out, err
    assert {p.name: p.read_bytes() for p in backups.iterdir()} == before  # no login event, no WAL, nothing new
    assert referral_count(elsewhere / "t.db", template.key) == 1


def test_a_backup_of_another_store_leaves_no_staging_file(tmp_path, capsys, monkeypatch, new_store, template) -> None:
    db = new_store(tmp_path / "t.db")
    other = tmp_path / "other.db"
    other.write_bytes(b"\x00" * 8192)  # not a database this store's key can read
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0  # the PWP
    rows = referral_rows(db, template.key)
    code, _, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "restore", other)
    assert code == 1 and "nothing was replaced" in err
    assert list(tmp_path.glob("*.restoring*")) == [] and list(tmp_path.glob("*.previous-*")) == []
    assert referral_rows(db, template.key) == rows and len(rows) == 1
