"""The referral list: a Qt table model over the store that fetches on demand, with sorting and
filtering done by the database (a list of 100,000 referrals costs one page at a time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from triage.services.referral_list import ReferralFilter, ReferralRow
from triage.ui.recommendation_panel import ROUTE_LABELS

PAGE_SIZE = 100
Page = Callable[[ReferralFilter, str, bool, int, int], list[ReferralRow]]
Count = Callable[[ReferralFilter], int]

STATUS_LABELS = {
    "received": "Received", "contacted": "Contacted", "no_contact": "No contact", "screened": "Screened",
    "decided": "Decided", "letter_sent": "Letter sent", "closed": "Closed",
}
# (heading, sort key in the database or None when the column cannot be sorted)
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("Received", "received_on"),
    ("Name", "family_name"),
    ("NHS number", None),
    ("Date of birth", None),
    ("Status", "status"),
    ("Route", "route"),
    ("Draft", None),
)
AnyIndex = QModelIndex | QPersistentModelIndex


def uk_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def nhs_display(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"


class ReferralListModel(QAbstractTableModel):
    def __init__(self, page: Page, count: Count, parent: Any = None) -> None:
        super().__init__(parent)
        self._page = page
        self._count = count
        self._filter = ReferralFilter()
        self._sort, self._descending = "received_on", True
        self._rows: list[ReferralRow] = []
        self._total = 0
        self._fetching = False
        self.reload()

    # --- what the view asks ----------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section][0]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def _text(self, row: ReferralRow, column: int) -> str:
        if column == 0:
            return uk_date(row.received_on)
        if column == 1:
            return f"{row.family_name.upper()}, {row.given_name}"
        if column == 2:
            return nhs_display(row.nhs_number)
        if column == 3:
            return uk_date(row.date_of_birth)
        if column == 4:
            return STATUS_LABELS.get(row.status, row.status) + (" (possible duplicate)" if row.duplicate else "")
        if column == 5:
            if row.route is None:
                return ""
            return ROUTE_LABELS.get(row.route, row.route) + (f", step {row.step}" if row.step else "")
        return "Draft saved" if row.has_draft else ""

    # --- fetching on demand ----------------------------------------------------------------------

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and not self._fetching and len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008, N802
        # Views (and Qt's model tester) may ask again from inside the insertion: one page at a time.
        if parent.isValid() or self._fetching:
            return
        more = self._page(self._filter, self._sort, self._descending, len(self._rows), PAGE_SIZE)
        if not more:
            self._total = len(self._rows)  # the store changed under us; stop asking
            return
        self._fetching = True
        try:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()
        finally:
            self._fetching = False

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        self._sort, self._descending = key, order == Qt.SortOrder.DescendingOrder
        self.reload()

    def set_filter(self, flt: ReferralFilter) -> None:
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        self._fetching = True  # no page is fetched while the reset is being announced
        try:
            self.beginResetModel()
            self._total = self._count(self._filter)
            self._rows = self._page(self._filter, self._sort, self._descending, 0, PAGE_SIZE) if self._total else []
            self.endResetModel()
        finally:
            self._fetching = False

    def clear(self) -> None:
        """Forget every row (the window is locking): nothing of them stays in memory."""
        self.beginResetModel()
        self._rows, self._total = [], 0
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def referral_id(self, row: int) -> str | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None
