"""The accounts table of the Users dialog: ``UsersModel`` (the accounts as ``list_users`` returns them)
and how an account is put in words, its role and its state."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from triage.labels import labels
from triage.services.users import UserInfo

AnyIndex = QModelIndex | QPersistentModelIndex

COLUMNS = ("Username", "Name", "Role", "State")
REMOVED_GREY = QColor("#5f6670")  # still 6:1 on white; the word "removed" says it, the grey only echoes it


def role_label(role: str) -> str:
    return labels().roles.get(role, role.replace("_", " "))


def state_of(info: UserInfo) -> str:
    """The account's state in words (never only a colour)."""
    if info.disabled_at is not None:
        return "removed"
    return "locked" if info.locked else "active"


class UsersModel(QAbstractTableModel):
    """The accounts as ``list_users`` returns them (removed ones too: the audit trail names them)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[UserInfo] = []

    def set_users(self, users: list[UserInfo]) -> None:
        self.beginResetModel()
        self._rows = list(users)
        self.endResetModel()

    @property
    def users(self) -> tuple[UserInfo, ...]:
        return tuple(self._rows)

    def info(self, row: int) -> UserInfo | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, username: str | None) -> int | None:
        return next((i for i, info in enumerate(self._rows) if info.username == username), None)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        info = self.info(index.row()) if index.isValid() and 0 <= index.column() < len(COLUMNS) else None
        if info is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (info.username, info.display_name, role_label(info.role), state_of(info))[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return info.username
        if role == Qt.ItemDataRole.ForegroundRole and info.disabled_at is not None:
            return REMOVED_GREY
        return None
