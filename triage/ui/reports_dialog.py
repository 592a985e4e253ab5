"""The service's reports in the app (Tools > Reports…, Ctrl+Shift+R; docs/reports.md): choose a report,
the dates referrals were received, a team, and whether the copy is meant to leave the service; Run shows
each table with how it was counted, as a real table a screen reader reads by rows and headers; Save as CSV writes it for a
spreadsheet. ``ReportForm`` is the plain-Python model the widgets write to; the services check the role,
scope a team leader to their teams, count and audit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage.services.permissions import User
from triage.services.report_tables import Table
from triage.services.reports import (
    REPORTS,
    Report,
    ReportRange,
    report_teams,
    run_report,
    save_report_csv,
    save_report_pdf,
)
from triage.store.database import Store
from triage.store.errors import StoreError


def last_month(today: date) -> tuple[date, date]:
    """The calendar month before ``today``'s: the month end a service reports on."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


@dataclass
class ReportForm:
    """What the dialog's fields hold: the one source of truth Run reads."""

    name: str = next(iter(REPORTS))
    start: date = field(default_factory=lambda: last_month(date.today())[0])
    end: date = field(default_factory=lambda: last_month(date.today())[1])
    team: str | None = None
    leaving: bool = False

    def range(self) -> ReportRange:
        return ReportRange(self.start, self.end, team=self.team, leaving=self.leaving)


class ReportView(QWidget):
    """A report as its notes and one real table per table of the report (a screen reader announces its
    rows and column headers, the arrows move cell by cell), each under its caption and how it was
    counted; the whole scrolls."""

    def __init__(self) -> None:
        super().__init__()
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.tables: list[QTableWidget] = []

    def show_report(self, report: Report) -> None:
        while (item := self.column.takeAt(0)) is not None:
            if (old := item.widget()) is not None:
                old.hide()  # at once: deleteLater waits for the event loop
                old.deleteLater()
        self.tables = []
        heading = QLabel(f"<b>{escape(report.title)}</b>")
        self.column.addWidget(heading)
        for line in (f"Made on {report.made_on:%d/%m/%Y}; {report.counted()}.", *report.notes):
            self.column.addWidget(_wrapped(line))
        for table in report.tables:
            caption = QLabel(f"<b>{escape(table.caption)}</b>")
            self.column.addWidget(caption)
            self.column.addWidget(_wrapped(table.counted))
            grid = _grid(table)
            caption.setBuddy(grid)
            self.tables.append(grid)
            self.column.addWidget(grid)
            if table.chart is not None and table.bars():
                self.column.addWidget(BarChart(table.bars(), table.columns[table.chart].name, table.caption))
        self.column.addStretch(1)
        self.column.activate()  # laid out now, with every table's height, not at the next event


class BarChart(QWidget):
    """A table's charted column as horizontal bars, drawn by Qt (the PDF draws the same bars with
    reportlab). It repeats the table above it for the eye; a screen reader has the table, so the chart
    says only what it is. A hidden figure has no bar and is labelled "hidden"."""

    BAR, GAP, LABELS = 18, 6, 300

    def __init__(self, bars: tuple[tuple[str, float | None], ...], measure: str, caption: str) -> None:
        super().__init__()
        self.bars, self.measure = bars, measure
        self.setAccessibleName(f"Chart of {caption}")
        self.setAccessibleDescription(f"{measure}, as bars: the same figures as the table above")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFixedHeight(len(bars) * (self.BAR + self.GAP) + self.GAP)
        self.setMinimumWidth(self.LABELS + 200)
        self.setMaximumWidth(self.LABELS + 600)  # bars a glance can compare, not the window's width

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        painter = QPainter(self)
        palette = self.palette()
        largest = max([value or 0.0 for _, value in self.bars] + [1.0])
        room = max(self.width() - self.LABELS - 60, 10)
        metrics = painter.fontMetrics()
        for row, (label, value) in enumerate(self.bars):
            top = self.GAP + row * (self.BAR + self.GAP)
            text = f"{label} (hidden)" if value is None else label
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, self.LABELS - 8)
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            painter.drawText(QRect(0, top, self.LABELS - 8, self.BAR), Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, text)  # fmt: skip
            if value is None:
                continue
            width = round(room * value / largest)
            painter.fillRect(QRect(self.LABELS, top, width, self.BAR), QColor(NHS_BLUE))
            painter.drawText(QRect(self.LABELS + width + 4, top, 60, self.BAR), Qt.AlignmentFlag.AlignVCenter,
                             f"{value:g}")  # fmt: skip
        painter.end()


NHS_BLUE = "#005EB8"  # the letters' blue (triage/letters/render.py BLUE)


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


TEXT_WIDTH = 420  # pixels: the widest a column of words gets before it wraps


def _grid(table: Table) -> QTableWidget:
    """One report table as a read-only table widget, as tall as its rows (the dialog scrolls, not it)."""
    grid = QTableWidget(len(table.rows), len(table.columns))
    grid.setAccessibleName(table.caption)
    grid.setAccessibleDescription(table.counted)
    grid.setHorizontalHeaderLabels([c.name for c in table.columns])
    grid.verticalHeader().setVisible(False)
    grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    grid.setTabKeyNavigation(False)  # Tab moves on to the next table, the arrows within one
    grid.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    grid.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for r in range(len(table.rows)):
        for c, column in enumerate(table.columns):
            item = QTableWidgetItem(table.shown(r, c))
            if column.kind in ("count", "derived", "share"):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if table.total_row and r == len(table.rows) - 1:
                bold = item.font()
                bold.setBold(True)
                item.setFont(bold)
            grid.setItem(r, c, item)
    grid.resizeColumnsToContents()
    for c, column in enumerate(table.columns):  # long words (a target's source) wrap, in a column of their own
        if column.kind == "text" and grid.columnWidth(c) > TEXT_WIDTH:
            grid.setColumnWidth(c, TEXT_WIDTH)
    grid.setWordWrap(True)
    grid.resizeRowsToContents()
    # As big as its cells and no bigger: the page scrolls, never the table, and a narrow table stays narrow.
    frame = 2 * grid.frameWidth()
    grid.setFixedHeight(grid.horizontalHeader().sizeHint().height() + grid.verticalHeader().length() + frame)
    grid.setMaximumWidth(grid.horizontalHeader().length() + frame)
    return grid


def _date_edit(name: str, value: date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setAccessibleName(name)
    return edit


class ReportsDialog(QDialog):
    def __init__(self, store: Store, user: User, parent: QWidget | None = None, *, service_name: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Reports")
        self.store, self.user, self.form = store, user, ReportForm()
        self.service_name = service_name or "NHS Talking Therapies"  # the PDF's letterhead
        self.report: Report | None = None
        column = QVBoxLayout(self)
        rows = QFormLayout()
        self.which = QComboBox()
        self.which.setAccessibleName("Report")
        for name, (title, _) in REPORTS.items():
            self.which.addItem(title, name)
        self.which.currentIndexChanged.connect(lambda _i: setattr(self.form, "name", self.which.currentData()))
        self.start = _date_edit("Received from", self.form.start)
        self.start.dateChanged.connect(lambda d: setattr(self.form, "start", d.toPython()))
        self.end = _date_edit("Received to", self.form.end)
        self.end.dateChanged.connect(lambda d: setattr(self.form, "end", d.toPython()))
        self.team = QComboBox()
        self.team.setAccessibleName("Team")
        everyone = "My teams and the service's" if user.role == "team_leader" else "The whole service"
        self.team.addItem(everyone, None)
        self.leaving = QCheckBox("Meant to &leave the service (hide small numbers and people)")
        self.leaving.toggled.connect(lambda on: setattr(self.form, "leaving", on))
        for text, widget in (("&Report", self.which), ("Received &from", self.start), ("Received &to", self.end),
                             ("T&eam", self.team)):  # fmt: skip
            label = QLabel(text)
            label.setBuddy(widget)
            rows.addRow(label, widget)
        rows.addRow(self.leaving)
        column.addLayout(rows)
        buttons = QHBoxLayout()
        self.run_button = QPushButton("R&un")
        self.run_button.clicked.connect(self.run)
        self.save_button = QPushButton("Save as &CSV…")
        self.save_button.clicked.connect(self.save_csv)
        self.pdf_button = QPushButton("Save as &PDF…")
        self.pdf_button.clicked.connect(self.save_pdf)
        for button in (self.save_button, self.pdf_button):
            button.setEnabled(False)
        for button in (self.run_button, self.save_button, self.pdf_button):
            button.setAutoDefault(False)
            button.setAccessibleName(button.text().replace("&", ""))
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What happened")
        column.addWidget(self.message)
        self.output = ReportView()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.output)
        scroll.setAccessibleName("The report")
        column.addWidget(scroll, 1)
        self.team.currentIndexChanged.connect(lambda _i: setattr(self.form, "team", self.team.currentData()))
        self._offer_teams()
        self.resize(900, 620)

    def _offer_teams(self) -> None:
        try:
            teams = report_teams(self.store, self.user)
        except StoreError as exc:
            self._say(f"The teams cannot be listed: {exc}.")
            return
        for code, name in teams:
            self.team.addItem(f"{name} ({code})", code)

    def run(self) -> None:
        try:
            self.report = run_report(self.store, self.user, self.form.name, self.form.range())
        except StoreError as exc:
            self.report = None
            self._say(f"Not run: {exc}.")
            self.save_button.setEnabled(False)
            self.pdf_button.setEnabled(False)
            return
        self.output.show_report(self.report)
        self.save_button.setEnabled(True)
        self.pdf_button.setEnabled(True)
        self._say(f"{self.report.title}: {self.report.counted()}.")

    def choose_path(self, kind: str) -> Path | None:
        """Ask where to save the report as ``kind`` ("csv" or "pdf"; tests replace this)."""
        report = self.report
        name = f"report-{report.name}-{report.range.start}-{report.range.end}.{kind}" if report else f"report.{kind}"
        path, _ = QFileDialog.getSaveFileName(self, f"Save the report as {kind.upper()}", str(Path.home() / name),
                                              f"{kind.upper()} files (*.{kind})")  # fmt: skip
        return Path(path) if path else None

    def save_csv(self) -> None:
        self._save("csv", save_report_csv)

    def save_pdf(self) -> None:
        self._save("pdf", lambda report, path: save_report_pdf(report, path, self.service_name))

    def _save(self, kind: str, write: Callable[[Report, Path], None]) -> None:
        if self.report is None or (path := self.choose_path(kind)) is None:
            return
        try:
            write(self.report, path)
        except (StoreError, OSError) as exc:
            self._say(f"Not saved: {exc.strerror if isinstance(exc, OSError) else exc}.")
            return
        self._say(f"Saved as {path.name}.")

    def _say(self, text: str) -> None:
        self.message.setText(text)


def open_reports(store: Store, user: User, parent: QWidget) -> QDialog:
    from triage.services.service_settings import service_settings
    from triage.settings import SettingsError

    try:
        name = service_settings(store).service_name  # the letterhead's: anyone logged in reads it
    except (StoreError, SettingsError):
        name = ""
    return ReportsDialog(store, user, parent, service_name=name)
