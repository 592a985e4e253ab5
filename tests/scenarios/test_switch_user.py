"""Switch user on a shared practice PC, by keyboard (defect 12): Priya, a PWP, logs in through the login
window, opens a referral and types answers; the window locks while she is away, still saying who is
logged in; Ben chooses Switch user (Alt+S) and logs in; her screening is neither in his drafts nor
opened for him (the services refuse, audited); he logs out (Ctrl+Shift+Q); Priya logs back in and
resumes her draft (Ctrl+R) with every answer she typed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from shiboken6 import isValid

from tests.users import CHEAP_KDF

from .shared_pc import (
    NAMES,
    active,
    audit_actions,
    log_in,
    open_the_referral,
    press,
    screening_started,
    set_up,
)

PHQ9_TYPED = "2112"  # the first four PHQ-9 items, a digit each


def test_switch_user_keeps_the_draft_for_its_owner_only(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append(text))
    pc = set_up(tmp_path)

    priya = screening_started(qtbot, pc, "priya", PHQ9_TYPED)

    priya.idle_monitor.timer.setInterval(200)  # the idle lock, as after five minutes away
    priya.idle_monitor.timer.start()
    qtbot.waitUntil(lambda: priya.locked, timeout=5000)
    label = priya.statusBar().findChild(QLabel, "logged-in")
    assert label is not None and label.isVisible() and label.text() == f"Logged in: {NAMES['priya']} (PWP)"
    assert priya.lock_page.switch.isVisible()
    active(qtbot, priya)
    press(qtbot, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # S&witch user

    qtbot.waitUntil(lambda: pc.sessions.window is None and pc.sessions.login_dialog is not None)
    assert not isValid(priya) or not priya.isVisible()  # her window is gone, not just covered
    ben = log_in(qtbot, pc, "ben")
    assert ben.home.drafts.count() == 0  # not in his list
    open_the_referral(qtbot, ben)  # he may open the referral, but not her half-done screening
    assert ben.screening is None and told and "another user" in told[-1]
    assert ("ben", "permission_denied") in audit_actions(ben, "draft", pc.referral_id)
    assert ("priya", "logout") in audit_actions(ben, "user_account", "priya")
    press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # Log out

    qtbot.waitUntil(lambda: pc.sessions.window is None and pc.sessions.login_dialog is not None)
    priya = log_in(qtbot, pc, "priya")
    assert priya.home.drafts.count() == 1
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # resume the draft
    assert priya.screening is not None and priya.referral_id == pc.referral_id
    assert priya.screening.phq9.answers()[:4] == [int(d) for d in PHQ9_TYPED]
    assert ("ben", "logout") in audit_actions(priya, "user_account", "ben")
    assert pc.left == []  # the app never ended
    priya.close()
    pc.sessions.window = None
    priya.store.close()
