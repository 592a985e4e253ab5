"""The window offers each role what it may do (the services check again, tests/store/test_permissions.py):
a PWP screens, a team leader also decides in the referral meeting, an admin sees no patient list."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.users import ADMIN, LEADER, PWP
from triage.services import create_referral, parse
from triage.services.inputs import ReferralInput
from triage.store.models import AuditEvent
from triage.ui.main_window import MainWindow

from .conftest import RULESET, SETTINGS
from .screening_keys import fill_complete, tick

PERSON = {"nhs_number": "9990000018", "given_name": "Alex", "family_name": "Example", "date_of_birth": "1986-03-14",
          "source": "self"}  # fmt: skip


def window_as(qtbot, store, user) -> MainWindow:
    window = MainWindow(store, RULESET, SETTINGS, user)
    qtbot.addWidget(window)
    window.show()
    return window


def enabled_actions(window: MainWindow) -> set[str]:
    return {a.text().replace("&", "") for a in window.menu_actions.values() if a.isEnabled()}


def test_each_role_is_offered_only_what_it_may_do(qtbot, store):
    pwp = enabled_actions(window_as(qtbot, store, PWP))
    assert {"New referral", "Search", "Resume draft", "Letters…"} <= pwp
    assert not {"Settings", "Audit trail…", "Users…"} & pwp
    admin_window = window_as(qtbot, store, ADMIN)
    admin = enabled_actions(admin_window)
    assert {"Settings", "Audit trail…", "Users…", "The matrix in force", "Quit"} <= admin
    assert not {"New referral", "Search", "Resume draft", "Letters…"} & admin
    assert (
        not admin_window.home.new_button.isEnabled() and "not part of the admin role" in admin_window.home.count.text()
    )


def test_a_team_leader_confirms_in_the_referral_meeting_and_the_trail_says_so(qtbot, store):
    referral = create_referral(store, PWP, parse(ReferralInput, {**PERSON, "received_on": date.today().isoformat()}))
    pwp_window = window_as(qtbot, store, PWP)
    pwp_window.open_referral(referral.id)
    assert pwp_window.screening is not None and not pwp_window.screening.in_meeting.isVisibleTo(pwp_window)
    pwp_window.close_screening()

    window = window_as(qtbot, store, LEADER)
    window.open_referral(referral.id)
    page = window.screening
    assert page is not None and page.in_meeting.isVisibleTo(window)
    assert page.in_meeting.accessibleName() == "Decided in the referral meeting"
    fill_complete(qtbot, page)
    tick(qtbot, page.in_meeting)
    qtbot.keyClick(page.confirm, Qt.Key.Key_Space)
    assert window.screening is None, page.problems.text()  # saved: back to the list
    with store.read() as session:
        decision = session.scalars(select(AuditEvent).where(AuditEvent.action == "decision")).one()
    assert decision.actor == LEADER.username and "in the referral meeting" in decision.summary


def test_the_admin_dialogs_open_from_the_window_and_not_while_locked(qtbot, store, monkeypatch):
    from triage.ui.audit_viewer import AuditViewer
    from triage.ui.users_dialog import UsersDialog

    shown: list[str] = []
    for dialog in (AuditViewer, UsersDialog):
        monkeypatch.setattr(dialog, "exec", lambda self: shown.append(type(self).__name__) or 0)
    window = MainWindow(store, RULESET, SETTINGS, ADMIN, unlock_check=lambda _typed: False)
    qtbot.addWidget(window)
    window.show()
    window.open_users()
    window.open_audit_trail()
    assert shown == ["UsersDialog", "AuditViewer"]
    window.lock()
    assert window.locked and not window.users_action.isEnabled()
    window.open_users()
    assert shown == ["UsersDialog", "AuditViewer"]
