"""``triage --self-test`` run in process (unfrozen): every step passes and is reported; a tampered
golden table, a broken migration or a missing QtPdf is a clear failure (exit 1), never a traceback."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import pytest

from triage.ui import selftest
from triage.resources import resource_path

STEPS = ("store", "main window", "matrix", "letters", "render")


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
    assert lines[-1].startswith("triage self-test passed: 5 steps")
    assert "Traceback" not in report
    assert list(tmp_path.iterdir()) == []  # the temporary data folder was removed


def test_a_tampered_golden_table_fails_naming_the_rows(qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shipped = resource_path("rules", "doncaster-2007.golden.tsv").read_text(encoding="utf-8").split("\n")
    shipped[2] = shipped[2].replace("core_iapt\t3", "cmht\t", 1)  # row 2: a reviewed route changed
    tampered = tmp_path / "tampered.golden.tsv"
    tampered.write_text("\n".join(shipped), encoding="utf-8")
    monkeypatch.setattr(selftest, "golden_table_path", lambda _ruleset_id: tampered)

    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert re.search(r"^  matrix +FAILED: 1 rows differ from tampered.golden.tsv \(row 2\)", report, re.M), report
    for step in ("store", "main window", "letters", "render"):  # the other steps still ran and passed
        assert re.search(rf"^  {step} +ok ", report, re.M)
    assert report.splitlines()[-1].startswith("triage self-test FAILED (1 of 5 steps): matrix: 1 rows differ")
    assert "Traceback" not in report


def test_a_missing_golden_table_is_a_sentence(qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(selftest, "golden_table_path", lambda _ruleset_id: tmp_path / "gone.golden.tsv")
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert "matrix       FAILED: the golden table gone.golden.tsv cannot be read (FileNotFoundError)" in report


def test_a_failed_migration_fails_the_store_and_skips_the_window(qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from triage.store.errors import MigrationError

    def broken(_path: Path) -> None:
        raise MigrationError("the database schema could not be updated from an empty database to 0003 (OperationalError)")

    monkeypatch.setattr(selftest, "_create_store", broken)
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert "  store        FAILED: the database schema could not be updated" in report
    assert "  main window  NOT RUN: needs store" in report
    assert re.search(r"^  matrix +ok ", report, re.M)
    assert "Traceback" not in report


def test_without_qtpdf_the_render_step_says_what_to_install(qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "PySide6.QtPdf", None)  # import fails as if not installed
    code, report = run(monkeypatch, tmp_path / "data")
    assert code == 1
    assert "render       FAILED: QtPdf is not installed (package pyside6-pdf)" in report


def test_a_blank_page_is_caught(qapp) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    page = QImage(60, 80, QImage.Format.Format_Grayscale8)
    page.fill(Qt.GlobalColor.white)
    assert selftest._ink(page) == 0.0
    page.fill(Qt.GlobalColor.black)
    assert selftest._ink(page) == 1.0
