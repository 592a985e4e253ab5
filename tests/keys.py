"""Typing into the real windows as a person does: key events to whatever has the keyboard focus, and
modal dialogs answered as they appear (their exec() would block the test otherwise)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(focused(), key, modifier)


def answer(qtbot, keys: str) -> None:  # type: ignore[no-untyped-def]
    for key in keys:
        press(qtbot, key)


_WATCHING: list[list[bool]] = []  # one flag per when_modal still polling; tests/conftest.py ends them


def when_modal(qtbot, kind, then) -> None:  # type: ignore[no-untyped-def]
    """Run ``then(dialog)`` once a modal dialog of ``kind`` shows. A watch whose dialog never came is
    ended with its test (``stop_watching``): left polling, it closed the next test's message box."""
    alive = [True]
    _WATCHING.append(alive)

    def check() -> None:
        if not alive[0]:
            return
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            alive[0] = False
            try:
                then(dialog)
            except BaseException:
                # Left open, the dialog's exec() would never return and the test would hang (seen:
                # a worker stuck for 15 minutes); closed, the test goes on and pytest-qt reports this.
                if dialog.isVisible():
                    getattr(dialog, "reject", dialog.close)()
                raise
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(20, check)


def stop_watching() -> None:
    for alive in _WATCHING:
        alive[0] = False
    _WATCHING.clear()
