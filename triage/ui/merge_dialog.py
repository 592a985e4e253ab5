"""Merging two records of one person from a referral's record, and undoing a merge (a team leader's:
services/merges.py checks, refuses and audits; issue 15, item 9).

"Merge records…": the leader types the other record's service reference or NHS number
and presses Return; both people are then shown side by side (``merge_preview``, audited as a view of
each: name, date of birth, NHS number, how many referrals), with any reason the service would refuse
them. The leader chooses which record is kept, types the NHS number that is right (the kept record's)
and why, and presses Return again to merge. Changing the other record's text means looking again
before anything can be merged. "Undo merge…": which merge into this person to undo, and why.

Each problem is shown by its field, the dialog stays open, and nothing is written; after a change the
window shows the record again, read afresh (record_edits.py wires both). No clinical logic here: every check is the service's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage.labels import labels
from triage.services.inputs import InvalidInput, parse
from triage.services.merges import (
    MergeInput,
    MergePreview,
    MergeSide,
    UndoMergeInput,
    merge_people,
    merge_preview,
    undo_merge,
    undoable,
)
from triage.services.record_output import uk_date, uk_time
from triage.store.errors import StoreError
from triage.store.vocabulary import MERGE_REASONS
from triage.ui.referral_dialog import problems_html

if TYPE_CHECKING:
    from triage.services.referral_record import ReferralRecord
    from triage.ui.main_window import MainWindow

LABELS = {
    "other": "Other record", "referral": "Other record", "keep": "Record to keep",
    "nhs_number": "NHS number that is right", "reason_category": "How they were found to be one person",
    "reason": "Why, in words", "date_of_birth": "Date of birth", "merge": "Merge to undo",
    "undo_reason": "Why the merge was wrong", "input": "Merge",
}  # fmt: skip
NOTE = (
    "Type the other record's reference or NHS number and press Return: both records are shown side by side. "
    "Check them, choose the record to keep, type its NHS number again, say why, and press Return to merge."
)
ROWS = ("Reference", "Name", "Date of birth", "NHS number", "Referrals")


def spaced(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def side_values(side: MergeSide) -> tuple[str, ...]:
    return (side.reference, f"{side.given_name} {side.family_name.upper()}", uk_date(side.date_of_birth),
            spaced(side.nhs_number), str(side.referral_count))  # fmt: skip


class _Form(QDialog):
    """A form, a problems line and the action's button / Cancel."""

    def __init__(self, title: str, action: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)  # never a name: window titles reach task bars
        self.column = QVBoxLayout(self)
        self.form = QFormLayout()
        self.column.addLayout(self.form)
        self.focus_targets: dict[str, QWidget] = {}
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "warning")
        self.problems.setAccessibleName("Problems")
        self.problems.setVisible(False)
        self.column.addWidget(self.problems)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.action_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.action_button.setText(action)
        self.action_button.setAccessibleName(action)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.column.addWidget(buttons)

    def add_row(self, key: str, widget: QWidget) -> None:
        widget.setAccessibleName(LABELS[key])
        self.form.addRow(LABELS[key], widget)
        self.focus_targets[key] = widget

    def line(self, key: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        self.add_row(key, edit)
        return edit

    def reasons(self, key: str, codes: tuple[str, ...], words: dict[str, str]) -> QComboBox:
        box = QComboBox()
        box.addItem("Choose…", None)
        for code in codes:
            box.addItem(words[code], code)
        self.add_row(key, box)
        return box

    def show_problems(self, problems: list[str]) -> None:
        self.problems.setText(problems_html(problems, LABELS))
        self.problems.setVisible(True)
        self._fit_height()
        first = problems[0].partition(":")[0] if problems else ""
        if first in self.focus_targets:
            self.focus_targets[first].setFocus()

    def _fit_height(self) -> None:
        """Grow to show the problems in full (a wrapped label's height depends on the width it gets)."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
            wanted = (
                layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else self.sizeHint().height()
            )
            self.resize(self.width(), max(self.height(), wanted))

    def clear_problems(self) -> None:
        self.problems.clear()
        self.problems.setVisible(False)


class MergeDialog(_Form):
    """The other record looked up, both shown side by side, then merged with a reason."""

    def __init__(self, window: MainWindow, record: ReferralRecord) -> None:
        super().__init__("Merge with another record", "Look up the other record", window)
        self.window_, self.record = window, record
        self.preview: MergePreview | None = None
        self.looked_at = ""  # the text the preview was made from: changed, the leader must look again
        self.other = self.line("other", "the other record's reference (e.g. DON-000123) or NHS number")
        self.note = QLabel(NOTE)
        self.note.setWordWrap(True)
        self.note.setAccessibleName("What to do")
        self.form.addRow(self.note)
        self.table = QTableWidget(len(ROWS), 2)
        self.table.setAccessibleName("The two records side by side")
        self.table.setHorizontalHeaderLabels(["This record", "The other record"])
        self.table.setVerticalHeaderLabels(list(ROWS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab moves on to the next field; the arrows move within
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setFixedHeight(self.table.verticalHeader().length() + self.table.horizontalHeader().sizeHint().height()
                                  + 2 * self.table.frameWidth())  # fmt: skip
        self.form.addRow(self.table)
        self.keep = QComboBox()
        self.add_row("keep", self.keep)
        self.nhs_number = self.line("nhs_number", "the kept record's NHS number, typed again")
        self.reason_category = self.reasons("reason_category", MERGE_REASONS, labels().merge_reasons)
        self.reason = self.line("reason", "e.g. the GP record shows one person; the second number was mistyped")
        self._fill(None)
        self.resize(640, self.sizeHint().height())

    def _fill(self, preview: MergePreview | None) -> None:
        self.preview = preview
        for column, side in enumerate((preview.this, preview.other) if preview else (None, None)):
            for row, value in enumerate(side_values(side) if side else ("",) * len(ROWS)):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, column, item)
        self.keep.clear()
        if preview is not None:
            self.keep.addItem(f"This record ({preview.this.reference})", "this")
            self.keep.addItem(f"The other record ({preview.other.reference})", "other")
        ready = preview is not None and not preview.problems
        for widget in (self.keep, self.nhs_number, self.reason_category, self.reason):
            widget.setEnabled(ready)
        self.table.setEnabled(preview is not None)
        text = "Merge the records" if ready else "Look up the other record"
        self.action_button.setText(text)
        self.action_button.setAccessibleName(text)

    def accept(self) -> None:
        typed = self.other.text().strip()
        if self.preview is None or typed != self.looked_at:
            self._look(typed)
            return
        self._merge()

    def _look(self, typed: str) -> None:
        self.clear_problems()
        if not typed:
            self.show_problems(["other: type the other record's reference or NHS number"])
            return
        try:
            preview = merge_preview(self.window_.store, self.window_.user, self.record.referral.id, typed)
        except StoreError as exc:
            self._fill(None)
            self.show_problems([str(exc) if ": " in str(exc) else f"other: {exc}"])
            return
        self.looked_at = typed
        self._fill(preview)
        if preview.problems:
            self.show_problems(list(preview.problems))
            self.other.setFocus()
        else:
            self.table.setFocus()

    def _merge(self) -> None:
        assert self.preview is not None
        kept, other = (self.preview.this, self.preview.other)
        if self.keep.currentData() == "other":
            kept, other = other, kept
        try:
            data = parse(MergeInput, {"nhs_number": self.nhs_number.text(), "reason": self.reason.text(),
                                      "reason_category": self.reason_category.currentData()})  # fmt: skip
            merge_people(self.window_.store, self.window_.user, kept.referral_id, other.referral_id, kept.version,
                         other.version, data)  # fmt: skip
        except InvalidInput as exc:
            self.show_problems(exc.problems)
            return
        except StoreError as exc:
            self.show_problems([line if ": " in line else f"input: {line}" for line in str(exc).splitlines()])
            return
        super().accept()


class UndoMergeDialog(_Form):
    """Which merge into this person to undo, and why."""

    def __init__(self, window: MainWindow, record: ReferralRecord) -> None:
        super().__init__("Undo a merge", "Undo the merge", window)
        self.window_ = window
        self.merge = QComboBox()
        for entry in undoable(record.merges):
            count = len(entry.referral_ids)
            self.merge.addItem(f"Merge {entry.id} of {uk_time(entry.merged_at)}: the record with NHS number "
                               f"{spaced(entry.other_nhs_number)} ({count} referral{'' if count == 1 else 's'})",
                               entry.id)  # fmt: skip
        self.add_row("merge", self.merge)
        self.undo_reason = self.line("undo_reason", "e.g. the GP practice says these are two people")
        self.resize(560, self.sizeHint().height())

    def accept(self) -> None:
        try:
            data = parse(UndoMergeInput, {"undo_reason": self.undo_reason.text()})
            undo_merge(self.window_.store, self.window_.user, int(self.merge.currentData()), data)
        except InvalidInput as exc:
            self.show_problems(exc.problems)
            return
        except StoreError as exc:
            self.show_problems([str(exc) if ": " in str(exc) else f"input: {exc}"])
            return
        super().accept()
