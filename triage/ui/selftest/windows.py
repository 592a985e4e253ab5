"""Driving the app's real windows offscreen, as a person would: keys typed, the login window answered,
every modal window answered so none waits for a person, and no user settings or print server touched.

Qt is imported inside the functions: importing the self-test loads no Qt (the store step needs none).
"""

from __future__ import annotations

import html
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from triage.ui.selftest.runner import StepFailed

STEP_TIMEOUT_S = 120.0  # a modal window still open then is closed, and the step fails
LOGIN_TIMEOUT_S = 60.0


def qt_application() -> Any:
    """The process's QApplication, created offscreen unless a platform was chosen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "triage"])


@contextmanager
def isolated_environment(folder: Path) -> Iterator[None]:
    """The windows read no user settings, and printing asks no print server: CUPS is pointed at a
    socket that does not exist (without it, CUPS looks for the default printer over localhost
    when its local socket is missing; the self-test prints to a PDF file)."""
    from triage.settings import SETTINGS_ENV

    wanted = {SETTINGS_ENV: str(folder / "settings.json"), "CUPS_SERVER": str(folder / "no-print-server")}
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Modals:
    """Answers the modal windows a step opens, so none waits for a person: a window of a kind in
    ``fill`` is filled in once (and closed, failing the step, if it is still open after that); a kind
    in ``allowed`` is the step's own business; anything else, a message box above all, is noted and
    closed. ``check(doing)`` fails the step with what was noted. After STEP_TIMEOUT_S every modal
    window is closed."""

    def __init__(self, app: Any, *, fill: dict[type, Callable[[Any], None]], allowed: tuple[type, ...]) -> None:
        from PySide6.QtCore import QTimer

        self.app, self.fill, self.allowed = app, fill, allowed
        self.noted: list[str] = []
        self._filled: list[Any] = []
        self._timer = QTimer(interval=20)
        self._timer.timeout.connect(self._look)
        self._deadline = time.monotonic() + STEP_TIMEOUT_S

    def __enter__(self) -> Self:
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.stop()

    def _look(self) -> None:
        widget = self.app.activeModalWidget()
        if widget is None or not widget.isVisible():
            return
        if time.monotonic() > self._deadline:
            self.noted.append(f"the window {widget.windowTitle()!r} was still open after {STEP_TIMEOUT_S:.0f} s")
            widget.reject()
            return
        if isinstance(widget, self.allowed):
            return
        kind = next((k for k in self.fill if isinstance(widget, k)), None)
        if kind is not None and not any(widget is w for w in self._filled):
            self._filled.append(widget)
            self.fill[kind](widget)
            return
        problems = getattr(widget, "problems", None)  # a dialog that refused what was typed says why here
        said = problems.text() if problems is not None and problems.text() else getattr(widget, "text", str)()
        title = widget.windowTitle()
        self.noted.append(f"{title}: {plain(said)}" if said else f"the window {title!r} stayed open")
        widget.reject()

    def check(self, doing: str) -> None:
        if self.noted:
            raise StepFailed(f"{doing}: " + "; ".join(self.noted))


def log_in(app: Any, database: Path, username: str, password: str) -> tuple[Any, Any]:
    """Log in through the login window, as the app does: typed, checked on its worker thread."""
    from triage.services.login import open_authenticated
    from triage.ui.login import LoginDialog

    dialog = LoginDialog(lambda u, p: open_authenticated(database, u, p), str(database))
    try:
        dialog.show()
        type_text(dialog.username, username)
        type_text(dialog.password, password)
        dialog.ok.click()
        deadline = time.monotonic() + LOGIN_TIMEOUT_S
        while dialog.result_value is None and dialog.message.isHidden() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        if dialog.result_value is None:
            why = dialog.message.text() or "no answer from the login window"
            raise StepFailed(f"the PWP could not log in: {why}")
        return dialog.result_value  # type: ignore[no-any-return]
    finally:
        dialog.close()
        dialog.deleteLater()


def press_key(widget: Any, text: str) -> None:
    """One key, pressed and released on ``widget`` through the application's event delivery: the
    widget's own keyboard handling answers it, as for a person typing."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    try:
        key = Qt.Key(ord(text.upper()))  # letters, digits and ASCII punctuation share their codes with Qt's keys
    except ValueError:
        key = Qt.Key.Key_unknown
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))


def type_text(widget: Any, text: str) -> None:
    for character in text:
        press_key(widget, character)


def plain(text: str) -> str:
    """A label's rich text as one plain line."""
    lines = re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "; ", text)).replace(":; ", ": ")
    return " ".join(html.unescape(lines).split())
