"""The small forms of the Users dialog: ``AccountForm`` (OK runs one service call; a refusal is shown
in the form, which stays open) and its three, ``AddUserForm``, ``PasswordForm`` and ``RoleForm``; with
the helpers the dialog shares with them (the wait cursor, a refusal in words, the warning label).

Passwords are typed twice into fields that never echo them, and are cleared as soon as they are used.
Each form takes Enter for its OK button.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from triage.labels import labels
from triage.services.credentials import MIN_PASSWORD
from triage.services.permissions import User
from triage.services.users import UserInfo
from triage.store.errors import StoreError
from triage.store.vocabulary import ROLES
from triage.ui.users_model import role_label
from triage.ui.value_combo import select_value, value_combo

ROLE_HELP = ("PWP: screens referrals and decides routes. Team leader: also decides in the referral meeting, "
             "overrides and exports. Admin: settings, users and the audit trail; sees no patient record.")  # fmt: skip
PASSWORD_HELP = (f"At least {MIN_PASSWORD} characters. Give it to them in person; they change it themselves "
                 "under Change my password (Ctrl+Shift+P).")  # fmt: skip


@contextmanager
def busy() -> Iterator[None]:
    """A wait cursor: setting a password derives keys with argon2id, which takes a moment on purpose."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


def refusal(refused_as: str, exc: Exception) -> str:
    """One sentence: what did not happen, and the service's own reason (safe to show)."""
    return f"{refused_as}: {str(exc).rstrip('.')}."


def warning_label(name: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setProperty("role", "warning")
    label.setAccessibleName(name)
    label.setVisible(False)
    return label


def _role_combo(current: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName("Role")
    for code in ROLES:
        combo.addItem(labels().roles[code], code)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def _password_field(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)  # also stops copying it out
    edit.setAccessibleName(name)
    return edit


class FormProblem(Exception):
    """Something the form itself can tell (two passwords that differ) before asking a service."""


class AccountForm(QDialog):
    """A small form whose OK runs ``apply`` (one service call). A refusal is shown in the form, which
    stays open to be corrected; typed passwords are cleared whatever happens."""

    refused_as = "Nothing was changed"
    password: QLineEdit  # the two password fields, on the forms that call add_passwords
    confirm: QLineEdit

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)  # never a name in a title: titles end up in task switchers and logs
        self.setAccessibleName(title)
        self.setMinimumWidth(560)  # wide enough for the wrapped notes to fit the height Qt gives them
        self.passwords: list[QLineEdit] = []
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.message = warning_label("Problem")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setAccessibleName(ok_text.replace("&", ""))
        self.ok.setDefault(True)  # Enter in any field submits the form
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def add_field(self, label: str, widget: QWidget) -> None:
        self.form.addRow(label, widget)

    def add_note(self, text: str) -> None:
        note = QLabel(text)
        note.setWordWrap(True)
        self.form.addRow("", note)

    def add_passwords(self) -> None:
        self.password = _password_field("New password")
        self.confirm = _password_field("Confirm the new password")
        self.passwords = [self.password, self.confirm]
        self.add_field("&Password", self.password)
        self.add_field("Con&firm password", self.confirm)
        self.add_note(PASSWORD_HELP)

    def typed_password(self) -> str:
        if self.password.text() != self.confirm.text():
            raise FormProblem("the two passwords are not the same; type them again")
        return self.password.text()

    def apply(self) -> None:
        """The service call; raises ``StoreError`` (or ``FormProblem``) with a message safe to show."""
        raise NotImplementedError

    def accept(self) -> None:
        try:
            with busy():
                self.apply()
        except (StoreError, FormProblem) as exc:
            self.show_problem(refusal(self.refused_as, exc))
            return
        finally:
            self.clear_passwords()
        super().accept()

    def reject(self) -> None:
        self.clear_passwords()
        super().reject()

    def clear_passwords(self) -> None:
        for edit in self.passwords:
            edit.clear()

    def show_problem(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
        if self.passwords:
            self.passwords[0].setFocus()  # they were cleared: start typing them again


class AddUserForm(AccountForm):
    refused_as = "The user was not added"

    def __init__(self, add: Callable[[str, str, str, str], User], parent: QWidget | None = None) -> None:
        super().__init__("Add user", "&Add user", parent)
        self._add = add
        self.added: User | None = None
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("Name shown in the app")
        self.role = _role_combo("pwp")  # the least a new account can do
        self.add_field("&Username", self.username)
        self.add_field("&Name shown in the app", self.display_name)
        self.add_field("&Role", self.role)
        self.add_note(ROLE_HELP)
        self.add_passwords()
        self.username.setFocus()

    def apply(self) -> None:
        self.added = self._add(self.username.text(), self.display_name.text(), self.role.currentData(),
                               self.typed_password())  # fmt: skip


class PasswordForm(AccountForm):
    refused_as = "The password was not changed"

    def __init__(self, username: str, reset: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__("Reset password", "&Set password", parent)
        self._reset = reset
        intro = QLabel(f"A new password for {username}. Their old password stops working at once.")
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.add_passwords()
        self.password.setFocus()

    def apply(self) -> None:
        self._reset(self.typed_password())


class RoleForm(AccountForm):
    refused_as = "The role was not changed"

    def __init__(self, info: UserInfo, set_role: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__("Change role", "&Change role", parent)
        self._set_role = set_role
        self.current = info.role
        intro = QLabel(f"The role of {info.username}, now {role_label(info.role)}.")
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.role = _role_combo(info.role)
        self.add_field("&Role", self.role)
        self.add_note(ROLE_HELP)
        self.role.setFocus()

    @property
    def chosen(self) -> str:
        return str(self.role.currentData())

    def apply(self) -> None:
        if self.chosen != self.current:  # the same role again would only add a meaningless audit event
            self._set_role(self.chosen)


NO_SUPERVISOR = "No supervisor"


class SupervisorForm(AccountForm):
    """Who supervises an account: one of the active team leaders, or nobody. The supervision queue
    (Meeting > Supervision queue) shows a team leader the flagged referrals of those they supervise."""

    refused_as = "The supervisor was not changed"

    def __init__(self, info: UserInfo, leaders: Sequence[UserInfo], set_supervisor: Callable[[str | None], None],
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__("Supervisor", "S&et supervisor", parent)
        self._set_supervisor = set_supervisor
        self.current = info.supervisor
        now = next((leader.display_name for leader in leaders if leader.username == info.supervisor), None)
        intro = QLabel(f"Who supervises {info.username}; now {now or info.supervisor or 'nobody'}.")
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.supervisor = value_combo("Supervisor", [(None, NO_SUPERVISOR)] + [
            (leader.username, f"{leader.display_name} ({leader.username})") for leader in leaders
            if leader.username != info.username])  # fmt: skip
        select_value(self.supervisor, info.supervisor)
        self.add_field("&Supervisor", self.supervisor)
        self.add_note('A team leader. They see this account\'s referrals flagged "discuss in supervision".')
        self.supervisor.setFocus()

    @property
    def chosen(self) -> str | None:
        value = self.supervisor.currentData()
        return str(value) if value else None

    def apply(self) -> None:
        if self.chosen != self.current:  # the same again would only add a meaningless audit event
            self._set_supervisor(self.chosen)
