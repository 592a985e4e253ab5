"""Help > Keyboard shortcuts (F1): every menu and every key, window by window, as the keyboard registry
(keymap.py) has them, the same tables as docs/keyboard.md. Read-only text a keyboard and a screen reader
can read; Escape closes."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from triage.ui.fit import fit_to_screen
from triage.ui.keymap import html


class KeyboardHelp(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        fit_to_screen(self, QSize(1000, 700))
        layout = QVBoxLayout(self)
        self.text = QTextBrowser()
        self.text.setTabChangesFocus(True)  # Tab moves on to Close, never into the text
        self.text.setAccessibleName("Keyboard shortcuts")
        self.text.setHtml(html())
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.text.setFocus()
