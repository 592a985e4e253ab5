"""Accessibility checks shared by the UI tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QLabel, QWidget


def spoken_name(widget: QWidget) -> str:
    """The name a screen reader is given: Qt's accessible name (for a label, its text unless a name is set)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


def unnamed_interactive_widgets(root: QWidget) -> list[str]:
    """Widgets a keyboard user can reach (they take focus) but a screen reader could not name."""
    return [
        f"{type(widget).__name__}({widget.objectName() or '?'})"
        for widget in root.findChildren(QWidget)
        if widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and widget.isVisibleTo(root)
        and not widget.accessibleName()
        and not (isinstance(widget, QLabel) and spoken_name(widget).strip())
        and not widget.objectName().startswith("qt_")  # Qt's own parts, named through their owner
    ]
