"""The referral meeting's queue (Ctrl+Shift+M; issue 16, item 1), and the supervision queue (item 6)
drawn by the same dialog.

One row a referral, in the queue's order: its position, reference and initials (never a name: this may
be on a projector), why it waits for the team, how many days it has waited, who screened it, the
screener's question, and what an earlier meeting deferred it for or asked. A team leader reorders the
meeting's queue before the meeting by keyboard: Alt+Up and Alt+Down move the selected referral, the
services store the new order, and the selection follows it. Return opens nothing here; Alt+O closes the
queue and the main window opens a meeting (meeting_window.py). The state is ``QueueState``
(meeting_queue_model.py); the services (``services.meeting_queue``) check the role and audit the look.

Sized for a 1280×720 screen: the long columns (why, the question, what the meeting said) wrap, the
short ones fit their text, and the table scrolls rather than the buttons leaving the window.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from triage.services.meeting_queue import meeting_queue, move_in_queue, supervision_queue
from triage.services.permissions import User
from triage.store.database import Store
from triage.ui.fit import fit_to_screen
from triage.ui.meeting_queue_model import COLUMNS, QueueState, QueueTable

PREFERRED = QSize(1240, 640)  # fit_to_screen cuts it to what a 1280×720 screen has room for
WRAPPED_WIDTHS = {3: 250, 7: 220}  # why, and what a meeting said; the question takes the rest
SHORT_COLUMNS = (0, 1, 2, 4, 5)  # position, reference, initials, days, screener: sized to their text


def _button(text: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text.replace("&", "").rstrip("…"))
    button.setAutoDefault(False)  # Return in the table presses nothing
    button.clicked.connect(slot)
    return button


class MeetingQueueDialog(QDialog):
    """The queue ``state`` holds. ``offers_meeting`` (the meeting's queue only): Alt+O closes the queue
    with ``meeting_asked`` set, and the main window opens the meeting (its windows outlive this dialog)."""

    def __init__(self, state: QueueState, *, title: str, heading: str, empty: str, offers_meeting: bool = False,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.state, self.offers_meeting = state, offers_meeting
        self.meeting_asked = False
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        fit_to_screen(self, PREFERRED)
        self._fit_rows = QTimer(self, singleShot=True, interval=0)
        column = QVBoxLayout(self)
        self.table: QTableView = self._table(QueueTable(state, self))
        self._fit_rows.timeout.connect(self.table.resizeRowsToContents)
        label = QLabel(heading)  # its &Q reaches the table
        label.setWordWrap(True)
        label.setBuddy(self.table)
        column.addWidget(label)
        self.empty = QLabel(empty)
        self.empty.setAccessibleName("The queue is empty")
        self.empty.setWordWrap(True)
        column.addWidget(self.empty)
        column.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What happened")
        column.addWidget(self.message)
        column.addLayout(self._actions())
        state.observe(self._follow)
        state.reload()
        self.table.setFocus()

    def _table(self, model: QueueTable) -> QTableView:
        table = QTableView()
        table.setAccessibleName("Referrals waiting, in the queue's order")
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
        table.setWordWrap(True)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for index in SHORT_COLUMNS:
            header.setSectionResizeMode(index, QHeaderView.ResizeMode.ResizeToContents)
        for index, width in WRAPPED_WIDTHS.items():
            header.resizeSection(index, width)
        header.setSectionResizeMode(COLUMNS.index("Question for the team"), QHeaderView.ResizeMode.Stretch)
        # A wrapped cell's height depends on its column's width: fitted again whenever a width changes
        # (the question's column stretches with the dialog), so no row keeps the height of a narrower one.
        header.sectionResized.connect(lambda *_: self._fit_rows.start())
        return table

    def _actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.up_button: QPushButton | None = None  # the meeting's queue only: the supervision queue is read only
        self.down_button: QPushButton | None = None
        self.meeting_button: QPushButton | None = None
        if self.state.may_reorder:
            self.up_button = _button("Move up (Alt+Up)", lambda: self.move_selected(-1))
            self.down_button = _button("Move down (Alt+Down)", lambda: self.move_selected(+1))
            for keys, delta in (("Alt+Up", -1), ("Alt+Down", +1)):
                shortcut = QShortcut(QKeySequence(keys), self)
                shortcut.activated.connect(lambda delta=delta: self.move_selected(delta))
            row.addWidget(self.up_button)
            row.addWidget(self.down_button)
        row.addStretch(1)
        if self.offers_meeting:
            self.meeting_button = _button("&Open a meeting…", self.open_meeting)
            row.addWidget(self.meeting_button)
        close = _button("Close", self.reject)
        close.setToolTip("Escape")
        row.addWidget(close)
        return row

    # --- what is shown, and the keys ------------------------------------------------------------------

    def _follow(self) -> None:
        """The state changed: the table reset (by QueueTable), its rows fitted to their wrapped text."""
        has_entries = bool(self.state.entries)
        self.empty.setVisible(not has_entries)
        if self.state.refused is not None:
            self.empty.setText(f"The queue cannot be shown: {self.state.refused.rstrip('.')}.")
        self.table.resizeRowsToContents()
        if has_entries and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def move_selected(self, delta: int) -> None:
        """Alt+Up / Alt+Down: the selected referral one place up or down, stored, the selection with it."""
        row = self.selected_row()
        if row is None:
            return
        moved = self.state.move(row, delta)
        self.message.setText(self.state.said)
        if moved is not None:
            self.table.selectRow(moved)
            self.table.setFocus()

    def open_meeting(self) -> None:
        """Alt+O: the queue closes, asking for a meeting (the main window opens it, in the queue's order)."""
        self.meeting_asked = True
        self.accept()


def meeting_queue_dialog(store: Store, user: User, parent: QWidget | None = None) -> MeetingQueueDialog:
    """The referral meeting's queue, reorderable, with Open a meeting (a team leader's: the services check)."""
    state = QueueState(lambda: meeting_queue(store, user),
                       lambda referral_id, position: move_in_queue(store, user, referral_id, position))  # fmt: skip
    return MeetingQueueDialog(state, title="Referral meeting queue", offers_meeting=True,
                              heading="The &queue, in the order the team will take it (Alt+Up and Alt+Down "
                              "move the selected referral)",
                              empty="No referral is waiting for the referral meeting.", parent=parent)  # fmt: skip


def supervision_queue_dialog(store: Store, user: User, parent: QWidget | None = None) -> MeetingQueueDialog:
    """The referrals flagged to discuss in supervision with ``user``, their supervisor (read only)."""
    state = QueueState(lambda: supervision_queue(store, user))
    return MeetingQueueDialog(state, title="Supervision queue", parent=parent,
                              heading="The &queue: referrals flagged to discuss in supervision with you",
                              empty="No referral is flagged to discuss in supervision with you.")  # fmt: skip


def _run(dialog: MeetingQueueDialog) -> bool:
    dialog.exec()
    asked = dialog.meeting_asked
    shiboken6.delete(dialog)  # now: a deferred delete could outlive the window
    return asked


def run_meeting_queue(parent: QWidget, store: Store, user: User) -> bool:
    """The meeting's queue, modal; whether a meeting was asked for (Alt+O)."""
    return _run(meeting_queue_dialog(store, user, parent))


def run_supervision_queue(parent: QWidget, store: Store, user: User) -> None:
    _run(supervision_queue_dialog(store, user, parent))
