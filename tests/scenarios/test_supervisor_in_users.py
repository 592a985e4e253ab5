"""An admin names an account's supervisor in Users (Alt+S), by keyboard: the supervision queue of that
team leader then holds the account's flagged referrals (issue 15 item 4, issue 16 item 6)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.keys import focused, press, when_modal
from tests.scenarios.clinical import ALT, to
from tests.ui.test_users_dialog import Accounts, audited, choose, dialog_for, fast_kdf, team  # noqa: F401 - fixtures
from triage.services.users import list_users
from triage.ui.account_forms import SupervisorForm


def set_by_keyboard(qtbot, dialog, keys: str) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def steps(form: SupervisorForm) -> None:
        try:
            qtbot.waitUntil(lambda: focused() is form.supervisor)
            seen.append(form.supervisor.currentText())
            qtbot.keyClicks(form.supervisor, keys)
            press(qtbot, Qt.Key.Key_E, ALT)
            qtbot.waitUntil(lambda: not form.isVisible())  # the button's click lands once its animation ends
        finally:
            if form.isVisible():
                form.reject()

    when_modal(qtbot, SupervisorForm, steps)
    to(qtbot, dialog.table)
    press(qtbot, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    return seen


def test_an_admin_names_and_removes_a_supervisor_by_keyboard(qtbot, team: Accounts) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    dialog = dialog_for(qtbot, team)
    choose(dialog, "pwp.one")
    assert set_by_keyboard(qtbot, dialog, "L") == ["No supervisor"]  # the first letter of Lee Lead
    qtbot.waitUntil(lambda: "supervisor is now lead.one" in dialog.status.text())
    supervisors = {info.username: info.supervisor for info in list_users(team.store, team.admin)}
    assert supervisors["pwp.one"] == "lead.one"
    assert any(e[1] == "pwp.one" and "supervisor set to lead.one" in e[2] for e in audited(team, "update"))

    choose(dialog, "pwp.one")
    assert set_by_keyboard(qtbot, dialog, "N") == ["Lee Lead (lead.one)"]  # shown as it is now; N: No supervisor
    qtbot.waitUntil(lambda: "supervisor is now nobody" in dialog.status.text())
    assert {i.username: i.supervisor for i in list_users(team.store, team.admin)}["pwp.one"] is None
