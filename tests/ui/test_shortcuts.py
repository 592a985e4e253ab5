"""No key is answered by two things (live-call issue, defect 4; HAZ-011): every window and every page of
the main window is opened for real and its widget tree walked for what answers a key there, the access
keys (the ``&X`` of a button, a label's buddy, a group box, a tab, a menu title: Alt+X) and the
shortcuts (every QShortcut, every action's). A page shown in the main window answers its own keys and
the window's (the menu bar's titles, every command's shortcut), so they are checked together; each
menu, once open, answers its commands' letters, so each menu is checked on its own; a dialog is a
window of its own. A widget hidden for now (the lock page's Switch user, a team leader's "decided in
the referral meeting") is counted: it may show. Only the page a QStackedWidget shows is.

The keyboard registry (triage/ui/keymap.py) is checked against the same walk: each context lists
exactly the keys its widgets have, the menus are its menus, and docs/keyboard.md's tables are its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QMenu,
    QMenuBar,
    QStackedWidget,
    QTabBar,
    QWidget,
)

from tests.keys import when_modal
from tests.users import ADMIN, LEADER, PWP
from triage.services import create_referral, decided_referral, parse
from triage.services.inputs import ReferralInput
from triage.services.permissions import User
from triage.services.users import UserInfo
from triage.store import Store
from triage.ui import keymap
from triage.ui.keymap import CONTEXTS, MENUS, Command
from triage.ui.main_window import MainWindow

from .conftest import RULESET, SETTINGS
from .record_case import decided_high_risk

ROOT = Path(__file__).resolve().parents[2]
KEYBOARD_DOC = ROOT / "docs" / "keyboard.md"
GENERATED = ("<!-- generated: python -m triage.ui.keymap -->", "<!-- end of generated tables -->")
PERSON = {"nhs_number": "9990000018", "given_name": "Alex", "family_name": "Example", "date_of_birth": "1986-03-14",
          "source": "self"}  # fmt: skip

Keys = dict[str, dict[str, str]]  # key -> {who answers it (an identity): what it is}


def keys_in(root: QWidget, *, leave_out: QWidget | None = None) -> Keys:
    """Every key that answers in ``root``, with what answers it. Windows inside it (dialogs, the menus'
    popups), ``leave_out`` and the pages a QStackedWidget does not show are not walked."""
    found: Keys = {}
    held: list[object] = []  # alive until the walk ends, so no identity is reused

    def bind(sequence: QKeySequence, owner: object, what: str, part: str = "") -> None:
        if not sequence.isEmpty():
            held.append(owner)
            found.setdefault(sequence.toString(), {})[f"{id(owner)}{part}"] = what

    def visit(widget: QWidget) -> None:
        for action in widget.actions():
            for sequence in action.shortcuts():
                bind(sequence, action, f"the action {action.text()!r}")
        if isinstance(widget, QAbstractButton):
            bind(widget.shortcut(), widget, f"the button {widget.text()!r}")
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            bind(QKeySequence.mnemonic(widget.text()), widget, f"the label {widget.text()!r}")
        elif isinstance(widget, QGroupBox):
            bind(QKeySequence.mnemonic(widget.title()), widget, f"the group {widget.title()!r}")
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                bind(QKeySequence.mnemonic(widget.tabText(index)), widget, f"the tab {widget.tabText(index)!r}",
                     f"/{index}")  # fmt: skip
        elif isinstance(widget, QMenuBar):
            for title in widget.actions():  # a menu's title; or, on a flat menu bar, a command
                bind(QKeySequence.mnemonic(title.text()), title, f"the menu bar's {title.text()!r}")
                menu = title.menu()
                for action in [title, *(menu.actions() if isinstance(menu, QMenu) else ())]:
                    for sequence in action.shortcuts():
                        bind(sequence, action, f"the action {action.text()!r}")
        for child in widget.children():
            if isinstance(child, QShortcut):
                for sequence in child.keys():  # noqa: SIM118 (a QShortcut's keys, not a dict's)
                    bind(sequence, child, f"a shortcut of {type(widget).__name__}")
            elif isinstance(child, QWidget) and not child.isWindow() and child is not leave_out:
                if not isinstance(widget, QStackedWidget) or child is widget.currentWidget():
                    visit(child)

    visit(root)
    return found


def menu_of(title: QAction) -> QMenu:
    menu = title.menu()
    assert isinstance(menu, QMenu), f"the menu bar's {title.text()!r} opens no menu"
    return menu


def joined(*found: Keys) -> Keys:
    together: Keys = {}
    for keys in found:
        for key, owners in keys.items():
            together.setdefault(key, {}).update(owners)
    return together


def clashes(found: Keys) -> list[str]:
    return [f"{key}: {' and '.join(sorted(owners.values()))}" for key, owners in sorted(found.items())
            if len(owners) > 1]  # fmt: skip


def registered(name: str) -> set[str]:
    return {key.keys for key in keymap.context(name).keys}


# --- the windows and pages, opened ---------------------------------------------------------------


def main_window(qtbot, store: Store, user=LEADER) -> MainWindow:  # type: ignore[no-untyped-def]
    """A team leader's window (it offers "decided in the referral meeting"), with a session to end (so
    the lock page offers Switch user) and a password to change."""
    window = MainWindow(store, RULESET, SETTINGS, user, unlock_check=lambda _typed: False)
    window.connect_session(lambda _how: None, lambda _old, _new: None)
    qtbot.addWidget(window)
    window.show()
    return window


def new_referral(store: Store) -> str:
    return create_referral(store, PWP, parse(ReferralInput, {**PERSON, "received_on": "2025-03-03"})).id


def shown_page(name: str, window: MainWindow, store: Store) -> None:
    if name == "record":
        window.open_referral(decided_high_risk(store).referral_id)
        assert window.record_page is not None
    elif name == "screening":
        window.open_referral(new_referral(store))
        assert window.screening is not None
    elif name == "lock":
        window.lock()
        assert window.lock_page is not None and window.lock_page.switch.isVisibleTo(window)


def dialogs(store: Store) -> dict[str, Callable[[], QWidget]]:
    """Every dialog of the app, by its context's name in the registry."""
    from triage.services.meeting_people import Colleague
    from triage.services.referral_record import referral_record
    from triage.services.settings_import import Difference, ImportOffer
    from triage.ui.account_forms import AddUserForm, PasswordForm, RoleForm, SupervisorForm
    from triage.ui.account_menu import ChangePasswordForm
    from triage.ui.audit_viewer import AuditViewer
    from triage.ui.journey_dialog import JourneyDialog
    from triage.ui.keyboard_help import KeyboardHelp
    from triage.ui.letter_dialog import LetterDialog
    from triage.ui.login import FirstRunDialog, LoginDialog
    from triage.ui.matrix_view import MatrixView
    from triage.ui.meeting_open_dialog import MeetingOpenDialog
    from triage.ui.meeting_queue_dialog import meeting_queue_dialog, supervision_queue_dialog
    from triage.ui.presenter_view import PresenterView
    from triage.ui.referral_dialog import NewReferralDialog
    from triage.ui.reports_dialog import ReportsDialog
    from triage.ui.risk_alert import HighRiskAlert
    from triage.ui.send_to_meeting_dialog import SendToMeetingDialog
    from triage.ui.settings_dialog import SettingsDialog
    from triage.ui.settings_import_dialog import SettingsImportDialog
    from triage.ui.users_dialog import UsersDialog

    account = UserInfo("pwp.one", "PWP One", "pwp", datetime(2025, 1, 6, 9, 0), None, False)
    return {
        "letters": lambda: LetterDialog(store, decided_referral(store, LEADER, decided_high_risk(store).referral_id),
                                        settings=SETTINGS, user=LEADER),
        "journey": lambda: JourneyDialog(store, LEADER, referral_record(store, LEADER, decided_high_risk(store).referral_id)),
        "high-risk alert": lambda: HighRiskAlert(SETTINGS),
        "login": lambda: LoginDialog(lambda _u, _p: None, "triage.db"),
        "first run": lambda: FirstRunDialog(lambda _u, _n, _p: None, "triage.db"),
        "change my password": lambda: ChangePasswordForm(PWP, lambda _old, _new: None),
        "new referral": lambda: NewReferralDialog([]),
        "matrix": lambda: MatrixView(RULESET),
        "presenter": lambda: PresenterView(RULESET),
        "settings": lambda: SettingsDialog(store, RULESET, SETTINGS, ADMIN),
        "import settings": lambda: SettingsImportDialog(ImportOffer("store", SETTINGS, None, (
            Difference("service_name", "Service name", "Doncaster", "NHS Talking Therapies", True),
            Difference("phone", "Service phone", "01302 000 000", "(none)", False)))),
        "users": lambda: UsersDialog(store, ADMIN),
        "add user": lambda: AddUserForm(lambda *_args: ADMIN),
        "reset password": lambda: PasswordForm("pwp.one", lambda _password: None),
        "change role": lambda: RoleForm(account, lambda _role: None),
        "supervisor": lambda: SupervisorForm(account, [account], lambda _supervisor: None),
        "audit": lambda: AuditViewer(store, ADMIN),
        "keyboard shortcuts": lambda: KeyboardHelp(),
        "open meeting": lambda: MeetingOpenDialog([Colleague("lead.one", "Lead One", "team_leader"),
                                                   Colleague("pwp.one", "PWP One", "pwp")]),
        "meeting": lambda: meeting_window(store),
        "send to meeting": lambda: SendToMeetingDialog(store, PWP, new_referral(store), "DON-000001"),
        "meeting queue": lambda: meeting_queue_dialog(store, LEADER),
        "supervision queue": lambda: supervision_queue_dialog(store, LEADER),
        "reports": lambda: ReportsDialog(store, LEADER),
    }  # fmt: skip


def meeting_window(store: Store) -> QWidget:
    """The chair's window of a meeting just opened (a guest in the chair: no account is needed)."""
    from triage.services.meetings import MeetingInput, open_meeting
    from triage.ui.meeting_window import MeetingWindow

    decided_high_risk(store)  # one case waiting, so every control is there
    meeting_id = open_meeting(store, LEADER, MeetingInput(held_on=date.today(), chair_guest="Guest Chair"))
    return MeetingWindow.for_meeting(store, LEADER, meeting_id, RULESET)


PAGES = [c.name for c in CONTEXTS if c.in_window]
DIALOGS = [c.name for c in CONTEXTS if c.name != "window" and not c.in_window]


def test_every_context_of_the_registry_is_opened_here() -> None:
    assert set(DIALOGS) == set(dialogs(None).keys())  # type: ignore[arg-type]
    assert set(PAGES) == {"home", "record", "screening", "lock"}


# --- no key answered twice -------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_no_key_is_answered_twice_on_a_page_of_the_main_window(qtbot, store, page) -> None:
    window = main_window(qtbot, store)
    shown_page(page, window, store)
    found = joined(keys_in(window, leave_out=window.stack), keys_in(window.stack.currentWidget()))
    assert clashes(found) == []


@pytest.mark.parametrize("dialog", DIALOGS)
def test_no_key_is_answered_twice_in_a_dialog(qtbot, store, dialog) -> None:
    opened = dialogs(store)[dialog]()
    qtbot.addWidget(opened)
    assert clashes(keys_in(opened)) == []


def test_no_menu_has_two_commands_on_one_letter(qtbot, store) -> None:
    window = main_window(qtbot, store)
    for title in window.menuBar().actions():
        letters: Keys = {}
        for action in menu_of(title).actions():
            letters.setdefault(QKeySequence.mnemonic(action.text()).toString(), {})[str(id(action))] = action.text()
        letters.pop("", None)  # a separator, or the logged-in line
        assert clashes(letters) == [], title.text()


# --- the registry is what the widgets have ---------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_the_registry_lists_the_keys_of_each_page(qtbot, store, page) -> None:
    window = main_window(qtbot, store)
    shown_page(page, window, store)
    assert set(keys_in(window.stack.currentWidget())) == registered(page)
    assert set(keys_in(window, leave_out=window.stack)) == registered("window")


@pytest.mark.parametrize("dialog", DIALOGS)
def test_the_registry_lists_the_keys_of_each_dialog(qtbot, store, dialog) -> None:
    opened = dialogs(store)[dialog]()
    qtbot.addWidget(opened)
    assert set(keys_in(opened)) == registered(dialog)


def test_the_menus_are_the_registrys_and_quit_comes_last(qtbot, store) -> None:
    window = main_window(qtbot, store, PWP)
    titles = window.menuBar().actions()
    assert [title.text() for title in titles] == [menu.title for menu in MENUS]
    for title, menu in zip(titles, MENUS, strict=True):
        shown = [(a.text(), a.shortcut().toString()) for a in menu_of(title).actions() if not a.isSeparator()]
        wanted = [(c.text, c.keys) for c in menu.commands()]
        if menu.title == "&My account":
            wanted.insert(0, ("Logged in: pwp.tester (PWP)", ""))  # who is logged in, first
        assert shown == wanted
    file_menu = menu_of(titles[0]).actions()
    assert file_menu[-1].text() == "&Quit" and file_menu[-2].isSeparator()


def test_the_registry_writes_keys_as_qt_does() -> None:
    written = [key.keys for found in CONTEXTS for key in found.keys]
    written += [command.keys for menu in MENUS for command in menu.commands() if command.keys]
    assert [k for k in written if QKeySequence(k).toString() != k] == []


def test_docs_keyboard_md_has_the_registrys_tables() -> None:
    text = KEYBOARD_DOC.read_text(encoding="utf-8")
    start, end = text.index(GENERATED[0]) + len(GENERATED[0]), text.index(GENERATED[1])
    assert text[start:end].strip() == keymap.markdown().strip(), (
        "docs/keyboard.md's tables differ from triage/ui/keymap.py: paste `python -m triage.ui.keymap` over them"
    )


# --- the shortcuts work with the menus closed, and the lock leaves only some ---------------------


SLOTS = [command.slot for menu in MENUS for command in menu.commands() if command.keys]
ROLE_ONLY = {
    "open_settings",
    "open_audit_trail",
    "open_users",
    "open_meeting_queue",
    "open_reports",
}  # not a PWP's: not offered
WHILE_LOCKED = {"close", "log_out", "show_keyboard_help"}  # no patient detail shown, or the session left


def press(qtbot, window: MainWindow, keys: str) -> None:  # type: ignore[no-untyped-def]
    combination = QKeySequence(keys)[0]
    qtbot.keyClick(QApplication.focusWidget() or window, combination.key(), combination.keyboardModifiers())


def test_every_shortcut_works_with_the_menus_closed_and_the_lock_leaves_only_quit_log_out_and_help(
    qtbot, store, monkeypatch
) -> None:
    ran: list[str] = []

    def recorder(slot: str) -> Callable[[MainWindow], None]:
        return lambda _window: ran.append(slot)

    for slot in SLOTS:  # what each command does is tested where it is; here, only that its key reaches it
        monkeypatch.setattr(MainWindow, slot, recorder(slot))
    window = main_window(qtbot, store, PWP)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    commands: dict[str, Command] = {c.slot: c for menu in MENUS for c in menu.commands()}
    for slot in SLOTS:
        press(qtbot, window, commands[slot].keys)
    assert ran == [slot for slot in SLOTS if slot not in ROLE_ONLY]
    assert not any(menu_of(title).isVisible() for title in window.menuBar().actions())

    ran.clear()
    window.lock()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    for slot in SLOTS:
        press(qtbot, window, commands[slot].keys)
    assert ran == [slot for slot in SLOTS if slot in WHILE_LOCKED]


def test_f1_shows_every_menu_and_every_key_window_by_window(qtbot, store) -> None:
    from triage.ui.keyboard_help import KeyboardHelp

    window = main_window(qtbot, store, PWP)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    read: list[str] = []

    def read_and_close(sheet: KeyboardHelp) -> None:
        read.append(sheet.text.toPlainText())
        qtbot.keyClick(sheet.text, Qt.Key.Key_Escape)

    when_modal(qtbot, KeyboardHelp, read_and_close)
    press(qtbot, window, "F1")
    assert len(read) == 1
    for where, parts in [*keymap.menu_rows(), *keymap.key_rows()]:
        assert where in read[0] and all(part in read[0] for part in parts), where


ACCOUNT_MENU = [menu.title for menu in MENUS].index("&My account")


def test_an_ampersand_in_a_name_is_shown_in_the_account_menu_and_is_no_access_key(qtbot, store) -> None:
    window = main_window(qtbot, store, User("sj", "Smith & Jones", "pwp"))
    first = menu_of(window.menuBar().actions()[ACCOUNT_MENU]).actions()[0]
    assert first.text() == "Logged in: Smith && Jones (PWP)" and not first.isEnabled()
    assert QKeySequence.mnemonic(first.text()).isEmpty()


@pytest.mark.parametrize("page", PAGES)
def test_who_is_logged_in_shows_on_every_page_and_heads_the_account_menu(qtbot, store, page) -> None:
    window = main_window(qtbot, store)
    shown_page(page, window, store)
    label = window.statusBar().findChild(QLabel, "logged-in")
    assert label is not None and label.isVisible() and label.text() == "Logged in: team.leader (Team leader)"
    assert menu_of(window.menuBar().actions()[ACCOUNT_MENU]).actions()[0].text() == label.text()


@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")  # offscreen popups
def test_a_menu_opens_by_its_access_key_and_runs_a_command_by_its_letter(qtbot, store, monkeypatch) -> None:
    """Alt+M opens My account, W chooses Switch user (a command with no shortcut of its own)."""
    ran: list[str] = []
    monkeypatch.setattr(MainWindow, "switch_user", lambda _window: ran.append("switch_user"))
    window = main_window(qtbot, store, PWP)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    account = menu_of(window.menuBar().actions()[ACCOUNT_MENU])
    press(qtbot, window, "Alt+M")
    qtbot.waitUntil(account.isVisible)
    qtbot.keyClick(account, Qt.Key.Key_W)
    qtbot.waitUntil(lambda: ran == ["switch_user"])
    assert not account.isVisible()
