"""``triage --self-test`` run in process (unfrozen): every step passes and is reported; a tampered
golden table, a broken migration, a missing QtPdf, a printer that will not start, a message box in the
middle of the screening or a referral the dialog refuses is a clear failure (exit 1), never a traceback
and never a window left waiting for a person."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import pytest

from triage.resources import resource_path
from triage.ui import selftest
from triage.ui.selftest import matrix, pages, screening, store

STEPS = ("store", "main window", "screening", "matrix", "letters", "render")


def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[int, str]:
    tmp_path.mkdir(exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the data folder lands here, to check it is removed
    out = io.StringIO()
    code = selftest.run_self_test(out)
    return code, out.getvalue()


def test_the_self_test_passes_and_reports_every_step(qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, report = run(monkeypatch, tmp_path)
    assert code == 0, report
    lines = report.splitlines()
    assert lines[0].startswith("triage self-test: triage ")
    for step in STEPS:
        assert re.search(rf"^  {step} +ok ", report, re.M), f"{step} not reported ok:\n{report}"
    assert "2187 combinations match doncaster-2007.golden.tsv" in report
    assert "gp (" in report and "patient (" in report and "referral-on (" in report
    assert re.search(r"page 1 of the GP letter rendered \d+x\d+, \d+\.\d% ink", report)
    assert ("PWP logged in; new referral screened by keyboard, Core IAPT step 2 confirmed; "
            "GP letter printed (2 p, to PDF) and recorded; status letter sent") in report  # fmt: skip
    assert lines[-1].startswith("triage self-test passed: 6 steps")
    assert "Traceback" not in report
    assert list(tmp_path.iterdir()) == []  # the temporary data folder was removed


def test_a_tampered_golden_table_fails_naming_the_rows(qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shipped = resource_path("rules", "doncaster-2007.golden.tsv").read_text(encoding="utf-8").split("\n")
    shipped[2] = shipped[2].replace("core_iapt\t3", "cmht\t", 1)  # row 2: a reviewed route changed
    tampered = tmp_path / "tampered.golden.tsv"
    tampered.write_text("\n".join(shipped), encoding="utf-8")
    monkeypatch.setattr(matrix, "golden_table_path", lambda _ruleset_id: tampered)

    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert re.search(r"^  matrix +FAILED: 1 rows differ from tampered.golden.tsv \(row 2\)", report, re.M), report
    for step in ("store", "main window", "screening", "letters", "render"):  # the other steps still ran and passed
        assert re.search(rf"^  {step} +ok ", report, re.M)
    assert report.splitlines()[-1].startswith("triage self-test FAILED (1 of 6 steps): matrix: 1 rows differ")
    assert "Traceback" not in report


def test_a_missing_golden_table_is_a_sentence(qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(matrix, "golden_table_path", lambda _ruleset_id: tmp_path / "gone.golden.tsv")
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert "matrix       FAILED: the golden table gone.golden.tsv cannot be read (FileNotFoundError)" in report


def test_a_failed_migration_fails_the_store_and_skips_the_window(
    qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from triage.store.errors import MigrationError

    def broken(_path: Path) -> None:
        raise MigrationError(
            "the database schema could not be updated from an empty database to 0003 (OperationalError)"
        )

    monkeypatch.setattr(store, "_create_store", broken)
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert "  store        FAILED: the database schema could not be updated" in report
    assert "  main window  NOT RUN: needs store" in report
    assert "  screening    NOT RUN: needs store" in report
    assert re.search(r"^  matrix +ok ", report, re.M)
    assert "Traceback" not in report


def test_a_store_that_opens_with_a_wrong_key_fails_the_store_step(
    qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import triage.store as store_package

    class Opened:  # what a SQLCipher that ignored the key would give back
        def close(self) -> None:
            pass

    monkeypatch.setattr(store_package, "open_store", lambda *_args, **_kwargs: Opened())
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert "  store        FAILED: the new store opened with a wrong key" in report
    assert "Traceback" not in report


def test_without_qtpdf_the_render_step_says_what_to_install(
    qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "PySide6.QtPdf", None)  # import fails as if not installed
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert "render       FAILED: QtPdf is not installed (package pyside6-addons)" in report
    assert "screening    FAILED: QtPdf is not installed (package pyside6-addons)" in report


def test_a_printer_that_will_not_start_fails_the_screening(
    qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from triage.ui import letter_dialog

    monkeypatch.setattr(letter_dialog, "print_pdf", lambda _document, _printer: False)
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert ("  screening    FAILED: the GP letter was not printed: Not printed: The printer could not be started; "
            "nothing was recorded as printed.") in report  # fmt: skip
    for step in ("store", "main window", "matrix", "letters", "render"):
        assert re.search(rf"^  {step} +ok ", report, re.M)
    assert "Traceback" not in report


def test_a_message_box_mid_screening_is_closed_and_reported(
    qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The decision cannot be saved: the main window says so in a message box, which would wait for a
    person; the self-test closes it and fails the step with what it said."""
    from triage.store.errors import StoreError
    from triage.ui import screening_controller

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise StoreError("the store is read-only here")

    monkeypatch.setattr(screening_controller, "complete_screening", refuse)
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert ("  screening    FAILED: confirming the decision: Decision not saved: the store is read-only here "
            "Your answers are kept as a draft.") in report  # fmt: skip
    assert re.search(r"^  render +ok ", report, re.M)
    assert "Traceback" not in report


def test_a_refused_new_referral_is_reported_by_its_field(qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(screening.NEW_REFERRAL, "nhs_number", "9990000019")  # a wrong check digit
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert re.search(
        r"^  screening +FAILED: the new referral: New referral: Please check: NHS number: ", report, re.M
    ), report
    assert "9990000019" not in report  # what was typed is never repeated
    assert "Traceback" not in report


def test_a_blank_page_is_caught(qapp) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    page = QImage(60, 80, QImage.Format.Format_Grayscale8)
    page.fill(Qt.GlobalColor.white)
    assert pages.ink(page) == 0.0
    page.fill(Qt.GlobalColor.black)
    assert pages.ink(page) == 1.0
