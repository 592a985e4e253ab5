"""The admin's Users dialog on a real encrypted store: the accounts with their states in words, each
change made through the services (and so checked and audited), refusals shown in words, and the
whole dialog by keyboard with every control named."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from tests.users import CHEAP_KDF
from triage.services.login import AccountLocked, AuthenticationError, LoginPolicy, open_authenticated
from triage.services.permissions import User
from triage.services.store_setup import initialise_store
from triage.services.users import add_user, list_users, remove_user
from triage.store import Store
from triage.store.models import AuditEvent
from triage.store.signing import active_key, fingerprint
from triage.ui import users_dialog
from triage.ui.account_forms import AccountForm, AddUserForm, PasswordForm, RoleForm
from triage.ui.users_dialog import UsersDialog, open_users_dialog

from .a11y import unnamed_interactive_widgets
from .conftest import focused

PASSWORD = "a long enough password"
NEW_PASSWORD = "a different long password"


def no_wait(_seconds: float) -> None:
    """Failed logins wait on purpose; not in the tests."""


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)


@dataclass
class Accounts:
    database: Path
    store: Store
    admin: User
    pwp: User


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Accounts]:
    """An encrypted store with an admin (logged in), a PWP and a team leader."""
    database = tmp_path / "team.db"
    initialise_store(database, "admin", "Admin", PASSWORD)
    store, admin = open_authenticated(database, "admin", PASSWORD, sleep=no_wait)
    try:
        pwp = add_user(store, admin, "pwp.one", "Pat One", "pwp", PASSWORD)
        add_user(store, admin, "lead.one", "Lee Lead", "team_leader", PASSWORD)
        yield Accounts(database, store, admin, pwp)
    finally:
        store.close()


def log_in(team: Accounts, username: str, password: str, policy: LoginPolicy | None = None) -> User:
    store, user = open_authenticated(team.database, username, password, sleep=no_wait,
                                     **({"policy": policy} if policy else {}))  # fmt: skip
    store.close()
    return user


def lock(team: Accounts, username: str) -> None:
    policy = LoginPolicy(max_failures=2)
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            log_in(team, username, "not the password", policy)


def dialog_for(qtbot, team: Accounts) -> UsersDialog:
    dialog = UsersDialog(team.store, team.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def shown(dialog: UsersDialog) -> list[tuple[str, ...]]:
    model = dialog.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())]


def choose(dialog: UsersDialog, username: str) -> None:
    row = dialog.model.row_of(username)
    assert row is not None, username
    dialog.table.selectRow(row)


def audited(team: Accounts, action: str) -> list[tuple[str, str, str]]:
    with team.store.read() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return [(e.actor, e.entity_id, e.summary) for e in session.scalars(query)]


def filling(qtbot, attempts: list[dict[str, str]], seen: list[AccountForm]):
    """A stand-in for ``run_form``: types each attempt into the form as a person would (Enter submits),
    as long as the form stays open, and records the form."""

    def run(_dialog: UsersDialog, form: AccountForm) -> bool:
        seen.append(form)
        form.show()
        form.activateWindow()
        qtbot.waitUntil(form.isActiveWindow)
        for values in attempts:
            for field, text in values.items():
                widget = getattr(form, field)
                widget.setFocus()
                if hasattr(widget, "findData"):  # a role combo: chosen by keyboard, by its first letter
                    qtbot.keyClicks(widget, text)
                else:
                    widget.clear()
                    qtbot.keyClicks(widget, text)
            qtbot.keyClick(focused(), Qt.Key.Key_Return)
            if not form.isVisible():
                break
        return form.result() == AccountForm.DialogCode.Accepted

    return run


def new_user(**overrides: str) -> dict[str, str]:
    return {"username": "sam.new", "display_name": "Sam New", "password": PASSWORD, "confirm": PASSWORD, **overrides}


def test_the_table_lists_every_account_with_its_state_in_words(qtbot, qtmodeltester, team: Accounts):
    lock(team, "pwp.one")
    remove_user(team.store, team.admin, "lead.one")
    dialog = dialog_for(qtbot, team)
    assert dialog.windowTitle() == "Users"
    assert shown(dialog) == [("admin", "Admin", "Admin", "active"), ("lead.one", "Lee Lead", "Team leader", "removed"),
                             ("pwp.one", "Pat One", "PWP", "locked")]  # fmt: skip
    qtmodeltester.check(dialog.model)


def test_a_user_added_through_the_form_can_log_in(qtbot, team: Accounts, monkeypatch):
    forms: list[AccountForm] = []
    monkeypatch.setattr(UsersDialog, "run_form", filling(qtbot, [new_user(role="T")], forms))
    dialog = dialog_for(qtbot, team)
    dialog.add_button.click()
    assert isinstance(forms[0], AddUserForm) and forms[0].windowTitle() == "Add user"
    assert [e.echoMode() for e in forms[0].passwords] == [forms[0].password.EchoMode.Password] * 2
    assert [e.text() for e in forms[0].passwords] == ["", ""]  # cleared once used
    assert dialog.status.text() == "Added sam.new as Team leader."
    assert ("sam.new", "Sam New", "Team leader", "active") in shown(dialog)
    assert dialog.selected_username() == "sam.new"
    assert log_in(team, "sam.new", PASSWORD) == User("sam.new", "Sam New", "team_leader")
    assert ("admin", "sam.new", "user added with role team_leader") in audited(team, "create")


def test_differing_and_short_passwords_are_refused_in_words_and_nothing_is_added(qtbot, team: Accounts, monkeypatch):
    forms: list[AccountForm] = []
    attempts = [new_user(confirm="a long enough passworD"), new_user(password="short", confirm="short")]
    monkeypatch.setattr(UsersDialog, "run_form", filling(qtbot, attempts[:1], forms))
    dialog = dialog_for(qtbot, team)
    before = shown(dialog)
    dialog.add_button.click()
    assert forms[0].message.isVisible()
    assert forms[0].message.text() == "The user was not added: the two passwords are not the same; type them again."
    assert [e.text() for e in forms[0].passwords] == ["", ""] and focused() is forms[0].password

    monkeypatch.setattr(UsersDialog, "run_form", filling(qtbot, attempts[1:], forms))
    dialog.add_button.click()
    assert forms[1].message.text() == "The user was not added: a password must be at least 10 characters."
    assert [e.text() for e in forms[1].passwords] == ["", ""]
    assert shown(dialog) == before and dialog.status.text() == ""
    assert "sam.new" not in [u.username for u in list_users(team.store, team.admin)]


def test_a_refusal_from_the_services_is_shown_in_the_form(qtbot, team: Accounts, monkeypatch):
    forms: list[AccountForm] = []
    monkeypatch.setattr(UsersDialog, "run_form", filling(qtbot, [new_user(username="pwp.one")], forms))
    dialog_for(qtbot, team).add_button.click()
    assert "that username is taken" in forms[0].message.text()


def test_resetting_a_password_retires_the_old_one(qtbot, team: Accounts, monkeypatch):
    forms: list[AccountForm] = []
    monkeypatch.setattr(UsersDialog, "run_form", filling(qtbot, [{"password": NEW_PASSWORD,
                                                                  "confirm": NEW_PASSWORD}], forms))  # fmt: skip
    dialog = dialog_for(qtbot, team)
    choose(dialog, "pwp.one")
    dialog.reset_button.click()
    assert isinstance(forms[0], PasswordForm) and forms[0].windowTitle() == "Reset password"
    assert dialog.status.text() == "Set a new password for pwp.one; their old one no longer works."
    with pytest.raises(AuthenticationError):
        log_in(team, "pwp.one", PASSWORD)
    assert log_in(team, "pwp.one", NEW_PASSWORD).role == "pwp"
    assert ("admin", "pwp.one", "password reset by an admin") in audited(team, "password_change")


def test_changing_a_role(qtbot, team: Accounts, monkeypatch):
    forms: list[AccountForm] = []
    monkeypatch.setattr(UsersDialog, "run_form", filling(qtbot, [{"role": "T"}], forms))
    dialog = dialog_for(qtbot, team)
    choose(dialog, "pwp.one")
    dialog.role_button.click()
    assert isinstance(forms[0], RoleForm) and forms[0].windowTitle() == "Change role"
    assert dialog.status.text() == "pwp.one is now Team leader."
    assert ("pwp.one", "Pat One", "Team leader", "active") in shown(dialog)
    assert log_in(team, "pwp.one", PASSWORD).role == "team_leader"
    assert ("admin", "pwp.one", "role changed from pwp to team_leader") in audited(team, "update")

    monkeypatch.setattr(UsersDialog, "run_form", filling(qtbot, [{}], forms))  # OK with the role as it is
    dialog.role_button.click()
    assert dialog.status.text() == "pwp.one stays Team leader; nothing was changed."
    assert len([e for e in audited(team, "update") if e[1] == "pwp.one"]) == 1


def test_unlocking_a_locked_account(qtbot, team: Accounts):
    lock(team, "pwp.one")
    with pytest.raises(AccountLocked):
        log_in(team, "pwp.one", PASSWORD)  # even the right password, while locked
    dialog = dialog_for(qtbot, team)
    choose(dialog, "lead.one")
    assert not dialog.unlock_button.isEnabled()  # only a locked account can be unlocked
    choose(dialog, "pwp.one")
    assert dialog.unlock_button.isEnabled() and "locked" in dialog.hint.text()
    dialog.unlock_button.click()
    assert dialog.status.text() == "Unlocked pwp.one: they can log in again now."
    assert ("pwp.one", "Pat One", "PWP", "active") in shown(dialog)
    assert not dialog.unlock_button.isEnabled()
    assert log_in(team, "pwp.one", PASSWORD).username == "pwp.one"
    assert ("admin", "pwp.one", "account unlocked by an admin") in audited(team, "account_unlocked")


def test_removing_asks_first_and_says_what_it_means(qtbot, team: Accounts, monkeypatch):
    asked: list[tuple[str, str]] = []
    answer = {"button": QMessageBox.StandardButton.No}

    def question(_parent, title, text, *_buttons):
        asked.append((title, text))
        return answer["button"]

    monkeypatch.setattr(users_dialog.QMessageBox, "question", question)
    dialog = dialog_for(qtbot, team)
    choose(dialog, "pwp.one")
    dialog.remove_button.click()
    assert asked[0][0] == "Remove user" and "pwp.one" not in asked[0][0]  # no name in a title
    assert "stays named in the audit trail" in asked[0][1] and "key wrap" in asked[0][1]
    assert ("pwp.one", "Pat One", "PWP", "active") in shown(dialog)  # "No" removes nothing

    answer["button"] = QMessageBox.StandardButton.Yes
    dialog.remove_button.click()
    assert dialog.status.text() == "Removed pwp.one: they can no longer log in, and the audit trail still names them."
    assert ("pwp.one", "Pat One", "PWP", "removed") in shown(dialog)
    assert [b.isEnabled() for b in (dialog.reset_button, dialog.role_button, dialog.unlock_button,
                                    dialog.remove_button)] == [False] * 4  # fmt: skip
    assert dialog.add_button.isEnabled() and "was removed" in dialog.hint.text()
    with pytest.raises(AuthenticationError):
        log_in(team, "pwp.one", PASSWORD)


def test_your_own_account_cannot_be_removed_reset_or_demoted_here(qtbot, team: Accounts):
    dialog = dialog_for(qtbot, team)
    choose(dialog, "admin")
    assert [b.isEnabled() for b in (dialog.reset_button, dialog.role_button, dialog.remove_button)] == [False] * 3
    assert "your own account" in dialog.hint.text()


def test_a_service_refusal_is_shown_in_words_not_a_traceback(qtbot, team: Accounts, monkeypatch):
    monkeypatch.setattr(users_dialog.QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    dialog = dialog_for(qtbot, team)
    choose(dialog, "pwp.one")
    remove_user(team.store, team.admin, "pwp.one")  # another admin got there first
    dialog.remove_button.click()
    assert dialog.problem.isVisible()
    assert dialog.problem.text() == "The account was not removed: there is no such user."
    assert ("pwp.one", "Pat One", "PWP", "removed") in shown(dialog)  # reloaded as it now is
    assert not dialog.remove_button.isEnabled()


def test_a_pwp_is_refused_by_the_services_and_the_refusal_is_audited(qtbot, team: Accounts, monkeypatch):
    warned: list[tuple[str, str]] = []
    monkeypatch.setattr(users_dialog.QMessageBox, "warning", lambda _p, title, text: warned.append((title, text)))
    assert open_users_dialog(team.store, team.pwp) is None
    assert warned and warned[0][0] == "Users refused" and "does not allow" in warned[0][1]
    assert audited(team, "permission_denied") == [("pwp.one", "pwp.one", "refused: users")]
    dialog = open_users_dialog(team.store, team.admin)
    assert dialog is not None and dialog.model.rowCount() == 3
    dialog.deleteLater()


def test_every_control_is_named(qtbot, team: Accounts):
    dialog = dialog_for(qtbot, team)
    assert unnamed_interactive_widgets(dialog) == []
    info = list_users(team.store, team.admin)[0]
    for form in (AddUserForm(lambda *_a: team.pwp, dialog), PasswordForm("pwp.one", lambda _p: None, dialog),
                 RoleForm(info, lambda _r: None, dialog)):  # fmt: skip
        qtbot.addWidget(form)
        form.show()
        assert unnamed_interactive_widgets(form) == [], form.windowTitle()


def test_the_dialog_is_keyboard_operable(qtbot, team: Accounts):
    lock(team, "pwp.one")  # a locked account that is not yours: every action applies to it
    dialog = dialog_for(qtbot, team)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert focused() is dialog.table
    qtbot.keyClick(dialog.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)  # the last account
    assert dialog.selected_username() == "pwp.one"
    seen = []
    for _ in range(7):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        seen.append(focused())
    assert seen == [dialog.add_button, dialog.reset_button, dialog.role_button, dialog.supervisor_button,
                    dialog.unlock_button, dialog.remove_button, dialog.close_button]  # fmt: skip
    qtbot.keyClick(focused(), Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # Alt+U unlocks
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Unlocked pwp.one"))  # (a mnemonic animates the click)
    assert focused() is dialog.table
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_enter_in_the_table_changes_nothing(qtbot, team: Accounts, monkeypatch):
    monkeypatch.setattr(users_dialog.QMessageBox, "question", lambda *_a: pytest.fail("asked to remove"))
    monkeypatch.setattr(UsersDialog, "run_form", lambda *_a: pytest.fail("a form was opened"))
    dialog = dialog_for(qtbot, team)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    choose(dialog, "pwp.one")
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.status.text() == ""


def test_a_new_admin_key_is_shown_for_the_paper(qtbot, team: Accounts, monkeypatch):
    """An admin added (or reset, a new key) gets their key fingerprint in the message, the one the
    store holds: the paper kept with the recovery key is the trail's anchor (docs/access.md)."""

    def active_fingerprint(username: str) -> str:
        with team.store.read() as session:
            key = active_key(session, username)
            assert key is not None
            return fingerprint(key.key_id)

    forms: list[AccountForm] = []
    monkeypatch.setattr(UsersDialog, "run_form", filling(qtbot, [new_user(role="A")], forms))
    dialog = dialog_for(qtbot, team)
    dialog.add_button.click()
    added = active_fingerprint("sam.new")
    assert dialog.status.text() == ("Added sam.new as Admin. Their admin key fingerprint, for the paper kept with "
                                    f"the recovery key:\n{added}")  # fmt: skip
    monkeypatch.setattr(UsersDialog, "run_form", filling(qtbot, [{"password": NEW_PASSWORD,
                                                                  "confirm": NEW_PASSWORD}], forms))  # fmt: skip
    dialog.reset_button.click()
    reset = active_fingerprint("sam.new")
    assert reset != added and dialog.status.text().endswith(f"the recovery key:\n{reset}")
    choose(dialog, "pwp.one")
    dialog.reset_button.click()
    assert "fingerprint" not in dialog.status.text()  # a PWP's key is no anchor
