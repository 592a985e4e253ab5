"""First run, by keyboard alone, as an admin setting triage up on a new laptop: the account typed in,
Return to create the store, the recovery key shown in full and in view, Alt+O copies it, Alt+W ticks
that it is written down, Return continues. The key is never typed or logged here: it is read from
the window and compared with the clipboard."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget

from triage.services.store_setup import initialise_store
from triage.ui.login import FirstRunDialog

PASSWORD = "a long enough password"


def type_into_focus(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Tab)


def in_full_view(widget: QWidget, window: QWidget) -> bool:
    """Shown, wholly inside the window and, for a wrapped label, as tall as its text."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    wraps = isinstance(widget, QLabel) and widget.wordWrap()
    tall_enough = not wraps or widget.height() >= widget.heightForWidth(widget.width())
    return widget.isVisible() and window.rect().contains(rect) and tall_enough


def test_first_run_by_keyboard_shows_the_key_copies_it_and_continues(qtbot, tmp_path: Path) -> None:
    database = tmp_path / "triage.db"
    dialog = FirstRunDialog(lambda u, n, p: initialise_store(database, u, n, p), str(database))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # mnemonics reach the active window only
    assert QApplication.focusWidget() is dialog.username

    for text in ("admin", "Service Admin", PASSWORD):
        type_into_focus(qtbot, text)
    qtbot.keyClicks(QApplication.focusWidget(), PASSWORD)  # the password again
    assert QApplication.focusWidget() is dialog.repeat
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)  # the default button: create the store

    assert database.exists() and dialog.recovery_key
    key = dialog.recovery_key
    assert dialog.key_label.text() == key
    for widget in (dialog.key_intro, dialog.key_label, dialog.copy_button, dialog.print_button,
                   dialog.written_down, dialog.continue_button):  # fmt: skip
        assert in_full_view(widget, dialog), widget.accessibleName()
    screen = dialog.screen().availableGeometry()
    assert screen.contains(dialog.frameGeometry()), "the dialog grew off its screen"
    assert not dialog.continue_button.isEnabled()

    QGuiApplication.clipboard().clear()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # C&opy the key
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == key)
    assert "Copied" in dialog.key_status.text() and in_full_view(dialog.key_status, dialog)

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # I have &written...
    qtbot.waitUntil(dialog.continue_button.isEnabled)
    assert dialog.written_down.isChecked()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Continue to log in, the default now
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == QDialog.DialogCode.Accepted
