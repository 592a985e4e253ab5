"""The admin's audit trail viewer (issue 6): who looked at or changed what, and when.

Filters (user, action, record type, from/to date), a table that fetches pages on demand, and
"Export CSV…". Everything goes through ``triage.services.audit_trail``: ``audit_events`` and
``export_audit_csv`` check ``audit_view`` themselves and audit the viewing and the export; hiding the
menu action for other roles is only a convenience. The queries and the export run off the GUI thread
(``triage.ui.worker``): the count line says what is under way, the filters stay usable, and a newer
query supersedes an older one. A refusal by the services arrives the same way: the viewer says why
and closes.

Keyboard: the filters come first in the tab order, then the table; F5 refreshes, Ctrl+E exports,
Escape closes. Dates are shown in UK format and local time (the trail stores UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO, cast

from PySide6.QtCore import QDate, QSize, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from triage.files import atomic_stream
from triage.services.audit_trail import AuditRow, audit_events, export_audit_csv
from triage.services.permissions import User
from triage.services.users import list_users
from triage.store.database import Store
from triage.store.vocabulary import AUDIT_ACTIONS, ENTITY_TYPES
from triage.ui.fit import fit_to_screen
from triage.ui.paged_model import AnyIndex, PagedTableModel
from triage.ui.worker import Worker, busy_cursor

PAGE_SIZE = 200
EARLIEST = QDate(2000, 1, 1)  # "from" at this date means no lower bound
# fetch(offset, limit) -> (rows newest first, total matching)
Fetch = Callable[[int, int], tuple[list[AuditRow], int]]

COLUMNS = ("When", "User", "Action", "Record type", "Record", "Summary")


def uk_datetime(value: datetime) -> str:
    """A stored (UTC) time as the person reads it: local time, dd/MM/yyyy HH:mm:ss."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def label(code: str) -> str:
    return code.replace("_", " ")


def local_midnight_utc(day: date) -> datetime:
    """The start of ``day`` in local time, as an aware UTC datetime (what the store compares)."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


class AuditTableModel(PagedTableModel[AuditRow]):
    """The audit trail, one page at a time. Each page asked of the services is itself audited (a new
    event), so paging is pinned to what was there at the reload: ``fetch`` is built with an upper time
    bound, and rows already shown are never repeated."""

    COLUMNS = COLUMNS

    def __init__(self, fetch: Fetch | None = None, parent: Any = None) -> None:
        """``fetch`` runs on a worker thread."""
        super().__init__(parent)
        self._fetch = fetch

    def set_fetch(self, fetch: Fetch | None) -> None:
        """Fetch the first page with ``fetch`` (off the GUI thread); None empties the model now."""
        self._fetch = fetch
        if fetch is None:
            self.clear()
        else:
            self.reload()

    def first_page(self) -> Callable[[], tuple[list[AuditRow], int]]:
        fetch = self._fetch
        return (lambda: fetch(0, PAGE_SIZE)) if fetch is not None else (lambda: ([], 0))

    def next_page(self, offset: int) -> Callable[[], list[AuditRow]]:
        fetch, last = self._fetch, self.row_at(offset - 1)

        def call() -> list[AuditRow]:
            if fetch is None:
                return []
            more, _total = fetch(offset, PAGE_SIZE)
            return [r for r in more if r.id < last.id] if last else more  # newest first: only older events

        return call

    def cell(self, row: AuditRow, column: int) -> str:
        return (uk_datetime(row.occurred_at), row.actor, label(row.action), label(row.entity_type), row.entity_id,
                row.summary)[column]  # fmt: skip

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:  # the summary can be longer than its column
            row = self.row_at(index.row()) if index.isValid() and index.column() == 5 else None
            return row.summary if row else None
        return super().data(index, role)

    def event_id(self, row: int) -> int | None:
        found = self.row_at(row)
        return found.id if found else None


class AuditViewer(QDialog):
    """The audit trail for ``user`` (who must be allowed ``audit_view``: the services check)."""

    def __init__(self, store: Store, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.user = store, user
        self.refused: str | None = None
        self.setWindowTitle("Audit trail")
        self.setAccessibleName("Audit trail")
        fit_to_screen(self, QSize(1100, 700))
        layout = QVBoxLayout(self)

        intro = QLabel("Every view, search, change, letter, login and lock, newest first. Opening this trail is "
                       "itself recorded. Times are local (UK) time.")  # fmt: skip
        intro.setWordWrap(True)
        layout.addWidget(intro)

        filters = QFormLayout()
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        self.actor = QComboBox()
        self.actor.setEditable(True)
        self.actor.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.actor.addItem("")
        typed = self.actor.lineEdit()
        assert typed is not None  # an editable combo box always has its line edit
        typed.setPlaceholderText("Anyone (type or choose a username)")
        self.actor.setAccessibleName("Filter by user")
        typed.setAccessibleName("Filter by user")
        self.action = QComboBox()
        self.action.setAccessibleName("Filter by action")
        self.action.addItem("Any action", None)
        for code in AUDIT_ACTIONS:
            self.action.addItem(label(code), code)
        self.entity_type = QComboBox()
        self.entity_type.setAccessibleName("Filter by record type")
        self.entity_type.addItem("Any record type", None)
        for entity in ENTITY_TYPES:  # not "code": that loop variable holds an action
            self.entity_type.addItem(label(entity), entity)
        self.date_from = QDateEdit(EARLIEST)
        self.date_to = QDateEdit(QDate.currentDate())
        for edit, name in ((self.date_from, "From date"), (self.date_to, "To date (inclusive)")):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        # (No "special value text" for "any date": with it shown, Tab cannot leave the field, a keyboard trap.)
        self.date_from.setMinimumDate(EARLIEST)
        self.date_from.setToolTip("01/01/2000 means from the beginning")
        row1.addWidget(self.actor, 2)
        row1.addWidget(self.action, 1)
        row1.addWidget(self.entity_type, 1)
        row2.addWidget(self.date_from)
        to_label = QLabel("&to")
        to_label.setBuddy(self.date_to)
        row2.addWidget(to_label)
        row2.addWidget(self.date_to)
        row2.addStretch(1)
        user_label = QLabel("&User, action, record:")
        user_label.setBuddy(self.actor)
        from_label = QLabel("&From:")
        from_label.setBuddy(self.date_from)
        filters.addRow(user_label, row1)
        filters.addRow(from_label, row2)
        layout.addLayout(filters)

        self.model = AuditTableModel(parent=self)
        self.model.loaded.connect(self._show_events)
        self.model.failed.connect(self._show_failure)
        self.model.worker.busy_changed.connect(self._show_busy)
        self.exporter = Worker(self)
        self.exporter.busy_changed.connect(self._show_exporting)
        self.accounts = Worker(self)
        self.table = QTableView()
        self.table.setAccessibleName("Audit events")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setAccessibleName("Number of audit events")
        layout.addWidget(self.count)

        buttons = QHBoxLayout()
        self.refresh_button = QPushButton("&Refresh (F5)")
        self.export_button = QPushButton("&Export CSV… (Ctrl+E)")
        self.close_button = QPushButton("&Close")
        for button in (self.refresh_button, self.export_button, self.close_button):
            button.setAccessibleName(button.text().replace("&", ""))
            button.setAutoDefault(False)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.refresh_button.clicked.connect(self.reload)
        self.export_button.clicked.connect(self.export_csv)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self).activated.connect(self.reload)
        QShortcut(QKeySequence("Ctrl+E"), self).activated.connect(self.export_csv)

        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.reload)
        self.actor.editTextChanged.connect(lambda _t: self._debounce.start())
        for combo in (self.action, self.entity_type):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _d: self.reload())
        self._offer_usernames()
        self.reload()
        self.actor.setFocus()

    def _offer_usernames(self) -> None:
        """The accounts to choose from in the user filter, fetched off the GUI thread; without them the
        name is typed instead."""
        if not self.user.can("users"):  # listing accounts is the admin's; do not provoke a refusal
            return
        store, user = self.store, self.user
        self.accounts.start(lambda: [u.username for u in list_users(store, user)], self._add_usernames,
                            lambda _message: None)  # fmt: skip

    def _add_usernames(self, names: list[str]) -> None:
        for name in names:
            self.actor.addItem(name)

    # --- filters ---------------------------------------------------------------------------------

    def filters(self) -> dict[str, Any]:
        """The keyword arguments for ``audit_events`` and ``export_audit_csv``."""
        start, end = self.date_from.date(), self.date_to.date()
        # The casts are for mypy: the stubs type QDate.toPython() as object; it returns a datetime.date.
        return {
            "actor": self.actor.currentText().strip() or None,
            "action": self.action.currentData(),
            "entity_type": self.entity_type.currentData(),
            "since": None if start <= EARLIEST else local_midnight_utc(cast(date, start.toPython())),
            "until": local_midnight_utc(cast(date, end.toPython()) + timedelta(days=1)),
        }

    def reload(self) -> None:
        """Query the trail with the filters as they are now, off the GUI thread (``_show_events``)."""
        self._debounce.stop()
        if self.refused:
            return
        store, user, flt = self.store, self.user, self.filters()
        # Pin the pages to the trail as it is now: viewing a page adds an event, which must not shift the next.
        flt["until"] = min(flt["until"], datetime.now(UTC))

        def fetch(offset: int, limit: int) -> tuple[list[AuditRow], int]:  # on a worker thread
            return audit_events(store, user, **flt, limit=limit, offset=offset)

        self.model.set_fetch(fetch)
        self.count.setText("Reading the audit trail…")

    def _show_busy(self, busy: bool) -> None:
        busy_cursor(self.table, busy)

    def _show_events(self) -> None:
        self.count.setText(f"{self.model.total:,} event{'s' if self.model.total != 1 else ''} match"
                           f"{'es' if self.model.total == 1 else ''}; the newest first")  # fmt: skip
        if self.model.rowCount():
            self.table.selectRow(0)

    def _show_failure(self, message: str) -> None:
        if self.user.can("audit_view"):
            self._show_error(message)
        else:
            self._refuse(message)  # the services refused (and recorded the refusal)

    def _show_error(self, message: str) -> None:
        self.count.setText(f"The audit trail could not be shown: {message}")

    def _refuse(self, message: str) -> None:
        """Say why, in words, and close: nothing of the trail is shown."""
        self.refused = message
        self._debounce.stop()
        self.model.set_fetch(None)
        self._show_error(message)
        for widget in (self.actor, self.action, self.entity_type, self.date_from, self.date_to,
                       self.refresh_button, self.export_button):  # fmt: skip
            widget.setEnabled(False)
        QMessageBox.warning(self.parentWidget(), "Audit trail refused", message)
        self.reject()

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        super().showEvent(event)
        if self.refused:  # refused before it was shown: it closes again at once
            QTimer.singleShot(0, self.reject)

    # --- export ----------------------------------------------------------------------------------

    def choose_export_path(self) -> Path | None:
        """Ask where to save the CSV (tests replace this)."""
        name = f"audit-trail-{date.today():%Y-%m-%d}.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export the audit trail", str(Path.home() / name),
                                              "CSV files (*.csv)")  # fmt: skip
        return Path(path) if path else None

    def export_csv(self) -> None:
        """Export the filtered trail (all of it, oldest first) to a file written atomically, off the
        GUI thread; the count line says when it is done, a message box why nothing was saved."""
        if self.refused or self.exporter.busy:
            return
        path = self.choose_export_path()
        if path is None:
            return
        store, user, flt = self.store, self.user, self.filters()

        def export() -> int:  # on a worker thread
            with atomic_stream(path, "w", encoding="utf-8", newline="") as stream:
                return export_audit_csv(store, user, cast(TextIO, stream), **flt)  # text mode

        self.exporter.start(export, lambda count: self._exported(count, path), self._not_exported)

    def _show_exporting(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy and not self.refused)
        busy_cursor(self, busy)
        if busy:
            self.count.setText("Exporting the audit trail…")

    def _exported(self, count: int, path: Path) -> None:
        self.count.setText(f"Exported {count:,} event{'s' if count != 1 else ''} to {path.name}")

    def _not_exported(self, message: str) -> None:
        self.count.setText("The audit trail was not exported.")
        QMessageBox.warning(self, "Audit trail not exported", f"Nothing was saved: {message}")


def open_audit_viewer(store: Store, user: User, parent: QWidget | None = None) -> AuditViewer:
    """The viewer. Should the services refuse (their answer comes off the GUI thread), it says why in
    a message and closes itself: its ``exec()`` returns."""
    return AuditViewer(store, user, parent)
