"""Before any patient data: creating the store on first run, and logging in on every start.

Logging in derives keys with argon2id and, after failures, waits on purpose; that runs off the GUI
thread (``triage.ui.worker``, the one way the windows do that) so the window keeps answering. Messages
come from the services and are safe to show.

This module is loaded before the login window is shown, so it stays light: no store, services or
SQLAlchemy, no thread pool until the first login attempt, and the ``Qt`` namespace (about
20 ms of enum building in PySide6) only where it is used. For the same reason the standard buttons are
added one by one: ``QDialogButtonBox(Ok | Cancel)`` makes PySide6 build every enum of the button box's
classes (about 20 ms) to convert the flags.

Both windows size themselves to their wrapped text (``triage.ui.fit``) whenever it changes, so an error
or the recovery key is never clipped on a 1280×720 screen; the store's path wraps anywhere. Printing the
key loads QtPrintSupport (``triage.ui.key_sheet``) only when Print is pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage.store.errors import StoreError
from triage.ui.fit import fit_to_content
from triage.ui.worker import Worker, busy_cursor

# Widths in average characters of the window's font: room for the error to wrap in three lines and the
# store's path in one or two, without a window wider than a 1280-pixel screen needs.
LOGIN_CHARS = 60
FIRST_RUN_CHARS = 80
KEY_SCALE = 1.3  # the recovery key, larger than body text
KEY_STYLE = "background: #ffffff; border: 2px solid #1d4f91; border-radius: 4px; padding: 8px;"
BREAK_AFTER = "/\\:.-_@?&="  # a path or URL may wrap after these
BREAK_EVERY = 24  # and inside a longer run, so no window is made wider by a long folder name
ZERO_WIDTH_SPACE = "\u200b"


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
    # No accessible name: a label's name is its text, and a name here would be read instead of the message.
    label.setVisible(False)
    return label


def breakable(text: str) -> str:
    """``text`` (a path or URL) with invisible break opportunities after separators and in long runs, so
    a word-wrapped label wraps it instead of widening the window past the screen."""
    out, run = [], 0
    for char in text:
        out.append(char)
        run = 0 if char in BREAK_AFTER else run + 1
        if char in BREAK_AFTER or run >= BREAK_EVERY:
            out.append(ZERO_WIDTH_SPACE)
            run = 0
    return "".join(out)


def _store_label(caption: str, where: str) -> QLabel:
    """The store's path or URL in full, wrapping anywhere; the exact text as tooltip and description."""
    label = QLabel(f"{caption} {breakable(where)}")
    label.setWordWrap(True)
    label.setAccessibleName("Referral store")
    label.setAccessibleDescription(where)
    label.setToolTip(where)
    return label


def _chars(widget: QWidget, count: int) -> int:
    return widget.fontMetrics().averageCharWidth() * count


class LoginDialog(QDialog):
    """Username and password; ``login(username, password)`` returns whatever the caller needs
    (the opened store and the user) or raises a StoreError whose message is shown."""

    def __init__(self, login: Callable[[str, str], Any], where: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log in to triage")
        self._login = login
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h3>Log in</h3>"))
        self.store_label = _store_label("Referral store:", where)
        layout.addWidget(self.store_label)
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
        self.call = Worker(self)
        self.call.busy_changed.connect(self._set_busy)
        self.username.setFocus()
        self._fit()

    def accept(self) -> None:
        if self.call.busy:
            return
        username, password = self.username.text().strip(), self.password.text()
        self.password.clear()  # not kept on screen or in the widget
        if not username or not password:
            self._show("Type your username and password.")
            return
        login = self._login  # the call touches no widget: it runs on a worker thread
        self.call.start(lambda: login(username, password), self._logged_in, self._refused)

    def _logged_in(self, value: Any) -> None:
        self.result_value = value
        super().accept()

    def _refused(self, message: str) -> None:
        self._show(message)
        self.password.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self.ok.setEnabled(not busy)
        self.ok.setText("Checking…" if busy else "Log in")
        busy_cursor(self, busy)

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
        self._fit()  # the message wraps over several lines: the window grows to show all of it

    def _fit(self) -> None:
        fit_to_content(self, _chars(self, LOGIN_CHARS))


class FirstRunDialog(QDialog):
    """No store here yet: create it (encrypted) with its first admin, then show the recovery key once,
    with Copy and Print, until its keeping is acknowledged, and beside it the admin's audit-key
    fingerprint, for the same paper (``create`` returns ``store_setup.SetUp``, or just the key)."""

    def __init__(self, create: Callable[[str, str, str], Any], where: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set up triage")
        self._create = create
        self.where = where
        self.recovery_key: str | None = None
        self.fingerprint: str | None = None
        layout = self._column = QVBoxLayout(self)
        intro = QLabel(
            "<h3>Set up triage on this computer</h3>There is no referral store here yet. triage will create "
            "one, encrypted, with you as its first <b>admin</b>. An admin looks after settings, users and the "
            "audit trail, and adds the clinical users (PWPs, team leaders) who screen referrals."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.store_label = _store_label("The store will be created at:", where)
        layout.addWidget(self.store_label)
        layout.addWidget(self._build_account())
        self.message = _message()
        layout.addWidget(self.message)
        layout.addWidget(self._build_key())
        self.written_down = QCheckBox("I have &written the recovery key down and will keep it locked away")
        self.written_down.setAccessibleName("Recovery key written down")
        self.written_down.setVisible(False)
        self.continue_button = QPushButton("Continue to &log in")
        self.continue_button.setAccessibleName("Continue to log in")
        self.continue_button.setVisible(False)
        self.continue_button.setEnabled(False)
        self.written_down.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self.accept)
        layout.addWidget(self.written_down)
        layout.addWidget(self.continue_button)
        self.username.setFocus()
        self._fit()

    def _build_account(self) -> QWidget:
        """The first admin's account and the Create button: hidden once the store is made."""
        self.account = QWidget()
        column = QVBoxLayout(self.account)
        column.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.username = _line("Admin username")
        self.display_name = _line("Admin full name")
        self.password = _line("Admin password", password=True)
        self.repeat = _line("Admin password again", password=True)
        form.addRow("&Username", self.username)
        form.addRow("Full &name", self.display_name)
        form.addRow("&Password", self.password)
        form.addRow("Password &again", self.repeat)
        column.addLayout(form)
        self.create_button = QPushButton("&Create the store")
        self.create_button.setAccessibleName("Create the store")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create_store)
        column.addWidget(self.create_button)
        return self.account

    def _build_key(self) -> QWidget:
        """The recovery key once the store is made: what it is, the key itself, Copy and Print."""
        from PySide6.QtCore import Qt

        self.key_box = QWidget()
        self.key_box.setVisible(False)
        column = QVBoxLayout(self.key_box)
        column.setContentsMargins(0, 0, 0, 0)
        self.key_intro = QLabel()
        self.key_intro.setWordWrap(True)
        self.key_intro.setAccessibleName("About the recovery key")
        column.addWidget(self.key_intro)
        self.key_label = QLabel()
        self.key_label.setWordWrap(True)  # between its groups of four, should the window be narrow
        self.key_label.setTextFormat(Qt.TextFormat.PlainText)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                               | Qt.TextInteractionFlag.TextSelectableByKeyboard)  # fmt: skip
        self.key_label.setAccessibleDescription("Recovery key")  # a name would be read instead of the key
        self.key_label.setStyleSheet(KEY_STYLE)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)  # one width for all: easy to copy out
        font.setPointSizeF(self.font().pointSizeF() * KEY_SCALE)
        font.setBold(True)
        self.key_label.setFont(font)
        column.addWidget(self.key_label)
        self.fingerprint_label = QLabel()
        self.fingerprint_label.setWordWrap(True)
        self.fingerprint_label.setTextFormat(Qt.TextFormat.PlainText)
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                       | Qt.TextInteractionFlag.TextSelectableByKeyboard)  # fmt: skip
        self.fingerprint_label.setAccessibleName("Admin key fingerprint")
        self.fingerprint_label.setVisible(False)
        column.addWidget(self.fingerprint_label)
        row = QHBoxLayout()
        self.copy_button = QPushButton("C&opy the key")
        self.copy_button.setAccessibleName("Copy the recovery key")
        self.copy_button.clicked.connect(self.copy_key)
        self.print_button = QPushButton("P&rint the key…")
        self.print_button.setAccessibleName("Print the recovery key")
        self.print_button.clicked.connect(self.print_key)
        self.key_status = QLabel()
        self.key_status.setWordWrap(True)
        self.key_status.setAccessibleName("Recovery key copied or printed")
        for button in (self.copy_button, self.print_button):
            button.setAutoDefault(False)  # Return goes to Continue, never to a printer by surprise
            row.addWidget(button)
        row.addWidget(self.key_status, 1)
        column.addLayout(row)
        return self.key_box

    def create_store(self) -> None:  # not create(): that would hide QWidget.create()
        if self.password.text() != self.repeat.text():
            self._show("The two passwords are not the same.")
            return
        try:
            made = self._create(self.username.text().strip(), self.display_name.text().strip(), self.password.text())
        except StoreError as exc:
            self._show(str(exc))
            return
        finally:
            self.password.clear()
            self.repeat.clear()
        self.message.setVisible(False)
        for widget in (self.username, self.display_name, self.password, self.repeat, self.create_button):
            widget.setEnabled(False)
        key: str | None = getattr(made, "recovery_key", made)  # a SetUp, or the key alone
        self.recovery_key, self.fingerprint = key, getattr(made, "fingerprint", None)
        if key:
            self._show_key(key)
        else:
            self.written_down.setChecked(True)
        self.continue_button.setVisible(True)
        self.create_button.setDefault(False)
        self.continue_button.setDefault(True)  # Return continues, once the key's keeping is ticked
        self._fit()
        self.written_down.setFocus()

    def _show_key(self, key: str) -> None:
        self.account.setVisible(False)  # done with: the key needs the room
        self.key_intro.setText(
            "<b>The store is made. Its recovery key is shown once, now.</b> Write it down or print it, and keep "
            "it locked away, apart from this computer. It is the only way in if every admin password is lost. "
            "It has letters and the digits 2 to 7 only: an O or an I in it is a letter."
        )
        self.key_label.setText(key)
        if self.fingerprint:
            self.fingerprint_label.setText(
                f"Your admin key fingerprint: {self.fingerprint}\nWrite it on the same paper. `triage db verify` "
                "and every backup print it, for an auditor to compare: a different one means the audit trail's "
                "keys were replaced."
            )
            self.fingerprint_label.setVisible(True)
        self.key_box.setVisible(True)
        self.written_down.setVisible(True)

    def copy_key(self) -> None:
        if self.recovery_key:
            QGuiApplication.clipboard().setText(self.recovery_key)
            self._key_done("Copied. Paste it where it is kept safe, then copy something else over it.")

    def print_key(self) -> None:
        """One A4 sheet with the key and what it is for, through the system print dialog."""
        if not self.recovery_key:
            return
        from datetime import date

        from triage.ui import key_sheet  # QtPrintSupport: loaded when first needed, not with this window

        printer = self.choose_printer()
        if printer is None:
            return
        sheet = key_sheet.sheet_html(self.recovery_key, self.where, date.today(), fingerprint=self.fingerprint)
        if key_sheet.print_sheet(sheet, printer):
            self._key_done("Sent to the printer. Collect the sheet now.")
        else:
            self._key_done("The printer could not be started: write the key down instead.")

    def choose_printer(self) -> Any:
        """The printer chosen in the system print dialog, or None (replaced in tests)."""
        from triage.ui import key_sheet

        return key_sheet.choose_printer(self)

    def _key_done(self, text: str) -> None:
        self.key_status.setText(text)
        self._fit()

    def reject(self) -> None:
        if self.recovery_key:
            return  # the key must be acknowledged before it disappears for good
        super().reject()

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
        self._fit()

    def _fit(self) -> None:
        width = _chars(self, FIRST_RUN_CHARS)
        if self.key_box.isVisibleTo(self):  # the key on one line if the screen has the room
            margins = self._column.contentsMargins()
            width = max(width, _unwrapped_width(self.key_label) + margins.left() + margins.right())
        fit_to_content(self, width)


def _unwrapped_width(label: QLabel) -> int:
    """The width a word-wrapped label needs to show its text on one line (its size hint, when wrapping,
    is a width Qt picks for a few lines)."""
    label.setWordWrap(False)
    width = label.sizeHint().width()
    label.setWordWrap(True)
    return width
