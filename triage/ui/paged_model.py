"""A read-only table model that fetches its rows a page at a time, as the view scrolls.

Subclasses say how to fetch (``first_page``, ``next_page``) and how to show a row (``COLUMNS``,
``cell``); this class does the bookkeeping Qt's model tester checks. Views, and the tester itself,
may ask for more from inside an insertion or a reset: one fetch at a time, or rows are counted twice.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Row = TypeVar("Row")
AnyIndex = QModelIndex | QPersistentModelIndex


class PagedTableModel(QAbstractTableModel, Generic[Row]):
    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._total = 0
        self._fetching = False

    # --- what subclasses provide ---------------------------------------------------------------------

    def first_page(self) -> tuple[list[Row], int]:
        """The first page and how many rows there are in all."""
        raise NotImplementedError

    def next_page(self, offset: int) -> list[Row]:
        """The rows from ``offset`` on (empty when there are no more)."""
        raise NotImplementedError

    def cell(self, row: Row, column: int) -> str:
        raise NotImplementedError

    def row_id(self, row: Row) -> Any:
        return getattr(row, "id", None)

    # --- what the view asks --------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or not 0 <= index.column() < len(self.COLUMNS):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.cell(row, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return self.row_id(row)
        return None

    # --- fetching on demand --------------------------------------------------------------------------

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._fetching and len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._fetching:
            return
        self._fetching = True
        try:
            more = self.next_page(len(self._rows))
            if not more:
                self._total = len(self._rows)  # the data changed under us; stop asking
                return
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()
        finally:
            self._fetching = False

    def reload(self) -> None:
        """Fetch the first page again; what the fetch raises reaches the caller, with the model empty."""
        self._fetching = True  # no page is fetched while the reset is being announced
        try:
            self.beginResetModel()
            self._rows, self._total = [], 0
            try:
                self._rows, self._total = self.first_page()
            finally:
                self.endResetModel()
        finally:
            self._fetching = False

    def clear(self) -> None:
        """Forget every row: nothing of them stays in memory (the window is locking, say)."""
        self.beginResetModel()
        self._rows, self._total = [], 0
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def row_at(self, index: int) -> Row | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None
