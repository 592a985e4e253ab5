"""A PWP listed at an open referral meeting follows it on their own screen (issue 16, item 7): Meeting >
Follow a meeting I attend (Alt+G, F) opens the presenter view of that meeting's cases, by reference
and initials; Page Down moves on; Ctrl+Shift+N reveals the shown case's name, audited as theirs. A PWP
not listed at the meeting is told so and shown nothing, and the services refuse them."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from tests.keys import press, when_modal
from tests.scenarios.clinical import ALT, CTRL, main_window, to
from tests.scenarios.test_referral_meeting import CHAIR, OFFSCREEN_POPUPS, accounts, full_name, texts, three_referrals
from triage.services.meetings import MeetingInput, meeting_cases, open_meeting
from triage.services.permissions import PermissionDenied, User
from triage.store import Store
from triage.store.models import AuditEvent
from triage.ui.presenter_view import PresenterView

SHIFT = Qt.KeyboardModifier.ShiftModifier
LISTED = User("pwp.one", "Pat One", "pwp")
NOT_LISTED = User("pwp.three", "Kit Three", "pwp")


def a_meeting(store: Store) -> str:
    return open_meeting(
        store, CHAIR, MeetingInput(held_on=date.today(), chair=CHAIR.username, attendees=(LISTED.username,))
    )


def follow(qtbot, store: Store, user: User) -> None:  # type: ignore[no-untyped-def]
    window = main_window(qtbot, store, user)
    menu = next(a for a in window.menuBar().actions() if a.text() == "Meetin&g").menu()
    press(qtbot, Qt.Key.Key_G, ALT)
    qtbot.waitUntil(menu.isVisible)
    qtbot.keyClick(menu, Qt.Key.Key_F)


def presenters() -> list[PresenterView]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, PresenterView) and w.isVisible()]


@OFFSCREEN_POPUPS
def test_an_attendee_follows_the_meeting_by_initials_and_a_reveal_is_audited_as_theirs(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    accounts(store)
    ids = three_referrals(store)
    meeting_id = a_meeting(store)
    names = {full_name(store, referral_id) for referral_id in ids.values()}
    follow(qtbot, store, LISTED)
    qtbot.waitUntil(lambda: bool(presenters()))
    (view,) = presenters()
    qtbot.addWidget(view)
    first = view.followed.cases[0]  # type: ignore[attr-defined]
    assert first.reference in texts(view) and "case 1 of 3" in texts(view)
    assert not any(name in texts(view) for name in names)
    to(qtbot, view)  # the presenter's own window has the keyboard
    press(qtbot, Qt.Key.Key_PageDown)
    second = view.followed.cases[1]  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: second.reference in texts(view) and "case 2 of 3" in texts(view))
    press(qtbot, Qt.Key.Key_N, CTRL | SHIFT)
    name = full_name(store, second.referral_id)
    qtbot.waitUntil(lambda: name in texts(view))
    with store.read() as session:
        reveals = [e for e in session.scalars(select(AuditEvent)) if "revealed" in e.summary]
    assert [(e.actor, e.entity_id, meeting_id in e.summary) for e in reveals] == [
        (LISTED.username, second.referral_id, True)
    ]
    press(qtbot, Qt.Key.Key_PageUp)  # back to the first case: by its initials again
    qtbot.waitUntil(lambda: "case 1 of 3" in texts(view))
    assert name not in texts(view)


@OFFSCREEN_POPUPS
def test_a_pwp_not_listed_is_told_so_shown_nothing_and_refused_by_the_services(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    accounts(store)
    three_referrals(store)
    meeting_id = a_meeting(store)
    told: list[str] = []
    when_modal(qtbot, QMessageBox, lambda box: (told.append(box.text()), box.accept()))
    follow(qtbot, store, NOT_LISTED)
    qtbot.waitUntil(lambda: bool(told), timeout=5000)
    assert told[0].startswith("You are not listed at an open referral meeting")
    assert presenters() == []
    with pytest.raises(PermissionDenied):
        meeting_cases(store, NOT_LISTED, meeting_id)
    assert [c.referral_id for c in meeting_cases(store, LISTED, meeting_id)] != []
