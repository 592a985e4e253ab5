"""Before any patient data: creating the store on first run, and logging in on every start.

Logging in derives keys with argon2id and, after failures, waits on purpose; that runs on a worker
thread so the window keeps answering. Messages come from the services and are safe to show.

This module is loaded before the login window is shown, so it stays light: no store, services or
SQLAlchemy, no ``concurrent.futures`` until the first login attempt, and the ``Qt`` namespace (about
20 ms of enum building in PySide6) only where it is used. For the same reason the standard buttons are
added one by one: ``QDialogButtonBox(Ok | Cancel)`` makes PySide6 build every enum of the button box's
classes (about 20 ms) to convert the flags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage.store.errors import StoreError

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

POLL_MS = 40


def _line(name: str, password: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _message() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setProperty("role", "warning")
    label.setAccessibleName("Message")
    label.setVisible(False)
    return label


class BackgroundCall:
    """Runs one slow call off the UI thread and hands its result (or error) back on the UI thread."""

    def __init__(self, parent: QWidget) -> None:
        self._pool: ThreadPoolExecutor | None = None  # made on the first call, not while the window opens
        self._timer = QTimer(parent, interval=POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._future: Future[Any] | None = None
        self._done: Callable[[Future[Any]], None] | None = None

    @property
    def busy(self) -> bool:
        return self._future is not None

    def start(self, call: Callable[[], Any], done: Callable[[Future[Any]], None]) -> None:
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="triage-login")
        self._future, self._done = self._pool.submit(call), done
        self._timer.start()

    def _poll(self) -> None:
        if self._future is None or not self._future.done():
            return
        self._timer.stop()
        future, done = self._future, self._done
        self._future = self._done = None
        assert done is not None
        done(future)


class LoginDialog(QDialog):
    """Username and password; ``login(username, password)`` returns whatever the caller needs
    (the opened store and the user) or raises a StoreError whose message is shown."""

    def __init__(self, login: Callable[[str, str], Any], where: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log in to triage")
        self._login = login
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        intro = QLabel(f"<h3>Log in</h3>Referral store: {where}")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.username = _line("Username")
        self.password = _line("Password", password=True)
        form.addRow("&Username", self.username)
        form.addRow("&Password", self.password)
        layout.addLayout(form)
        self.message = _message()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox()  # not QDialogButtonBox(Ok | Cancel): see the module's docstring
        self.ok = self.buttons.addButton(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Log in")
        self.ok.setAccessibleName("Log in")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.call = BackgroundCall(self)
        self.username.setFocus()

    def accept(self) -> None:
        if self.call.busy:
            return
        username, password = self.username.text().strip(), self.password.text()
        self.password.clear()  # not kept on screen or in the widget
        if not username or not password:
            self._show("Type your username and password.")
            return
        self._set_busy(True)
        self.call.start(lambda: self._login(username, password), self._finished)

    def _finished(self, future: Future[Any]) -> None:
        self._set_busy(False)
        try:
            self.result_value = future.result()
        except StoreError as exc:
            self._show(str(exc))
            self.password.setFocus()
            return
        super().accept()

    def _set_busy(self, busy: bool) -> None:
        from PySide6.QtCore import Qt

        self.ok.setEnabled(not busy)
        self.ok.setText("Checking…" if busy else "Log in")
        if busy:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        else:
            QGuiApplication.restoreOverrideCursor()

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)


class FirstRunDialog(QDialog):
    """No store here yet: create it (encrypted) with its first admin, then show the recovery key once."""

    def __init__(self, create: Callable[[str, str, str], str | None], where: str, parent: QWidget | None = None) -> None:
        from PySide6.QtCore import Qt

        super().__init__(parent)
        self.setWindowTitle("Set up triage")
        self._create = create
        self.recovery_key: str | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<h3>Set up triage on this computer</h3>There is no referral store at {where} yet. triage will "
            "create one, encrypted, with you as its first <b>admin</b>. An admin looks after settings, users "
            "and the audit trail, and adds the clinical users (PWPs, team leaders) who screen referrals."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.username = _line("Admin username")
        self.display_name = _line("Admin full name")
        self.password = _line("Admin password", password=True)
        self.repeat = _line("Admin password again", password=True)
        form.addRow("&Username", self.username)
        form.addRow("Full &name", self.display_name)
        form.addRow("&Password", self.password)
        form.addRow("Password &again", self.repeat)
        layout.addLayout(form)
        self.message = _message()
        layout.addWidget(self.message)
        self.create_button = QPushButton("&Create the store")
        self.create_button.setAccessibleName("Create the store")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create)
        layout.addWidget(self.create_button)
        self.key_label = QLabel()
        self.key_label.setWordWrap(True)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setAccessibleName("Recovery key")
        self.key_label.setVisible(False)
        layout.addWidget(self.key_label)
        self.written_down = QCheckBox("I have written the recovery key down and will keep it locked away")
        self.written_down.setAccessibleName("Recovery key written down")
        self.written_down.setVisible(False)
        self.continue_button = QPushButton("&Continue to log in")
        self.continue_button.setAccessibleName("Continue to log in")
        self.continue_button.setVisible(False)
        self.continue_button.setEnabled(False)
        self.written_down.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self.accept)
        layout.addWidget(self.written_down)
        layout.addWidget(self.continue_button)

    def create(self) -> None:
        if self.password.text() != self.repeat.text():
            self._show("The two passwords are not the same.")
            return
        try:
            key = self._create(self.username.text().strip(), self.display_name.text().strip(), self.password.text())
        except StoreError as exc:
            self._show(str(exc))
            return
        finally:
            self.password.clear()
            self.repeat.clear()
        self.message.setVisible(False)
        for widget in (self.username, self.display_name, self.password, self.repeat, self.create_button):
            widget.setEnabled(False)
        self.recovery_key = key
        if key:
            self.key_label.setText(
                "<b>Recovery key — shown once, now.</b> Write it down or print it and keep it locked away, "
                f"apart from this computer. It is the only way in if every admin password is lost:<br><br><tt><b>{key}</b></tt>"
            )
            self.key_label.setVisible(True)
            self.written_down.setVisible(True)
        else:
            self.written_down.setChecked(True)
        self.continue_button.setVisible(True)
        self.written_down.setFocus()

    def reject(self) -> None:
        if self.recovery_key:
            return  # the key must be acknowledged before it disappears for good
        super().reject()

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
