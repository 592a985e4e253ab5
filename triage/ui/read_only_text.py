"""Read-only rich text that a keyboard and a screen reader can read: one tab stop (Tab and Shift+Tab
move on, never into the text), a caret the arrow keys move through it, named for assistive technology,
and as tall as its text so that the page around it scrolls, not the text (``max_lines`` caps that,
and the text then scrolls itself). Used by the record view and the patient banner."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextEdit, QWidget


class ReadOnlyText(QTextEdit):
    focused = Signal()  # the page scrolls it into view

    def __init__(self, name: str, parent: QWidget | None = None, *, max_lines: int | None = None) -> None:
        """``name``: what a screen reader calls it (a section's heading)."""
        super().__init__(parent)
        self.max_lines = max_lines
        self.setReadOnly(True)
        self.setTabChangesFocus(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                     | Qt.TextInteractionFlag.TextSelectableByMouse)  # fmt: skip
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(name)
        self.setProperty("readOnlyText", True)  # the theme's focus outline
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        if max_lines is None:
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = self.document().documentLayout()
        layout.documentSizeChanged.connect(lambda _size: self._fit())

    def set_html(self, html: str) -> None:
        self.setHtml(html)
        self._fit()

    def _fit(self) -> None:
        self.document().setTextWidth(self.viewport().width())
        needed = int(self.document().size().height() + 0.999) + 2 * self.frameWidth() + 4
        if self.max_lines is not None:
            needed = min(needed, self.fontMetrics().lineSpacing() * self.max_lines + 2 * self.frameWidth() + 8)
        if needed != self.height():
            self.setFixedHeight(needed)

    def focusInEvent(self, event: QFocusEvent) -> None:  # Qt's name
        super().focusInEvent(event)
        self.focused.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:  # Qt's name
        return QSize(super().sizeHint().width(), self.height())
