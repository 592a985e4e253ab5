"""The store's command line: ``triage referrals import/export`` and ``triage db verify/backup/restore``.

Most tests call ``main()`` in this process (a subprocess costs a second of start-up); the tampering
test and one end-to-end run go through a real subprocess, as a script would.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from tests.store.conftest import make_nhs_number
from triage.cli import main
from triage.store import open_store
from triage.store.models import AuditEvent

ROW = {"nhs_number": make_nhs_number(1), "given_name": "Zoë", "family_name": "Secretfamily",
       "date_of_birth": "1985-03-14", "received_on": "2024-05-01", "source": "gp"}  # fmt: skip


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_USER", "cli-tester")
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


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


def referral_count(database: Path) -> int:
    with open_store(database) as store, store.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM referral").scalar_one())


def test_an_import_with_an_invalid_row_writes_nothing_and_names_rows_and_fields_only(tmp_path, capsys) -> None:
    db = tmp_path / "t.db"
    bad = {**ROW, "nhs_number": make_nhs_number(2)[:-1] + "0", "date_of_birth": "1985-02-30"}
    source = rows_file(tmp_path, [ROW, bad, {**ROW, "source": "fax"}], "in.csv")
    code, out, err = run(capsys, "--database", db, "referrals", "import", source)
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
    assert referral_count(db) == 0


def test_skip_invalid_imports_the_rest_and_says_so(tmp_path, capsys) -> None:
    db = tmp_path / "t.db"
    rows = [ROW, {**ROW, "received_on": "2024-05-02"}, {**ROW, "given_name": ""}]
    code, out, err = run(capsys, "referrals", "import", "--skip-invalid", rows_file(tmp_path, rows), "--database", db)
    assert code == 0
    assert out == ("imported 2 referrals (1 flagged as possible duplicates of an open referral); "
                   "skipped 1 invalid rows (listed on standard error)\n")  # fmt: skip
    assert err.splitlines() == ["error: row 3: given_name: String should have at least 1 character",
                                "warning: 1 of 3 rows were invalid and were NOT imported"]  # fmt: skip
    assert referral_count(db) == 2
    with open_store(db) as store, store.read() as session:
        (event,) = session.query(AuditEvent).filter(AuditEvent.action == "import").all()
        assert (event.actor, event.summary) == (
            "cli-tester", "imported 2 referrals (1 flagged as possible duplicates); 1 invalid rows skipped")
    code, out, err = run(capsys, "--database", db, "referrals", "import", "--skip-invalid",
                         rows_file(tmp_path, [{**ROW, "source": "x"}], "all-bad.json"))  # fmt: skip
    assert code == 2 and "nothing was imported: 1 of 1 rows are invalid" in err and referral_count(db) == 2


def test_export_round_trips_through_import_in_both_formats(tmp_path, capsys) -> None:
    db, fresh = tmp_path / "t.db", tmp_path / "fresh.db"
    rows = [ROW | {"notes": "first, with \"quotes\"\nand a second line", "phone": "07700900123"},
            {**ROW, "nhs_number": make_nhs_number(3), "family_name": "Other", "postcode": "DN1 1AA"}]  # fmt: skip
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, rows))[0] == 0
    code, out, _ = run(capsys, "--database", db, "referrals", "export", "--out", tmp_path / "all.csv")
    assert code == 0 and out == f"exported 2 referrals to {tmp_path / 'all.csv'} (csv)\n"
    assert run(capsys, "--database", fresh, "referrals", "import", tmp_path / "all.csv")[0] == 0
    code, first, _ = run(capsys, "--database", db, "referrals", "export")
    assert code == 0
    code, again, _ = run(capsys, "--database", fresh, "referrals", "export", "--format", "json")
    strip = lambda text: [{k: v for k, v in r.items() if k != "id"} for r in json.loads(text)]  # noqa: E731
    assert strip(again) == strip(first) and len(strip(first)) == 2
    assert json.loads(first)[0]["notes"] == rows[0]["notes"] and json.loads(first)[0]["status"] == "received"
    code, text_csv, _ = run(capsys, "--database", db, "referrals", "export", "--format", "csv")
    assert [r["family_name"] for r in csv.DictReader(io.StringIO(text_csv))] == ["Secretfamily", "Other"]
    with open_store(db) as store, store.read() as session:
        exports = session.query(AuditEvent).filter(AuditEvent.action == "export").all()
        assert [e.summary for e in exports] == ["exported 2 referrals (csv)", "exported 2 referrals (json)",
                                                "exported 2 referrals (csv)"]  # fmt: skip


def test_verify_backup_and_restore(tmp_path, capsys) -> None:
    db = tmp_path / "t.db"
    run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))
    code, out, err = run(capsys, "--database", db, "db", "verify")
    assert code == 0 and out.startswith("ok: ") and err == ""
    code, out, _ = run(capsys, "--database", db, "db", "backup", tmp_path / "backup.db")
    assert code == 0 and "verified" in out
    code, _, err = run(capsys, "--database", db, "db", "backup", tmp_path / "backup.db")
    assert code == 1 and "already exists" in err
    run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [{**ROW, "received_on": "2024-06-01"}]))
    assert referral_count(db) == 2
    code, out, _ = run(capsys, "--database", db, "db", "restore", tmp_path / "backup.db")
    assert code == 0 and "kept as" in out
    assert referral_count(db) == 1 and len(list(tmp_path.glob("t.db.previous-*"))) == 1


def test_a_backup_from_the_previous_schema_is_restored_and_migrated(tmp_path, capsys) -> None:
    from tests.store.test_migrations import REVISIONS
    from triage.store.database import downgrade_schema

    old = tmp_path / "old.db"
    run(capsys, "--database", old, "referrals", "import", rows_file(tmp_path, [ROW]))
    with open_store(old) as store:
        downgrade_schema(store.engine, REVISIONS[-2])
    code, out, _ = run(capsys, "--database", old, "db", "verify")
    assert code == 0 and f"revision {REVISIONS[-2]}" in out  # sound, and told it will be upgraded
    assert run(capsys, "--database", old, "db", "backup", tmp_path / "old-backup.db")[0] == 0
    code, out, err = run(capsys, "--database", tmp_path / "new.db", "db", "restore", tmp_path / "old-backup.db")
    assert (code, err) == (0, "")
    assert run(capsys, "--database", tmp_path / "new.db", "db", "verify")[1].count("note:") == 0
    assert referral_count(tmp_path / "new.db") == 1


def test_postgresql_backup_and_restore_point_to_pg_dump(capsys) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected to
    for command in (["db", "backup", "x.db"], ["db", "restore", "x.db"]):
        code, out, err = run(capsys, "--database", url, *command)
        assert code == 2 and out == "" and "pg_dump" in err and err.startswith("error: ")


def test_usage_errors_exit_2_without_a_traceback(tmp_path, capsys, monkeypatch) -> None:
    code, _, err = run(capsys, "--database", tmp_path / "missing.db", "db", "verify")
    assert code == 2 and err == f"error: database: there is no database at {tmp_path / 'missing.db'}\n"
    assert not (tmp_path / "missing.db").exists()  # verifying a mistyped path does not create a database
    code, _, err = run(capsys, "--database", "mysql://x@y/z", "db", "verify")
    assert code == 2 and "unsupported database" in err
    code, _, err = run(capsys, "--database", tmp_path / "t.db", "referrals", "import", tmp_path / "nope.json")
    assert code == 2 and err == f"error: input: {tmp_path / 'nope.json'} cannot be read\n"
    (tmp_path / "object.json").write_text('{"a": 1}')
    code, _, err = run(capsys, "--database", tmp_path / "t.db", "referrals", "import", tmp_path / "object.json")
    assert code == 2 and "array of objects" in err
    monkeypatch.setenv("TRIAGE_USER", "x" * 101)
    code, _, err = run(capsys, "--database", tmp_path / "t.db", "referrals", "import", tmp_path / "object.json")
    assert code == 2 and "TRIAGE_USER" in err
    code, _, err = run(capsys, "--database", "postgresql+psycopg://nobody@127.0.0.1:1/none", "db", "verify")
    assert code == 1 and err.startswith("error: the database cannot be used (OperationalError)") and "Traceback" not in err


def test_the_database_option_and_variable(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", str(tmp_path / "env.db"))
    assert run(capsys, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0
    assert referral_count(tmp_path / "env.db") == 1
    code, out, _ = run(capsys, "--database", tmp_path / "other.db", "referrals", "import", rows_file(tmp_path, [ROW]))
    assert code == 0 and referral_count(tmp_path / "other.db") == 1 and referral_count(tmp_path / "env.db") == 1


def test_no_command_starts_the_app_with_the_database(monkeypatch) -> None:
    calls: list[dict[str, Any]] = []
    fake = types.ModuleType("triage.ui.app")
    fake.run_app = lambda *args, **kwargs: calls.append(kwargs) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "triage.ui.app", fake)
    assert main(["--database", "team.db"]) == 0 and main([]) == 0
    assert calls == [{"database": "team.db"}, {"database": None}]


def triage(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", *map(str, args)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "TRIAGE_USER": "cli-tester", **(env or {})},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("tampering", "problem"),
    [
        ("UPDATE audit_event SET summary = 'nothing happened' WHERE id = 2",
         "error: audit event 2: its content does not match its hash (changed after writing)"),
        ("DELETE FROM audit_event WHERE id = 2", "error: audit events 2-2 are missing (deleted)"),
    ],
)  # fmt: skip
def test_db_verify_detects_an_audit_row_changed_or_deleted_behind_the_apps_back(tmp_path, tampering, problem) -> None:
    db = tmp_path / "t.db"
    done = triage("--database", db, "referrals", "import", rows_file(tmp_path, [ROW, {**ROW, "nhs_number": make_nhs_number(5)}]))
    assert done.returncode == 0, done.stderr
    assert triage("--database", db, "db", "verify").returncode == 0
    with open_store(db) as store, store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
        connection.exec_driver_sql(tampering)
    done = triage("--database", db, "db", "verify")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert problem in lines
    assert "error: the database guard audit_event_no_update is missing (dropped behind the application's back)" in lines
    assert done.stdout.startswith("FAILED: ") and "Traceback" not in done.stderr
