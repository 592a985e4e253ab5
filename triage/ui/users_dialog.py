"""The admin's Users dialog: the accounts, and adding, resetting, changing, unlocking and removing them
without the command line (the same as ``triage users ...``).

Every change goes through ``triage.services.users``, which checks the ``users`` permission and writes
the audit trail; the buttons this dialog turns off are a courtesy, never the check. The services'
messages (``AccountError`` and the other ``StoreError``) are safe to show and are shown as they are.
Staff accounts only: nothing here touches patient data.

Keyboard: the accounts table first, then Add user…, Reset password…, Change role…, Unlock, Remove… and
Close, each with a mnemonic; Escape closes. The forms those buttons open are in account_forms.py, the
accounts table's model in users_model.py.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from triage.services import users
from triage.services.meeting_queue import set_supervisor
from triage.services.permissions import PermissionDenied, User
from triage.services.users import UserInfo
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.ui.account_forms import (
    AccountForm,
    AddUserForm,
    PasswordForm,
    RoleForm,
    SupervisorForm,
    busy,
    refusal,
    warning_label,
)
from triage.ui.fit import fit_to_screen
from triage.ui.users_model import COLUMNS, UsersModel, role_label


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text.replace("&", "").rstrip("…"))
    button.setAutoDefault(False)  # Enter in the table must never press an action
    return button


class UsersDialog(QDialog):
    """The accounts, for ``user`` (who must be allowed ``users``: the services check). ``refused`` holds
    the services' refusal when they would not list the accounts."""

    def __init__(self, store: Store, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.user = store, user
        self.refused: str | None = None
        self.setWindowTitle("Users")
        self.setAccessibleName("Users")
        fit_to_screen(self, QSize(820, 520))
        layout = QVBoxLayout(self)
        intro = QLabel("Staff accounts for this referral store. Every change here is recorded in the audit "
                       "trail; a removed account stays listed because the trail still names it.")  # fmt: skip
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = UsersModel(self)
        self.table = self._table()
        heading = QLabel("Accoun&ts")
        heading.setBuddy(self.table)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("About the selected account")
        layout.addWidget(self.hint)
        layout.addLayout(self._buttons())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("What happened")
        layout.addWidget(self.status)
        self.problem = warning_label("Problem")
        layout.addWidget(self.problem)
        self.reload()
        self.table.setFocus()

    def _table(self) -> QTableView:
        table = QTableView()
        table.setAccessibleName("Accounts")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)  # Tab leaves the table for the actions
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the name takes the spare width
        table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        return table

    def _buttons(self) -> QHBoxLayout:
        self.add_button = _button("&Add user…")
        self.reset_button = _button("&Reset password…")
        self.role_button = _button("&Change role…")
        self.supervisor_button = _button("&Supervisor…")
        self.unlock_button = _button("&Unlock")
        self.remove_button = _button("Re&move…")
        self.close_button = _button("C&lose")
        row = QHBoxLayout()
        for button, slot in ((self.add_button, self.add_account), (self.reset_button, self.reset_password),
                             (self.role_button, self.change_role), (self.supervisor_button, self.change_supervisor),
                             (self.unlock_button, self.unlock),
                             (self.remove_button, self.remove)):  # fmt: skip
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        self.close_button.clicked.connect(self.reject)
        return row

    # --- what is shown ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Ask the services for the accounts again, keeping the selection on the same account."""
        keep = self.selected_username()
        try:
            accounts = users.list_users(self.store, self.user)
        except PermissionDenied as exc:
            self._refuse(str(exc))
            return
        except StoreError as exc:
            accounts = []
            self._show_problem(refusal("The accounts cannot be shown", exc))
        self.model.set_users(accounts)
        row = self.model.row_of(keep)
        if self.model.rowCount():
            self.table.selectRow(row if row is not None else 0)
        self._update_actions()

    def _refuse(self, message: str) -> None:
        self.refused = message
        self.model.set_users([])
        self._show_problem(message)
        self._update_actions()

    def selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.info(rows[0].row()) if rows else None

    def selected_username(self) -> str | None:
        info = self.selected()
        return info.username if info else None

    def _update_actions(self) -> None:
        info = self.selected()
        live = info is not None and info.disabled_at is None and self.refused is None
        yours = live and info is not None and info.username == self.user.username
        self.add_button.setEnabled(self.refused is None)
        # Your own password is changed knowing the old one (triage users passwd), not reset; your own role
        # would stay as it is in this session until you log out; removing yourself the services refuse.
        for button in (self.reset_button, self.role_button, self.remove_button):
            button.setEnabled(live and not yours)
        self.supervisor_button.setEnabled(live)
        self.unlock_button.setEnabled(live and info is not None and info.locked)
        self.hint.setText(self._hint(info, yours))

    def _hint(self, info: UserInfo | None, yours: bool) -> str:
        if self.refused is not None:
            return ""
        if info is None:
            return "Choose an account in the table."
        if info.disabled_at is not None:
            return f"{info.username} was removed: they cannot log in. Nothing more can be done to the account."
        if yours:
            return ("This is your own account: another admin changes its role or removes it, and you change "
                    "your password with the command “triage users passwd”.")  # fmt: skip
        if info.locked:
            return f"{info.username} is locked after repeated failed logins; Unlock lets them try again now."
        return ""

    def _show_status(self, text: str) -> None:
        self.problem.setVisible(False)
        self.status.setText(text)

    def _show_problem(self, text: str) -> None:
        self.status.clear()
        self.problem.setText(text)
        self.problem.setVisible(True)

    # --- hooks the tests replace -------------------------------------------------------------------

    def run_form(self, form: AccountForm) -> bool:
        """Show a form modally; True when it was accepted (its change made)."""
        return form.exec() == QDialog.DialogCode.Accepted

    def confirm_remove(self, username: str) -> bool:
        text = (f"Remove the account {username}?\n\nThey will no longer be able to log in: their key wrap (their "
                "copy of the database key, opened by their password) is deleted. The account stays named in the "
                "audit trail, which is never changed, and its username cannot be used again.")  # fmt: skip
        answer = QMessageBox.question(self, "Remove user", text, QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    # --- the actions -------------------------------------------------------------------------------

    def add_account(self) -> None:
        def add(username: str, display_name: str, role: str, password: str) -> User:
            return users.add_user(self.store, self.user, username, display_name, role, password)

        form = AddUserForm(add, self)
        if self._run(form) and form.added is not None:
            added = form.added.username
            self._done(self._with_fingerprint(f"Added {added} as {role_label(form.added.role)}.", added), added)

    def reset_password(self) -> None:
        info = self.selected()
        if info is None:
            return
        form = PasswordForm(info.username, lambda new: users.reset_password(self.store, self.user,
                                                                           info.username, new), self)  # fmt: skip
        if self._run(form):
            self._done(self._with_fingerprint(f"Set a new password for {info.username}; their old one no longer works.",
                                              info.username))  # fmt: skip

    def change_role(self) -> None:
        info = self.selected()
        if info is None:
            return
        form = RoleForm(info, lambda role: users.set_role(self.store, self.user, info.username, role), self)
        if self._run(form):
            changed = form.chosen != info.role
            self._done(self._with_fingerprint(f"{info.username} is now {role_label(form.chosen)}.", info.username)
                       if changed else f"{info.username} stays {role_label(info.role)}; nothing was changed.")  # fmt: skip

    def change_supervisor(self) -> None:
        info = self.selected()
        if info is None:
            return
        leaders = [a for a in self.model.users if a.role == "team_leader" and a.disabled_at is None]
        form = SupervisorForm(info, leaders, lambda chosen: set_supervisor(self.store, self.user, info.username,
                                                                            chosen), self)  # fmt: skip
        if self._run(form):
            self._done(f"{info.username}'s supervisor is now {form.chosen or 'nobody'}." if form.chosen != info.supervisor
                       else f"{info.username}'s supervisor is unchanged.")  # fmt: skip

    def unlock(self) -> None:
        info = self.selected()
        if info is not None:
            self._change(lambda: users.unlock_account(self.store, self.user, info.username),
                         f"Unlocked {info.username}: they can log in again now.",
                         "The account was not unlocked")  # fmt: skip

    def remove(self) -> None:
        info = self.selected()
        if info is None or not self.confirm_remove(info.username):
            return
        self._change(lambda: users.remove_user(self.store, self.user, info.username),
                     f"Removed {info.username}: they can no longer log in, and the audit trail still names them.",
                     "The account was not removed")  # fmt: skip

    def _run(self, form: AccountForm) -> bool:
        try:
            return self.run_form(form)
        finally:
            form.clear_passwords()
            form.deleteLater()

    def _change(self, change: Callable[[], None], done: str, refused_as: str) -> None:
        try:
            with busy():
                change()
        except StoreError as exc:
            self.reload()  # someone may have changed the account meanwhile: show it as it is
            self._show_problem(refusal(refused_as, exc))
            self.table.setFocus()
            return
        self._done(done)

    def _with_fingerprint(self, text: str, username: str) -> str:
        """An admin's new key is an anchor of the audit trail: its fingerprint goes on the paper kept
        with the recovery key (docs/access.md), so the message gives it."""
        shown = users.admin_fingerprint(self.store, self.user, username)
        if shown is None:
            return text
        return f"{text} Their admin key fingerprint, for the paper kept with the recovery key:\n{shown}"

    def _done(self, text: str, select: str | None = None) -> None:
        self.reload()
        row = self.model.row_of(select)
        if row is not None:
            self.table.selectRow(row)
        self._show_status(text)
        self.table.setFocus()  # the button pressed may now be off: keep the keyboard in the table


def open_users_dialog(store: Store, user: User, parent: QWidget | None = None) -> UsersDialog | None:
    """The Users dialog, or None after telling the person why not (the services refused)."""
    dialog = UsersDialog(store, user, parent)
    if dialog.refused:
        QMessageBox.warning(parent, "Users refused", dialog.refused)
        dialog.deleteLater()
        return None
    return dialog
