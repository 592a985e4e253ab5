"""The app's events are signed (issue 13 item 7): Priya logs in through the login window, answers on a
screening, changes her own password (Ctrl+Shift+P) and logs out (Ctrl+Shift+Q); every event of her
session is signed with her own key, which her password change keeps, and the signatures verify."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.users import CHEAP_KDF
from triage.store.audit import verify_audit_chain
from triage.store.models import AuditEvent, AuditKey
from triage.ui.account_menu import ChangePasswordForm

from .shared_pc import PASSWORDS, active, log_in, press, screening_started, set_up, when_modal
from .test_log_out import CTRL_SHIFT, NEW_PASSWORD


def test_every_event_of_an_app_session_is_signed_with_the_users_own_key(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    pc = set_up(tmp_path)
    priya = screening_started(qtbot, pc, "priya", "31")
    with priya.store.read() as session:
        started = session.scalar(select(AuditEvent.id).where(AuditEvent.actor == "priya", AuditEvent.action == "login"))
    key = priya.store.signer
    assert key is not None and key.username == "priya"

    def change(form: ChangePasswordForm) -> None:
        qtbot.keyClicks(form.current, PASSWORDS["priya"])
        qtbot.keyClicks(form.password, NEW_PASSWORD)
        qtbot.keyClicks(form.confirm, NEW_PASSWORD)
        qtbot.keyClick(form.confirm, Qt.Key.Key_Return)

    when_modal(qtbot, ChangePasswordForm, change)
    press(qtbot, Qt.Key.Key_P, CTRL_SHIFT)  # Change my password
    active(qtbot, priya)
    press(qtbot, Qt.Key.Key_Q, CTRL_SHIFT)  # Log out
    qtbot.waitUntil(lambda: pc.sessions.window is None and pc.sessions.login_dialog is not None)
    again = log_in(qtbot, pc, "priya", NEW_PASSWORD)
    assert again.store.signer is not None and again.store.signer.key_id == key.key_id  # her own key, kept

    with again.store.read() as session:
        hers = session.scalars(select(AuditEvent).where(AuditEvent.id >= started).order_by(AuditEvent.id)).all()
        keys = session.scalars(select(AuditKey).where(AuditKey.username == "priya")).all()
        problems = verify_audit_chain(session)
    actions = {e.action for e in hers}
    assert {"login", "create", "password_change", "logout"} <= actions, actions  # the draft saved as she typed
    assert all(e.actor == "priya" and e.signed_by == key.key_id for e in hers)
    assert [k.key_id for k in keys] == [key.key_id]
    assert not any(f"event {e.id}" in p or "unsigned" in p for e in hers for p in problems), problems
    again.close()
    again.store.close()
