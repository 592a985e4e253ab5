"""A service manager reads last month's figures in the app, by keyboard alone (issue 17 item 1;
docs/reports.md).

Ctrl+Shift+R opens Reports on last month (the month end a service reports on). Alt+R chooses the
report, Alt+U runs it: each table shows with how it was counted, read through the accessibility
interface as a screen reader reads it. Alt+L makes the copy meant to leave the service: a source of
one person is hidden, and with it the figure that would give it away by difference. Alt+C saves it as
CSV, Alt+P as a PDF with its charts. The menu offers Reports to a manager and a team leader, never to a PWP; the run is audited."""

from __future__ import annotations

import csv
import subprocess
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import select

from tests.keys import focused, press, when_modal
from tests.scenarios.clinical import ALT, CTRL, down_to, main_window, to
from tests.store.conftest import referral_input
from tests.users import PWP
from triage.services import create_referral
from triage.services.permissions import User
from triage.store import Store
from triage.store.models import AuditEvent
from triage.ui.reports_dialog import BarChart, ReportsDialog, last_month

MANAGER = User("manager.one", "Manager One", "service_manager")


def spoken(dialog: ReportsDialog) -> dict[str, list[tuple[str, ...]]]:
    """Each table of the report as a screen reader reads it through Qt's accessibility tree: its name,
    then its column headers and its rows of cells."""
    read: dict[str, list[tuple[str, ...]]] = {}
    for grid in dialog.output.tables:
        table = QAccessible.queryAccessibleInterface(grid)
        assert table is not None and table.role() == QAccessible.Role.Table
        children = [table.child(i) for i in range(table.childCount())]
        headers = tuple(c.text(QAccessible.Text.Name) for c in children if c.role() == QAccessible.Role.ColumnHeader)
        cells = [c.text(QAccessible.Text.Name) for c in children if c.role() == QAccessible.Role.Cell]
        rows = [tuple(cells[i : i + len(headers)]) for i in range(0, len(cells), len(headers))]
        read[table.text(QAccessible.Text.Name)] = [headers, *rows]
        assert table.text(QAccessible.Text.Description) != ""  # how it was counted, read with it
    return read


SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_a_manager_runs_last_months_referrals_report_and_saves_the_copy_that_leaves(
    qtbot, store: Store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    start, end = last_month(date.today())
    for serial, source in enumerate(("gp",) * 6 + ("self",), 1):  # six from GPs, one self-referral
        create_referral(store, PWP, referral_input(serial, source=source,
                                                  received_on=(start + timedelta(days=serial)).isoformat()))  # fmt: skip
    create_referral(store, PWP, referral_input(9, received_on=(end + timedelta(days=1)).isoformat()))  # this month
    window = main_window(qtbot, store, MANAGER)
    assert window.menu_actions["open_reports"].isEnabled()
    read: dict[str, str] = {}
    saved = tmp_path / "referrals.csv"

    def steps(dialog: ReportsDialog) -> None:
        try:
            to(qtbot, dialog.which)
            assert (dialog.start.date().toPython(), dialog.end.date().toPython()) == (start, end)
            press(qtbot, Qt.Key.Key_R, ALT)
            assert focused() is dialog.which
            down_to(qtbot, dialog.which, "Referrals by destination, source, step and pathway")
            press(qtbot, Qt.Key.Key_U, ALT)
            qtbot.waitUntil(lambda: dialog.report is not None)
            read["inside"] = spoken(dialog)
            read["said"] = dialog.message.text()
            press(qtbot, Qt.Key.Key_L, ALT)  # a check box's Alt+key toggles it
            qtbot.waitUntil(dialog.leaving.isChecked)
            press(qtbot, Qt.Key.Key_U, ALT)
            qtbot.waitUntil(lambda: dialog.report is not None and dialog.report.range.leaving)
            read["leaving"] = spoken(dialog)
            read["notes"] = " ".join(label.text() for label in dialog.output.findChildren(QLabel))
            dialog.choose_path = lambda kind: saved.with_suffix(f".{kind}")  # the file dialog's answer
            press(qtbot, Qt.Key.Key_C, ALT)
            qtbot.waitUntil(saved.exists)
            read["saved"] = dialog.message.text()
            press(qtbot, Qt.Key.Key_P, ALT)
            qtbot.waitUntil(saved.with_suffix(".pdf").exists)
            read["charts"] = " ".join(chart.accessibleName() for chart in dialog.output.findChildren(BarChart))
        finally:
            dialog.reject()

    when_modal(qtbot, ReportsDialog, steps)
    press(qtbot, Qt.Key.Key_R, CTRL | SHIFT)
    qtbot.waitUntil(lambda: "saved" in read or not isinstance(QApplication.activeModalWidget(), ReportsDialog),
                    timeout=10_000)  # fmt: skip
    assert read["said"] == "Referrals by destination, source, step and pathway: 7 referrals counted."
    sources = read["inside"]["Referrals by source"]
    assert sources[0] == ("Source", "Referrals", "Share (%)")
    assert ("GP", "6", "85.7") in sources and ("Self-referral", "1", "14.3") in sources
    leaving = read["leaving"]["Referrals by source"]
    assert ("GP", "*", "*") in leaving and ("Self-referral", "*", "*") in leaving and ("Total", "5", "100") in leaving
    assert "hidden (*)" in read["notes"]
    assert "Chart of Referrals by source" in read["charts"]  # a chart beside the table, named for what it shows
    pdf = subprocess.run(["pdftotext", "-layout", str(saved.with_suffix(".pdf")), "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert "Referrals by source" in pdf and "Self-referral (hidden)" in pdf  # the chart: no bar for a hidden one
    rows = list(csv.reader(saved.open(encoding="utf-8")))
    assert ["Self-referral", "*", "*"] in rows and read["saved"] == "Saved as referrals.csv."
    with store.read() as session:
        runs = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == "reports")))
    assert len(runs) == 2 and runs[1].endswith("(to leave the service): 7 referrals")


def test_reports_are_not_offered_to_a_pwp(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    window = main_window(qtbot, store, PWP)
    assert not window.menu_actions["open_reports"].isEnabled()
