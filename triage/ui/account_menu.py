"""Who is logged in, and what a person does about their own session (defect 12): the "Logged in:" label
always in the status bar and atop the My account menu, Change my password, Log out and Switch user (the
menu's commands are keymap.py's; the lock page offers Switch user too), and quitting, which ends the
session as Log out does.

Ending a session (Log out, Switch user on a shared PC, or Quit) first keeps the open screening as the
user's own draft (drafts are per user: the next person neither sees nor can open it, the services
refuse), then takes every patient detail out of the window and hands over to ``on_session_end``, which
app.py's ``Sessions`` gives: it audits the logout, closes the store and shows the login window again
(or, after Quit, leaves). Mixed into ``MainWindow`` (main_window.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QLabel, QWidget

from triage.labels import labels
from triage.services.credentials import MIN_PASSWORD
from triage.services.login import AuthenticationError
from triage.services.permissions import User
from triage.ui.account_forms import AccountForm, FormProblem, _password_field

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QCloseEvent
    from PySide6.QtWidgets import QMainWindow

    from triage.ui.lock import IdleMonitor
    from triage.ui.referrals_page import ReferralsPage

    _Window = QMainWindow  # what mypy checks the mixin against; at run time MainWindow brings it
else:
    _Window = object

# The ways a session ends, as on_session_end is told.
LOG_OUT, SWITCH_USER, QUIT = "logout", "switch_user", "quit"


def logged_in_text(user: User) -> str:
    return f"Logged in: {user.display_name} ({labels().roles.get(user.role, user.role)})"


def logged_in_menu_text(user: User) -> str:
    """The My account menu's first line; an ampersand in a name is shown, never made an access key."""
    return logged_in_text(user).replace("&", "&&")


def logged_in_label(user: User) -> QLabel:
    """The permanent status-bar label; a screen reader reads the same words (it names no patient)."""
    label = QLabel(logged_in_text(user))
    label.setObjectName("logged-in")
    label.setAccessibleName(logged_in_text(user))
    label.setAccessibleDescription("Who is logged in to this window, and their role")
    return label


class ChangePasswordForm(AccountForm):
    """Any role changes their own password: the current one, then the new one twice. A problem names
    the field; ``change`` (the ``change_password`` service) checks the current password, the rules
    and audits the change, and re-wraps the store's key under the new password."""

    refused_as = "Your password was not changed"

    def __init__(self, user: User, change: Callable[[str, str], None], parent: QWidget | None = None) -> None:
        super().__init__("Change my password", "&Change password", parent)
        self._change = change
        intro = QLabel(f"A new password for {user.display_name}. The old one stops working at once.")
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.current = _password_field("Current password")
        self.password = _password_field("New password")
        self.confirm = _password_field("Confirm the new password")
        self.passwords = [self.current, self.password, self.confirm]
        self.add_field("C&urrent password", self.current)
        self.add_field("&New password", self.password)
        self.add_field("Con&firm new password", self.confirm)
        self.add_note(f"At least {MIN_PASSWORD} characters. Keep it to yourself: everything you do is recorded "
                      "under your name.")  # fmt: skip
        self.current.setFocus()

    def apply(self) -> None:
        current, new, again = self.current.text(), self.password.text(), self.confirm.text()
        if not current:
            raise FormProblem("Current password: type the password you logged in with")
        if len(new) < MIN_PASSWORD:
            raise FormProblem(f"New password: it must be at least {MIN_PASSWORD} characters")
        if new != again:
            raise FormProblem("Confirm new password: it is not the same as the new password; type both again")
        if new == current:
            raise FormProblem("New password: it is the same as the current one")
        try:
            self._change(current, new)
        except AuthenticationError:
            raise FormProblem("Current password: that is not your password") from None


class WindowAccount(_Window):
    """The account actions and the session's end, for a window that ``connect_session`` has wired."""

    on_session_end: Callable[[str], None] | None = None
    password_change: Callable[[str, str], None] | None = None

    if TYPE_CHECKING:  # what the account actions need of the window they are mixed into
        user: User
        home: ReferralsPage
        autosave: QTimer
        idle_monitor: IdleMonitor | None
        _locked_referral: str | None

        @property
        def locked(self) -> bool: ...
        def save_draft_now(self) -> None: ...
        def drop_screening(self, refresh: bool = True) -> None: ...
        def clear_patient_pages(self) -> None: ...
        def enable_actions(self) -> None: ...

    def add_logged_in_label(self) -> None:
        self.statusBar().addPermanentWidget(logged_in_label(self.user))  # never replaced by a message

    def connect_session(self, end: Callable[[str], None] | None, change_password: Callable[[str, str], None]) -> None:
        """Turn on Log out and Switch user (``end``; a window with nobody to hand over to has none) and
        Change my password (``change_password``)."""
        self.on_session_end, self.password_change = end, change_password
        self.enable_actions()

    def log_out(self) -> None:
        self.end_session(LOG_OUT)

    def switch_user(self) -> None:
        self.end_session(SWITCH_USER)

    def change_my_password(self) -> None:
        if self.password_change is None or self.locked:
            return
        form = ChangePasswordForm(self.user, self.password_change, self)
        if form.exec() == QDialog.DialogCode.Accepted:
            self.statusBar().showMessage("Your password was changed", 5000)
        form.deleteLater()
        self.activateWindow()

    def end_session(self, how: str) -> None:
        """Keep the open screening as this user's draft, take every patient detail out, then hand over."""
        end, self.on_session_end = self.on_session_end, None
        if end is None:
            return
        self.clear_patient_pages()  # after a lock there is nothing open: it was saved then
        self._locked_referral = None  # not reopened for anyone: it waits in its owner's drafts
        self.autosave.stop()
        if self.idle_monitor is not None:
            self.idle_monitor.stop()
        self.enable_actions()
        end(how)

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        """Quit (Ctrl+Q) or the window's close button ends the session as Log out does: audited, the
        screening kept as a draft (a window closed by the end of its session has none left to end)."""
        if self.on_session_end is not None:
            self.end_session(QUIT)
        super().closeEvent(event)
