"""Change my password, Log out and Quit, by keyboard (defect 12): Priya logs in, starts a screening,
changes her own password (Ctrl+Shift+P: current, new, new again, Return), logs out (Ctrl+Shift+Q); her
old password no longer logs her in, the new one does, and her screening waits in her drafts with her
answers. Quitting (Ctrl+Q) logs her out too, audited as Log out is."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from shiboken6 import isValid

from tests.users import CHEAP_KDF
from triage.services.login import WRONG
from triage.ui.account_menu import ChangePasswordForm

from .shared_pc import (
    PASSWORDS,
    active,
    audit_actions,
    log_in,
    press,
    screening_started,
    set_up,
    when_modal,
)

NEW_PASSWORD = "a brand new passphrase"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_change_my_password_then_log_out_and_in_with_it(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    pc = set_up(tmp_path)
    priya = screening_started(qtbot, pc, "priya", "31")

    changed: list[int] = []

    def change(form: ChangePasswordForm) -> None:
        # Keys go to each field: offscreen, a modal opened from a shortcut is not always made the
        # active window, so the focus widget may still be the main window's.
        qtbot.keyClicks(form.current, PASSWORDS["priya"])
        qtbot.keyClicks(form.password, NEW_PASSWORD)
        qtbot.keyClicks(form.confirm, NEW_PASSWORD)
        form.finished.connect(changed.append)
        qtbot.keyClick(form.confirm, Qt.Key.Key_Return)

    when_modal(qtbot, ChangePasswordForm, change)
    press(qtbot, Qt.Key.Key_P, CTRL_SHIFT)  # Change my password
    assert changed == [1]  # accepted: the dialog's exec() has returned
    assert ("priya", "password_change") in audit_actions(priya, "user_account", "priya")

    active(qtbot, priya)  # shortcuts reach the active window only; the closed dialog left none
    press(qtbot, Qt.Key.Key_Q, CTRL_SHIFT)  # Log out
    qtbot.waitUntil(lambda: pc.sessions.window is None and pc.sessions.login_dialog is not None)
    dialog = pc.sessions.login_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.username, "priya")
    qtbot.keyClicks(dialog.password, PASSWORDS["priya"])  # the old one
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.message.isVisible, timeout=20_000)
    assert dialog.message.text() == WRONG and pc.sessions.window is None
    dialog.username.clear()
    dialog.password.clear()
    dialog.username.setFocus()

    priya = log_in(qtbot, pc, "priya", NEW_PASSWORD)
    assert ("priya", "logout") in audit_actions(priya, "user_account", "priya")
    assert priya.home.drafts.count() == 1
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert priya.screening is not None and priya.screening.phq9.answers()[:2] == [3, 1]
    assert pc.left == []
    priya.close()
    priya.store.close()


def test_quit_logs_out_as_log_out_does_and_keeps_the_draft(qtbot, tmp_path: Path, monkeypatch) -> None:
    """Ctrl+Q from the middle of a screening: the app ends (no login window for a next person), the logout
    is in the audit trail as Log out leaves it, and the answers wait in Priya's drafts the next time."""
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    pc = set_up(tmp_path)
    priya = screening_started(qtbot, pc, "priya", "31")

    press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # Quit
    qtbot.waitUntil(lambda: pc.left == [0])  # the app was told to end, with success
    assert pc.sessions.window is None and pc.sessions.login_dialog is None  # nobody asked to log in
    assert not isValid(priya) or not priya.isVisible()

    pc.sessions.show_login()  # the app started again
    priya = log_in(qtbot, pc, "priya")
    events = audit_actions(priya, "user_account", "priya")
    # the set-up's own login (her referral is made under her own key), then this session's three
    assert [action for who, action in events if who == "priya" and action in ("login", "logout")] == [
        "login", "login", "logout", "login"]  # fmt: skip
    assert priya.home.drafts.count() == 1
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert priya.screening is not None and priya.screening.phq9.answers()[:2] == [3, 1]
    priya.close()
    priya.store.close()
