"""Two parts of the Settings dialog (issue 15, items 3 and 7), both kept in the store:

- ``WaitTargetsSection``: the wait targets the list and the record flag. Where the service's clock
  starts (the referral received date, or the opt-in where the service runs opt-in); a table of the
  targets, each with its source, whose days (and label) an admin changes by typing in the table (F2, or
  any key, on a cell; a label that names the days follows them); a local target added from the line below the table (its source required);
  the selected one removed; the shipped targets put back.
- ``ConditionListsSection``: the long-term physical conditions and the kinds of medically unexplained
  symptoms the screening form offers, one per line; the shipped lists put back.

Each hands back what is on screen as plain data (``value``) for ``ServiceSettings`` to check whole:
nothing is saved unless all of it is valid. A local target is checked as it is added
(``services.settings_lists.local_target``), so a missing source is said at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage.rules.conditions import shipped_condition_lists
from triage.rules.waits import MEASURE_NAMES, WaitTarget, WaitTargets, default_wait_targets
from triage.services.inputs import InvalidInput
from triage.services.settings_lists import local_target, relabelled
from triage.settings import MAX_CONDITIONS, ServiceSettings
from triage.ui.value_combo import value_combo

CLOCKS = (
    (False, "The clock starts at the referral received date"),
    (True, "The clock starts at opt-in, where the service runs opt-in"),
)
WITHIN = {"at_most": "within (the last day counts as within)", "less_than": "under (the last day is over)"}
CLOCK_WORDS = {"received": "received date", "service": "service's clock"}
COLUMNS = ("Target", "Wait", "Days", "Rule", "Clock", "Verified")
SHORT_MEASURES = {"first_contact": "first contact", "screening": "assessment", "treatment": "treatment"}
DAYS, LABEL = COLUMNS.index("Days"), COLUMNS.index("Target")
ROW = re.compile(r"wait_targets\.targets\[(\d+)\]")


class _ReturnAdds(QObject):
    """Return in the new target's fields adds it (rather than saving the dialog without it)."""

    def __init__(self, add: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self.add = add

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.add()
                return True
        return False


def _cell(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(tip or text)
    return item


class WaitTargetsSection(QGroupBox):
    def __init__(self, targets: WaitTargets, report: Callable[[list[str]], None], editable: bool = True,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__("Wait targets (flagged in the list and the record; kept in the store)", parent)
        self.report = report
        self.rows: list[WaitTarget] = []  # every field but the label and the days, which are the table's
        column = QVBoxLayout(self)
        form = QFormLayout()
        self.clock = value_combo("Where the service's clock starts", list(CLOCKS))
        form.addRow("Ser&vice clock", self.clock)
        column.addLayout(form)
        column.addWidget(_small("For the targets on the service's clock (shipped: the 28-day one); the others "
                                "always count from the referral received date."))  # fmt: skip
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName(
            "Wait targets: type a target's days in the Days column, its label in the Target column"
        )
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move in it
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.DoubleClicked)  # fmt: skip
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        for index in range(len(COLUMNS)):
            header.setSectionResizeMode(index, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_source(row))
        self.table.itemChanged.connect(self._days_changed)
        heading = QLabel("&Wait targets (type a target's days or label in the table; the source of the one "
                         "selected is below):")  # fmt: skip
        heading.setBuddy(self.table)
        heading.setWordWrap(True)
        column.addWidget(heading)
        column.addWidget(self.table)
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setAccessibleName("Source of the selected wait target")
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.source)
        buttons = QHBoxLayout()
        self.remove = QPushButton("Re&move the selected target")
        self.remove.setAccessibleName("Remove the selected wait target")
        self.remove.clicked.connect(self.remove_selected)
        restore = QPushButton("Restore the shipped wait targets")
        restore.setAccessibleName("Restore the shipped wait targets")
        restore.clicked.connect(lambda: self.show_targets(default_wait_targets()))
        buttons.addWidget(self.remove)
        buttons.addWidget(restore)
        buttons.addStretch(1)
        column.addLayout(buttons)
        column.addWidget(self._new_target())
        self.show_targets(targets)
        for widget in self.findChildren(QWidget):
            if not isinstance(widget, QLabel):
                widget.setEnabled(editable)

    def _new_target(self) -> QGroupBox:
        box = QGroupBox("Add a local target (the service's own; its source is required)")
        form = QFormLayout(box)
        self.new_label = QLineEdit()
        self.new_label.setAccessibleName("New target's label")
        self.new_label.setMaxLength(120)
        self.new_label.setPlaceholderText("e.g. Referral to first contact within 5 days")
        self.new_measure = value_combo("New target's wait", list(MEASURE_NAMES.items()))
        self.new_within = value_combo("New target's rule", list(WITHIN.items()))
        self.new_days = QSpinBox()
        self.new_days.setRange(1, 730)
        self.new_days.setValue(28)
        self.new_days.setSuffix(" days")
        self.new_days.setAccessibleName("New target's days, 1 to 730")
        self.new_clock = value_combo("New target's clock", [("received", "The referral received date"),
                                                       ("service", "The service's clock (received, or opt-in)")])  # fmt: skip
        self.new_source = QLineEdit()
        self.new_source.setAccessibleName("New target's source (required)")
        self.new_source.setMaxLength(300)
        self.new_source.setPlaceholderText("Where it comes from, e.g. the commissioner's contract, 2026")
        add = QPushButton("Add the target")
        add.setAccessibleName("Add the new wait target")
        add.clicked.connect(self.add_target)
        returns = _ReturnAdds(self.add_target, self)
        for field in (self.new_label, self.new_source, self.new_days):
            field.installEventFilter(returns)
        form.addRow("New tar&get", self.new_label)
        form.addRow("Wait", self.new_measure)
        form.addRow("Rule", self.new_within)
        form.addRow("Days", self.new_days)
        form.addRow("Clock", self.new_clock)
        form.addRow("Source", self.new_source)
        form.addRow("", add)
        return box

    # --- showing and editing ---------------------------------------------------------------------

    def show_targets(self, targets: WaitTargets) -> None:
        self.clock.setCurrentIndex(self.clock.findData(targets.opt_in_clock))
        self.rows = list(targets.targets)
        self.table.setRowCount(0)
        for target in targets.targets:
            self._append(target)
        self.table.setCurrentCell(0 if self.rows else -1, DAYS)
        self._show_source(self.table.currentRow())

    def _append(self, target: WaitTarget) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        days = QTableWidgetItem(str(target.days))
        days.setToolTip(f"Days for {target.label}: a whole number from 1 to 730")
        days.setData(Qt.ItemDataRole.UserRole, target.days)  # the days the label says, to follow a change
        label = QTableWidgetItem(target.label)
        label.setToolTip(f"{target.label}. Source: {target.source}")
        cells = [label,
                 _cell(SHORT_MEASURES[target.measure], MEASURE_NAMES[target.measure]), days,
                 _cell("under" if target.within == "less_than" else "within", WITHIN[target.within]),
                 _cell(CLOCK_WORDS[target.clock]), _cell("yes" if target.verified else "no")]  # fmt: skip
        was = self.table.blockSignals(True)
        for column, cell in enumerate(cells):
            self.table.setItem(row, column, cell)
        self.table.blockSignals(was)
        self.table.resizeRowToContents(row)

    def _days_changed(self, item: QTableWidgetItem) -> None:
        """Days typed: a label that names the old number of days names the new one."""
        text, label = item.text().strip(), self.table.item(item.row(), LABEL)
        old = item.data(Qt.ItemDataRole.UserRole)
        if item.column() != DAYS or not text.isdigit() or label is None or not isinstance(old, int):
            return
        changed = relabelled(label.text(), old, int(text))
        if changed != label.text():
            item.setData(Qt.ItemDataRole.UserRole, int(text))
            label.setText(changed)

    def _show_source(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            target = self.rows[row]
            checked = "" if target.verified else " Not verified against the seed documents."
            self.source.setText(f"<small><b>Source</b> of {escape(target.label)}: {escape(target.source)}"
                                f"{checked}</small>")  # fmt: skip
        else:
            self.source.setText("")

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            del self.rows[row]
            self.table.removeRow(row)

    def add_target(self) -> None:
        try:
            target = local_target({t.code for t in self.rows}, label=self.new_label.text(), measure=self.new_measure.currentData(),
                                  days=self.new_days.value(), within=self.new_within.currentData(),
                                  clock=self.new_clock.currentData(), source=self.new_source.text())  # fmt: skip
        except InvalidInput as exc:
            self.report(exc.problems)
            (self.new_source if self.new_label.text().strip() else self.new_label).setFocus()
            return
        self.rows.append(target)
        self._append(target)
        self.table.setCurrentCell(self.table.rowCount() - 1, DAYS)
        self.new_label.clear()
        self.new_source.clear()
        self.report([])

    def _typed(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def value(self) -> dict[str, Any]:
        """The targets as on screen, as the data ``ServiceSettings.wait_targets`` takes: the days a
        number, or the text itself for the model to refuse by name."""
        targets = []
        for row, target in enumerate(self.rows):
            days = self._typed(row, DAYS)
            targets.append({**target.model_dump(mode="json"), "label": self._typed(row, LABEL),
                            "days": int(days) if days.isdigit() else days})  # fmt: skip
        return {"version": 1, "opt_in_clock": bool(self.clock.currentData()), "targets": targets}

    def explain(self, problem: str) -> str:
        """A problem's field named as the admin sees it: "Wait target 2 (Referral or opt-in ...), days"."""
        match = ROW.match(problem)
        if match is None or int(match[1]) >= len(self.rows):
            return problem
        row, rest = int(match[1]), problem[match.end() :].lstrip(".")
        allowed = " (a whole number of days from 1 to 730)" if rest.startswith("days:") else ""
        return f"Wait target {row + 1} ({self._typed(row, LABEL) or self.rows[row].label}), {rest}{allowed}"


class ConditionListsSection(QGroupBox):
    def __init__(self, settings: ServiceSettings, editable: bool = True, parent: QWidget | None = None) -> None:
        super().__init__("Conditions offered on the screening form (any one leads to integrated IAPT; "
                         "kept in the store)", parent)  # fmt: skip
        column = QVBoxLayout(self)
        form = QFormLayout()
        self.ltc = _lines("Long-term physical conditions offered, one per line", settings.long_term_conditions, 190)
        self.mus = _lines("Medically unexplained symptoms offered, one per line",
                          settings.medically_unexplained_symptoms, 120)  # fmt: skip
        form.addRow("Long-term ph&ysical conditions", self.ltc)
        form.addRow("Medically &unexplained symptoms", self.mus)
        column.addLayout(form)
        restore = QPushButton("Restore the shipped lists")
        restore.setAccessibleName("Restore the shipped lists of conditions")
        restore.clicked.connect(self.restore)
        row = QHBoxLayout()
        row.addWidget(restore)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(_small(f"One per line, each once, at most {MAX_CONDITIONS}. A screening already saved "
                                f"keeps the words it was saved with. Shipped lists: {shipped_condition_lists().source}"))  # fmt: skip
        for widget in (self.ltc, self.mus, restore):
            widget.setEnabled(editable)

    def restore(self) -> None:
        shipped = shipped_condition_lists()
        self.ltc.setPlainText("\n".join(shipped.long_term_conditions))
        self.mus.setPlainText("\n".join(shipped.medically_unexplained_symptoms))

    def value(self) -> dict[str, list[str]]:
        return {"long_term_conditions": _entries(self.ltc), "medically_unexplained_symptoms": _entries(self.mus)}


def _lines(name: str, entries: tuple[str, ...], height: int) -> QPlainTextEdit:
    box = QPlainTextEdit("\n".join(entries))
    box.setAccessibleName(name)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


def _entries(box: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in box.toPlainText().splitlines() if line.strip()]


def _small(text: str) -> QLabel:
    label = QLabel(f"<small>{escape(text)}</small>")
    label.setWordWrap(True)
    return label
