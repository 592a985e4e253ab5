"""Accessibility checks shared by the UI tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def unnamed_interactive_widgets(root: QWidget) -> list[str]:
    """Widgets a keyboard user can reach (they take focus) but a screen reader could not name."""
    return [
        f"{type(widget).__name__}({widget.objectName() or '?'})"
        for widget in root.findChildren(QWidget)
        if widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and widget.isVisibleTo(root)
        and not widget.accessibleName()
        and not widget.objectName().startswith("qt_")  # Qt's own parts, named through their owner
    ]
