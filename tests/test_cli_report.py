"""``triage report`` (issue 17 item 1): a service manager added with ``triage users add --role
service_manager`` runs each report as text and CSV; the copy meant to leave the service hides small
numbers; a PWP is refused (and the refusal audited), bad dates name the field, and the names offered
are the service's reports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from tests import test_cli_store as cli_store
from tests.store.conftest import make_nhs_number
from tests.test_cli_store import ADMIN, PWP, ROW, opened, refused, rows_file, run, run_as

template, new_store, environment = cli_store.template, cli_store.new_store, cli_store.environment
MANAGER, MANAGER_PASSWORD = "manager", "manager password 1"


def as_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_USER", MANAGER)
    monkeypatch.setenv("TRIAGE_PASSWORD", MANAGER_PASSWORD)


def test_a_service_manager_runs_the_reports(tmp_path, capsys, monkeypatch, new_store, template) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    people = [{**ROW, "nhs_number": make_nhs_number(n), "source": "self" if n == 1 else "gp"} for n in range(1, 8)]
    assert (
        run_as(monkeypatch, capsys, PWP, "--database", db, "referrals", "import", rows_file(tmp_path, people))[0] == 0
    )
    monkeypatch.setenv("TRIAGE_NEW_PASSWORD", MANAGER_PASSWORD)
    assert (
        run_as(monkeypatch, capsys, ADMIN, "--database", db, "users", "add", MANAGER, "--role", "service_manager")[0]
        == 0
    )
    received = date.fromisoformat(ROW["received_on"])
    span = ["--from", str(received - timedelta(days=1)), "--to", str(received)]
    as_manager(monkeypatch)
    code, out, err = run(capsys, "--database", db, "report", "referrals", *span)
    assert (code, err) == (0, "")
    assert "Referrals by source" in out and "7 referrals counted." in out
    assert any(line.split()[:2] == ["GP", "6"] for line in out.splitlines())
    code, out, _ = run(capsys, "--database", db, "report", "referrals", *span, "--format", "csv", "--leaving")
    rows = list(csv.reader(io.StringIO(out)))
    # one self-referral: hidden, and the 6 GP referrals too, or the total would give it away; the total of 7
    # shown to the nearest 5
    assert (
        code == 0 and ["Self-referral", "*", "*"] in rows and ["GP", "*", "*"] in rows and ["Total", "5", "100"] in rows
    )
    code, out, _ = run(capsys, "--database", db, "report", "waits", *span)
    assert code == 0 and "People over target" in out
    pdf = tmp_path / "waits.pdf"
    assert run(capsys, "--database", db, "report", "waits", *span, "--format", "pdf", "--out", pdf) == (
        0, f"saved the waits report to {pdf}\n", "")  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF-")
    with opened(db, template.key) as store, store.engine.connect() as connection:
        summaries = [row[0] for row in connection.exec_driver_sql(
            "SELECT summary FROM audit_event WHERE entity_id = 'reports' ORDER BY id")]  # fmt: skip
    assert summaries[-1].startswith("report waits, referrals received") and summaries[-1].endswith(": 7 referrals")
    # the seven imported are not screened: none high risk, each lacking the screening's five parts
    code, out, _ = run(capsys, "--database", db, "report", "bounces", *span)
    assert code == 0 and any(
        line.split()[:6] == ["First", "referral", "of", "the", "person", "7"] for line in out.splitlines()
    )
    code, out, _ = run(capsys, "--database", db, "report", "high_risk", *span)
    assert code == 0 and any(line.split()[:4] == ["Not", "screened", "yet", "7"] for line in out.splitlines())
    code, out, _ = run(capsys, "--database", db, "report", "decisions", *span)
    assert code == 0 and any(line.split()[:4] == ["No", "decision", "yet", "7"] for line in out.splitlines())
    code, out, _ = run(capsys, "--database", db, "report", "completeness", *span, "--format", "csv")
    assert code == 0 and ["PHQ-9", "7", "100.0"] in list(csv.reader(io.StringIO(out)))


def test_refusals_and_bad_input_name_what_is_wrong(tmp_path, capsys, monkeypatch, new_store, template) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    assert run_as(monkeypatch, capsys, PWP, "--database", db, "report", "referrals", "--from", "2024-01-01",
                  "--to", "2024-12-31") == (1, "", refused("run reports"))  # fmt: skip
    assert run_as(monkeypatch, capsys, ADMIN, "--database", db, "report", "waits", "--from", "2024-01-01",
                  "--to", "2024-12-31") == (1, "", refused("run reports"))  # fmt: skip
    assert run(capsys, "--database", db, "report", "waits", "--from", "2024-01-01", "--to", "2024-12-31",
               "--format", "pdf") == (2, "", "error: out: a PDF report needs a file: give --out FILE\n")  # fmt: skip
    assert run(capsys, "--database", db, "report", "waits", "--from", "1 May", "--to", "2024-12-31") == (
        2, "", "error: from: must be a date as YYYY-MM-DD\n")  # fmt: skip
    assert run(capsys, "--database", db, "report", "waits", "--from", "2024-12-31", "--to", "2024-01-01") == (
        2, "", "error: to: must not be before from (the range is the dates referrals were received)\n")  # fmt: skip
    with opened(db, template.key) as store, store.engine.connect() as connection:
        denied = [row[0] for row in connection.exec_driver_sql(
            "SELECT summary FROM audit_event WHERE action = 'permission_denied' ORDER BY id")]  # fmt: skip
    assert len(denied) == 2 and all("run_reports" in s for s in denied)


def test_the_command_offers_the_services_reports() -> None:
    from triage.cli.report import REPORT_NAMES
    from triage.services.reports import REPORTS

    assert tuple(REPORTS) == REPORT_NAMES
