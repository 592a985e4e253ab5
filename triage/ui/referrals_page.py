"""The home page of the main window: search (debounced), filters, the referral list, and the drafts
waiting to be resumed. It shows what the window asks the services for; it calls none itself except
through the list model, whose filter the services record as a search.

The list model fetches off the GUI thread (``triage.ui.worker``): while a search runs, typing goes
on, the count says "Searching…" and the pointer shows busy; the newest search's results are the only
ones shown. Down pressed before they are in moves to the list when they arrive (typing on cancels
that), so Return never opens a row of the previous results by surprise."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from triage.labels import labels
from triage.rules.ruleset import Ruleset
from triage.services import DraftSummary
from triage.services.referral_list import ReferralFilter
from triage.store.vocabulary import REFERRAL_STATUSES
from triage.ui.referral_list import COLUMNS, ReferralListModel, nhs_display
from triage.ui.worker import busy_cursor

PAGE_ROWS = 100  # how many rows a column's width is measured on (about a page)
EARLIEST = QDate(2000, 1, 1)  # "received from" at this date means no lower bound
# The caseload's filters (docs/journey.md, "The list"), worked out by services.referral_list.
JOURNEY_FILTERS = (("Any stage", ""), ("Over target", "over_target"), ("Awaiting contact", "awaiting_contact"),
                   ("Awaiting decision", "awaiting_decision"), ("High risk (open)", "high_risk"),
                   ("Mine (assigned to me)", "mine"), ("My teams' (and the service's)", "team"),
                   ("Incomplete record (something still missing)", "incomplete"),
                   ("GP letter not sent (oldest decision first)", "letter_not_sent"))  # fmt: skip


class ReferralsPage(QWidget):
    """Search, filters, the list, and the drafts waiting to be resumed."""

    def __init__(self, model: ReferralListModel, ruleset: Ruleset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        self.drafts_banner = QLabel()
        self.drafts_banner.setProperty("role", "warning")
        self.drafts_banner.setWordWrap(True)
        self.drafts_banner.setVisible(False)
        layout.addWidget(self.drafts_banner)

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            "Search: NHS number or its start, date of birth, reference (DON-000123), family name (Smith, Jo)   Ctrl+F"
        )
        self.search.setAccessibleName("Search by NHS number, date of birth, reference or name")
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.setAccessibleName("Filter by status")
        self.status.addItem("Any status", None)
        self.status.addItem("Open (not closed)", "open")
        for status in REFERRAL_STATUSES:
            self.status.addItem(labels().statuses[status], status)
        self.route = QComboBox()
        self.route.setAccessibleName("Filter by route")
        self.route.addItem("Any route", None)
        for code, label in ruleset.outcome_labels.items():  # the routes, then the discharges and local services
            self.route.addItem(label, code)
            self.route.setItemData(self.route.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
        # The ruleset's route names can be long ("Integrated IAPT (long-term conditions ...)"): size the
        # box for a short name so the search field keeps its room; the open list shows each name whole.
        self.route.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.route.setMinimumContentsLength(22)
        self.route.view().setMinimumWidth(self.route.view().sizeHintForColumn(0) + 24)
        self.journey = QComboBox()  # the journey's filters (docs/journey.md)
        self.journey.setAccessibleName("Filter by stage, wait, risk or caseload")
        for text, code in JOURNEY_FILTERS:
            self.journey.addItem(text, code)
        self.received_from = QDateEdit(EARLIEST)
        self.received_to = QDateEdit(QDate.currentDate())
        for edit, name in ((self.received_from, "Received from"), (self.received_to, "Received to")):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status, 1)
        filters.addWidget(self.route, 1)
        filters.addWidget(self.journey, 1)
        filters.addWidget(QLabel("Received"))
        filters.addWidget(self.received_from)
        filters.addWidget(QLabel("to"))
        filters.addWidget(self.received_to)
        layout.addLayout(filters)

        self.table = QTableView()
        self.table.setAccessibleName("Referrals")
        self.table.setModel(model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        # The name and the route take the room left; the other columns (dates, numbers, words) their text's
        # width, so thirteen columns fit at 1280 pixels without cutting a name short.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(PAGE_ROWS)  # measured on the rows in view, not every page fetched
        for stretched in (1, 5):  # Name, Route
            header.setSectionResizeMode(stretched, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setAccessibleDescription("Number of referrals shown")  # a name would be read instead of the count
        layout.addWidget(self.count)

        layout.addWidget(QLabel("<b>Screenings in progress</b> (drafts, newest first)"))
        self.drafts = QListWidget()
        self.drafts.setAccessibleName("Screenings in progress")
        self.drafts.setMaximumHeight(120)
        layout.addWidget(self.drafts)

        buttons = QHBoxLayout()
        self.new_button = QPushButton("&New referral (Ctrl+N)")
        self.open_button = QPushButton("&Open (Return)")
        self.resume_button = QPushButton("&Resume draft (Ctrl+R)")
        for button in (self.new_button, self.open_button, self.resume_button):
            button.setAccessibleName(button.text().replace("&", ""))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.search.installEventFilter(self)  # Down: from the search to the list
        self._to_list_when_loaded = False  # Down was pressed while the search ran
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._typed())
        model.loaded.connect(self._show_results)
        model.failed.connect(self._show_failure)
        model.worker.busy_changed.connect(self._show_busy)
        for combo in (self.status, self.route, self.journey):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        for edit in (self.received_from, self.received_to):
            edit.dateChanged.connect(lambda _d: self.apply_filter())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        """Down in the search box: the search applied at once, then the list, on the row selected."""
        down = isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down
        if watched is self.search and down:
            if self._debounce.isActive():
                self.apply_filter()
            if self.model.loading:
                self._to_list_when_loaded = True  # the rows shown are the previous search's
            else:
                self._to_list()
            return True
        return super().eventFilter(watched, event)

    def _typed(self) -> None:
        self._to_list_when_loaded = False  # still typing: the focus stays in the box
        self._debounce.start()

    def _to_list(self) -> None:
        if self.model.rowCount():
            rows = self.table.selectionModel().selectedRows()
            self.table.setCurrentIndex(self.model.index(rows[0].row() if rows else 0, 0))
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_filter(self) -> ReferralFilter:
        status = self.status.currentData()
        statuses = (
            tuple(s for s in REFERRAL_STATUSES if s != "closed") if status == "open" else ((status,) if status else ())
        )
        route = self.route.currentData()
        start = self.received_from.date().toPython()
        return ReferralFilter(
            text=self.search.text().strip(),
            statuses=statuses,  # type: ignore[arg-type]
            routes=(route,) if route else (),
            received_from=None if self.received_from.date() == EARLIEST else start,  # type: ignore[arg-type]
            received_to=self.received_to.date().toPython(),  # type: ignore[arg-type]
            journey=self.journey.currentData(),
        )

    def apply_filter(self) -> None:
        """Search with the filters as they are now, off the GUI thread (the services record it as a
        search, or refuse it); the results arrive in ``_show_results``."""
        self._debounce.stop()
        flt = self.current_filter()
        if flt.journey == "letter_not_sent":  # the letters not yet sent: oldest decision first
            self.model.set_order("decided", descending=False)
        else:  # the order the table's header shows
            header = self.table.horizontalHeader()
            key = COLUMNS[header.sortIndicatorSection()][1] or "received_on"
            self.model.set_order(key, header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
        self.model.set_filter(flt)
        self.count.setText("Searching…")

    def _show_busy(self, busy: bool) -> None:
        busy_cursor(self.table, busy)

    def _show_results(self) -> None:
        self.count.setText(f"{self.model.total:,} referral{'s' if self.model.total != 1 else ''}")
        if self.model.rowCount():
            self.table.selectRow(0)
        if self._to_list_when_loaded:
            self._to_list_when_loaded = False
            self._to_list()

    def _show_failure(self, message: str) -> None:
        self._to_list_when_loaded = False
        self.model.clear()  # a look that cannot be attributed is not shown
        self.count.setText(f"The list cannot be shown: {message}")

    def selected_referral(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.referral_id(rows[0].row()) if rows else None

    def show_drafts(self, drafts: Sequence[DraftSummary]) -> None:
        """The drafts, newest first, the newest selected for Ctrl+R, and the banner that says they wait."""
        self.drafts.clear()
        for draft in drafts:
            item = QListWidgetItem(
                f"{draft.family_name.upper()}, {draft.given_name} · NHS {nhs_display(draft.nhs_number)}"
                f" · saved {draft.saved_at.astimezone():%d/%m/%Y %H:%M}"
            )
            item.setData(Qt.ItemDataRole.UserRole, draft.referral_id)
            self.drafts.addItem(item)
        if drafts:
            self.drafts.setCurrentRow(0)
        self.drafts_banner.setVisible(bool(drafts))
        self.drafts_banner.setText(
            f"⚠ {len(drafts)} screening{'s' if len(drafts) > 1 else ''} in progress was saved as a draft. "
            "Press Ctrl+R to resume the newest, with every answer as it was left."
        )

    # --- the window's page protocol (triage.ui.pages) ---------------------------------------------

    def flush(self) -> None:
        """A search still waiting to run is dropped: the page is being left, or locked."""
        self._debounce.stop()

    def can_leave(self) -> bool:
        return True

    def clear_patient_details(self) -> None:
        """Every patient detail off the page, for the idle lock (not merely out of sight)."""
        self.model.clear()  # and any search under way is never answered
        self.search.clear()
        self._debounce.stop()  # clearing the search must not refill the list behind the lock
        self._to_list_when_loaded = False
        self.drafts.clear()
        self.drafts_banner.setVisible(False)
        self.count.clear()
