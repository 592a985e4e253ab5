"""The referral meeting's queue as the queue dialog shows it (issue 16, items 1 and 6).

``QueueState`` is the plain-Python model: the entries as the services return them, what they refused,
and moving one entry (the services store the new order; the entries are then read again, so the
screen shows what is stored). ``QueueTable`` is the Qt table that observes it. Each entry is shown by
its reference and initials only, never a name: the queue may be on a projector in a room.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from triage.services.inputs import InvalidInput
from triage.services.meeting_types import QUEUE_REASON_TEXT, QueueEntry
from triage.store.errors import StoreError

AnyIndex = QModelIndex | QPersistentModelIndex
Load = Callable[[], Sequence[QueueEntry]]
Move = Callable[[str, int], object]  # (referral id, its new 1-based position)

COLUMNS = ("#", "Reference", "Initials", "Why", "Waited (days)", "Screened by", "Question for the team",
           "Deferred, or information asked")  # fmt: skip


def why(entry: QueueEntry) -> str:
    """Why the referral waits for the team, in words, in the order the services list the reasons."""
    return "; ".join(QUEUE_REASON_TEXT[reason] for reason in entry.reasons)


def meeting_said(entry: QueueEntry) -> str:
    """What an earlier meeting said of it: the reason it was deferred, the information asked for."""
    parts = (("Deferred: ", entry.deferred_reason), ("Information asked: ", entry.information_asked))
    return "\n".join(f"{words}{said}" for words, said in parts if said)


def cells(entry: QueueEntry) -> tuple[str, ...]:
    """One row of the table, column by column (``COLUMNS``)."""
    return (str(entry.position), entry.reference, entry.initials, why(entry), str(entry.waited_days),
            entry.screened_by or "not screened yet", entry.question or "", meeting_said(entry))  # fmt: skip


class QueueState:
    """The queue the dialog shows: ``entries`` in the queue's order, or ``refused`` (the services'
    words) when they would not list it. Observers are told after every change."""

    def __init__(self, load: Load, move: Move | None = None) -> None:
        self._load, self._move = load, move
        self.entries: tuple[QueueEntry, ...] = ()
        self.refused: str | None = None
        self.said = ""  # what the last move did, or why it was not done
        self._observers: list[Callable[[], None]] = []

    @property
    def may_reorder(self) -> bool:
        return self._move is not None

    def observe(self, observer: Callable[[], None]) -> None:
        self._observers.append(observer)

    def _changed(self) -> None:
        for observer in self._observers:
            observer()

    def reload(self) -> None:
        try:
            self.entries, self.refused = tuple(self._load()), None
        except StoreError as exc:
            self.entries, self.refused = (), str(exc)
        self._changed()

    def row_of(self, referral_id: str | None) -> int | None:
        return next((row for row, entry in enumerate(self.entries) if entry.referral_id == referral_id), None)

    def move(self, row: int, delta: int) -> int | None:
        """Move the entry at ``row`` up (-1) or down (+1); its row once the new order is stored, or None
        when it cannot move (the first up, the last down) or the services refused (``said`` says why)."""
        target = row + delta
        if self._move is None or not (0 <= row < len(self.entries)):
            return None
        entry = self.entries[row]
        if not (0 <= target < len(self.entries)):
            self.said = f"{entry.reference} is already {'first' if delta < 0 else 'last'} in the queue."
            return None
        try:
            self._move(entry.referral_id, target + 1)
        except InvalidInput as exc:
            self.said = "Not moved: " + "; ".join(exc.problems) + "."
        except StoreError as exc:
            self.said = f"Not moved: {str(exc).rstrip('.')}."
        else:
            self.said = f"{entry.reference} moved to position {target + 1}."
        self.reload()
        return self.row_of(entry.referral_id)


class QueueTable(QAbstractTableModel):
    """``QueueState``'s entries as a table, reset whenever the state changes."""

    def __init__(self, state: QueueState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._rows: tuple[tuple[str, ...], ...] = ()
        state.observe(self._follow)

    def _follow(self) -> None:
        self.beginResetModel()
        self._rows = tuple(cells(entry) for entry in self.state.entries)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return None
