"""A read-only table model that fetches its rows a page at a time, as the view scrolls, off the GUI
thread.

Subclasses say how to fetch (``first_page``, ``next_page``) and how to show a row (``COLUMNS``,
``cell``); this class does the bookkeeping Qt's model tester checks. Fetching goes through the one
worker pattern (``triage.ui.worker``): ``reload`` and ``fetchMore`` start a call and return at once;
the rows come in when it answers, and a reload supersedes whatever was under way, so a late page of
an older search never lands in a newer one. The rows shown stay until the new first page is in
(``loaded``); a fetch that fails empties the model or stops the paging, and says why (``failed``).
One fetch at a time: views, and the tester itself, ask for more from inside an insertion or a reset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from triage.ui.worker import Worker

Row = TypeVar("Row")
AnyIndex = QModelIndex | QPersistentModelIndex


class PagedTableModel(QAbstractTableModel, Generic[Row]):
    COLUMNS: tuple[str, ...] = ()
    loaded = Signal()  # a first page is in (after ``reload``)
    failed = Signal(str)  # a fetch failed, in words: after a reload the model is empty

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._total = 0
        self._loading = False  # a first page is being fetched
        self._fetching = False  # a further page is being fetched
        self.worker = Worker(self)  # busy_changed: the owner shows that a fetch is under way

    # --- what subclasses provide ---------------------------------------------------------------------
    # Each returns a call built from the model's state now; the call runs on a worker thread, so it
    # must capture plain values (the filter, the sort) and touch no Qt object.

    def first_page(self) -> Callable[[], tuple[list[Row], int]]:
        """A call for the first page and how many rows there are in all."""
        raise NotImplementedError

    def next_page(self, offset: int) -> Callable[[], list[Row]]:
        """A call for the rows from ``offset`` on (empty when there are no more)."""
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

    # --- fetching on demand, off the GUI thread ---------------------------------------------------

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not (self._fetching or self._loading) and len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        offset = len(self._rows)
        self.worker.start(self.next_page(offset), lambda more: self._more_rows(offset, more), self._more_failed)

    def _more_rows(self, offset: int, more: list[Row]) -> None:
        if not more:
            self._fetching = False
            self._total = len(self._rows)  # the data changed under us; stop asking
            return
        # Still fetching while the rows go in: a view asking for more from inside the insertion would
        # ask for this same page again.
        self.beginInsertRows(QModelIndex(), offset, offset + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()
        self._fetching = False

    def _more_failed(self, message: str) -> None:
        self._fetching = False
        self._total = len(self._rows)  # what is shown stays; no more is asked for
        self.failed.emit(message)

    def reload(self) -> None:
        """Fetch the first page again, off the GUI thread; ``loaded`` when it is in, or ``failed`` with
        the model emptied. Supersedes any fetch under way."""
        self._loading, self._fetching = True, False
        self.worker.start(self.first_page(), self._first_page_in, self._first_page_failed)

    def _first_page_in(self, page: tuple[list[Row], int]) -> None:
        rows, total = page
        self.beginResetModel()
        self._rows, self._total, self._loading = rows, total, False
        self.endResetModel()
        self.loaded.emit()

    def _first_page_failed(self, message: str) -> None:
        self._loading = False
        self._empty()
        self.failed.emit(message)

    def clear(self) -> None:
        """Forget every row, and drop any answer still to come: nothing of them stays in memory or
        comes back (the window is locking, say)."""
        self.worker.cancel()
        self._loading = self._fetching = False
        self._empty()

    def _empty(self) -> None:
        self.beginResetModel()
        self._rows, self._total = [], 0
        self.endResetModel()

    @property
    def loading(self) -> bool:
        """A first page is on its way (the rows shown, if any, are the previous ones)."""
        return self._loading

    @property
    def busy(self) -> bool:
        """A fetch is under way."""
        return self._loading or self._fetching

    @property
    def total(self) -> int:
        return self._total

    def row_at(self, index: int) -> Row | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None
