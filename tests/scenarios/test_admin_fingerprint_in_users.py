"""An admin adds a second admin in Users by keyboard (Alt+A, the form typed field by field), then resets
that admin's password (Alt+R): each time the message gives the new admin key's fingerprint on a line of
its own, the one the store holds and `db verify` prints, for the paper kept with the recovery key
(docs/access.md). A PWP's reset gives none."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible

from tests.keys import focused, press, when_modal
from tests.scenarios.clinical import ALT, to
from tests.ui.test_users_dialog import Accounts, choose, dialog_for, fast_kdf, team  # noqa: F401 - fixtures
from triage.store.signing import active_key, fingerprint
from triage.ui.account_forms import AccountForm, AddUserForm, PasswordForm

PASSWORD = "second admin password"


def fill_by_keyboard(qtbot, dialog, kind: type[AccountForm], mnemonic: Qt.Key, fields: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Open the form with Alt+``mnemonic`` and type ``fields`` one after another, Tab between, Return."""
    done: list[bool] = []

    def steps(form: AccountForm) -> None:
        try:
            for number, text in enumerate(fields):
                if number:
                    press(qtbot, Qt.Key.Key_Tab)
                qtbot.keyClicks(focused(), text)
            press(qtbot, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: not form.isVisible())
        finally:
            if form.isVisible():
                form.reject()
            done.append(True)

    when_modal(qtbot, kind, steps)
    to(qtbot, dialog.table)
    press(qtbot, mnemonic, ALT)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)


def key_of(accounts: Accounts, username: str) -> str:
    with accounts.store.read() as session:
        key = active_key(session, username)
        assert key is not None
        return fingerprint(key.key_id)


def heard(dialog) -> str:  # type: ignore[no-untyped-def]
    """What a screen reader reads of the message: its accessible name and text."""
    face = QAccessible.queryAccessibleInterface(dialog.status)
    assert face is not None
    return f"{face.text(QAccessible.Text.Name)}: {face.text(QAccessible.Text.Value) or dialog.status.text()}"


def test_a_new_admin_and_an_admin_reset_show_the_key_fingerprint_for_the_paper(qtbot, team: Accounts) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    dialog = dialog_for(qtbot, team)
    fill_by_keyboard(qtbot, dialog, AddUserForm, Qt.Key.Key_A, ["jo.admin", "Jo Second Admin", "A", PASSWORD, PASSWORD])
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Added jo.admin as Admin."))
    added = key_of(team, "jo.admin")
    assert dialog.status.text().endswith(f"for the paper kept with the recovery key:\n{added}")
    assert heard(dialog).startswith("What happened: Added jo.admin as Admin.")

    assert dialog.selected_username() == "jo.admin"
    fill_by_keyboard(qtbot, dialog, PasswordForm, Qt.Key.Key_R, ["another long password"] * 2)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Set a new password for jo.admin"))
    reset = key_of(team, "jo.admin")
    assert reset != added and dialog.status.text().endswith(f"the recovery key:\n{reset}")

    choose(dialog, "pwp.one")
    fill_by_keyboard(qtbot, dialog, PasswordForm, Qt.Key.Key_R, ["a third long password"] * 2)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Set a new password for pwp.one"))
    assert "fingerprint" not in dialog.status.text()  # a PWP's key is no anchor of the trail
