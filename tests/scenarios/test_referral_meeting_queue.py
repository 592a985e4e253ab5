"""The referral meeting's queue in the app, by keyboard (issue 16, items 1, 6 and 7).

A PWP screens a referral (a PTSD case, typed key by key), finds it in the list and sends it to the
referral meeting from the Meeting menu (Alt+G, then M) with a question for the team; an empty question
is refused in words naming the field, and nothing is sent. A team leader opens the queue by
Ctrl+Shift+M and reads each referral by its reference and initials (never a name), why it is there,
its question and who screened it; Alt+Down moves the selected referral down, the new order is stored
and the selection follows it. A PWP is offered no queue command, and the services refuse the PWP the
queue whatever the menu shows. The supervision queue shows a flagged referral to its screener's
supervisor only. The queue dialog is photographed at 1280×720 (/tmp/queue-1280.png).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMenu
from sqlalchemy import func, select

from tests.keys import answer, focused, press, when_modal
from tests.scenarios.clinical import ALT, CTRL, confirm, main_window, none_in_section_6, section, to
from tests.scenarios.test_journey_by_keyboard import act, select_in_list
from tests.scenarios.test_live_call_risk_and_mus import answer_up_to_risk, open_new_referral
from tests.store.test_letters_store import decided
from tests.store.test_screenings import ANSWERS
from tests.users import ADMIN, PWP, as_leader, as_pwp
from triage.services import get_referral
from triage.services.meeting_queue import (
    meeting_queue,
    move_in_queue,
    send_to_meeting,
    set_supervisor,
    supervision_queue,
)
from triage.services.meeting_types import QUEUE_REASON_TEXT
from triage.services.permissions import PermissionDenied
from triage.services.users import add_account
from triage.store import Store
from triage.store.models import Meeting
from triage.ui.main_window import MainWindow
from triage.ui.meeting_queue_dialog import MeetingQueueDialog
from triage.ui.meeting_queue_model import COLUMNS
from triage.ui.send_to_meeting_dialog import SendToMeetingDialog

OFFSCREEN_POPUPS = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")
QUESTION = "Step 3 straight away, or guided self-help first while the trauma history is explored?"
LEADER = as_leader("lead.one")
SHOT = "/tmp/queue-1280.png"


def in_dialog(qtbot, kind: type[QDialog], keys: Callable[[], None], steps: Callable[[Any], None]) -> None:  # type: ignore[no-untyped-def]
    """``keys`` opens a modal dialog of ``kind``; in it, ``steps``; then Escape closes it (and it is closed
    whatever happened, so a failed step cannot leave the test waiting in its modal loop)."""
    done: list[bool] = []

    def run(dialog: QDialog) -> None:
        try:
            qtbot.waitUntil(lambda: dialog.isActiveWindow() or QApplication.focusWidget() is not None)
            steps(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()
            done.append(True)

    when_modal(qtbot, kind, run)
    keys()
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    qtbot.waitUntil(lambda: not isinstance(QApplication.activeModalWidget(), kind))


def from_meeting_menu(qtbot, window: MainWindow, letter: Qt.Key) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """Alt+G opens the Meeting menu; ``letter`` chooses its command."""

    def keys() -> None:
        menu = meeting_menu(window)
        press(qtbot, Qt.Key.Key_G, ALT)
        qtbot.waitUntil(menu.isVisible)
        qtbot.keyClick(menu, letter)

    return keys


def meeting_menu(window: MainWindow) -> QMenu:
    title = next(action for action in window.menuBar().actions() if action.text() == "Meetin&g")
    menu = title.menu()
    assert isinstance(menu, QMenu)
    return menu


def shown(dialog: MeetingQueueDialog) -> list[dict[str, str]]:
    """The table as it reads, a row a referral, by column heading."""
    model = dialog.table.model()
    return [{COLUMNS[c]: model.data(model.index(r, c)) for c in range(model.columnCount())}
            for r in range(model.rowCount())]  # fmt: skip


def screen_ptsd_by_keyboard(qtbot, window: MainWindow, store: Store) -> str:  # type: ignore[no-untyped-def]
    """A PTSD case typed key by key and confirmed; the letters it offers closed by Escape."""
    referral_id, _page = open_new_referral(qtbot, window, store, serial=11)
    answer_up_to_risk(qtbot, "1")
    answer(qtbot, "Po")  # Post-traumatic stress disorder (PTSD)
    none_in_section_6(qtbot)
    section(qtbot, 7)
    letters = confirm(qtbot, window)
    qtbot.keyClick(letters, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not letters.isVisible())
    return referral_id


@OFFSCREEN_POPUPS
def test_a_pwp_sends_a_referral_with_a_question_and_a_team_leader_reads_and_reorders_the_queue(
    qtbot, store: Store, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    earlier, _ = decided(store, serial=12, referral={"family_name": "Queueearlier"})
    send_to_meeting(store, as_pwp("pwp"), earlier, "Is the CMHT the right place?")  # already waiting
    referral_id = screen_ptsd_by_keyboard(qtbot, window, store)
    referral = get_referral(store, PWP, referral_id)
    select_in_list(qtbot, window, referral.person.family_name)
    said: list[str] = []

    def ask(dialog: SendToMeetingDialog) -> None:
        to(qtbot, dialog.question)
        act(qtbot, Qt.Key.Key_S, dialog.send_button)  # nothing typed: refused, naming the field
        said.append(dialog.message.text())
        assert dialog.isVisible() and [e.referral_id for e in meeting_queue(store, LEADER)] == [earlier]
        press(qtbot, Qt.Key.Key_Q, ALT)
        assert focused() is dialog.question
        qtbot.keyClicks(dialog.question, QUESTION)
        act(qtbot, Qt.Key.Key_S, dialog.send_button)

    in_dialog(qtbot, SendToMeetingDialog, from_meeting_menu(qtbot, window, Qt.Key.Key_M), ask)
    assert said and said[0].startswith("Not sent: question:"), said
    queue = meeting_queue(store, LEADER)
    assert [e.referral_id for e in queue] == [earlier, referral_id]
    sent = queue[1]
    assert "sent" in sent.reasons and sent.question == QUESTION
    assert (sent.sent_by, sent.screened_by) == ("pwp.tester", "pwp.tester")

    leader = main_window(qtbot, store, LEADER)
    rows: list[list[dict[str, str]]] = []
    selected: list[int | None] = []

    def reorder(dialog: MeetingQueueDialog) -> None:
        to(qtbot, dialog.table)
        rows.append(shown(dialog))
        dialog.resize(1280, 720)  # the laptop on the projector
        QApplication.processEvents()
        dialog.grab().save(SHOT)
        assert dialog.selected_row() == 0
        press(qtbot, Qt.Key.Key_Down)  # to the referral just sent
        press(qtbot, Qt.Key.Key_Up)  # and back to the first
        press(qtbot, Qt.Key.Key_Down, ALT)  # the first moves down
        rows.append(shown(dialog))
        selected.append(dialog.selected_row())
        press(qtbot, Qt.Key.Key_Return)  # opens nothing here
        assert QApplication.activeModalWidget() is dialog

    in_dialog(qtbot, MeetingQueueDialog, lambda: press(qtbot, Qt.Key.Key_M, CTRL | Qt.KeyboardModifier.ShiftModifier),
              reorder)  # fmt: skip
    before, after = rows
    assert [row["Reference"] for row in before] == [get_referral(store, PWP, earlier).reference, referral.reference]
    mine = before[1]
    assert mine["Why"] == QUEUE_REASON_TEXT["sent"] and mine["Question for the team"] == QUESTION
    assert mine["Screened by"] == "pwp.tester" and mine["#"] == "2"
    assert mine["Initials"] == sent.initials
    names = (referral.person.family_name, referral.person.given_name)
    assert not any(name in cell for row in before for cell in row.values() for name in names)  # initials only
    assert [row["Reference"] for row in after] == [referral.reference, get_referral(store, PWP, earlier).reference]
    assert [row["#"] for row in after] == ["1", "2"]
    assert selected == [1]  # the selection followed the referral moved
    assert [e.referral_id for e in meeting_queue(store, LEADER)] == [referral_id, earlier]  # stored
    leader.close()


def test_a_pwp_is_offered_no_queue_and_the_services_refuse_it_but_may_send(qtbot, store: Store, window: MainWindow):  # type: ignore[no-untyped-def]
    referral_id, _ = decided(store, serial=21)
    offered = {action.text(): action.isEnabled() for action in meeting_menu(window).actions()}
    assert offered == {"Referral meeting &queue…": False, "&Open a meeting…": False, "&Supervision queue…": False,
                       "Send to the referral &meeting…": True, "&Follow a meeting I attend…": True}  # fmt: skip
    press(qtbot, Qt.Key.Key_M, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert not isinstance(QApplication.activeModalWidget(), MeetingQueueDialog)
    for refused in (lambda: meeting_queue(store, PWP), lambda: supervision_queue(store, PWP),
                    lambda: move_in_queue(store, PWP, referral_id, 1),
                    lambda: send_to_meeting(store, ADMIN, referral_id, "A question")):  # fmt: skip
        with pytest.raises(PermissionDenied):
            refused()
    send_to_meeting(store, PWP, referral_id, "A question")  # a PWP may send
    leader = main_window(qtbot, store, LEADER)
    offered = {action.text(): action.isEnabled() for action in meeting_menu(leader).actions()}
    assert all(offered.values()), offered
    assert [e.referral_id for e in meeting_queue(store, LEADER)] == [referral_id]
    move_in_queue(store, LEADER, referral_id, 1)  # a team leader may reorder
    leader.close()


@OFFSCREEN_POPUPS
def test_the_supervision_queue_shows_a_flagged_referral_to_its_supervisor_only(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    with store.write() as session:
        for name, role in (("pwp", "pwp"), ("lead.one", "team_leader"), ("lead.two", "team_leader")):
            add_account(session, name, name, role, "a long enough password 1", actor="setup")
    set_supervisor(store, ADMIN, "pwp", "lead.one")  # decided() screens as "pwp"
    flagged, _ = decided(store, {**ANSWERS, "discuss_in_supervision": True}, serial=31)
    decided(store, serial=32)  # not flagged
    reference = get_referral(store, PWP, flagged).reference
    assert [e.referral_id for e in supervision_queue(store, LEADER)] == [flagged]
    assert supervision_queue(store, as_leader("lead.two")) == []

    seen: dict[str, list[dict[str, str]]] = {}
    for who in ("lead.one", "lead.two"):
        window = main_window(qtbot, store, as_leader(who))

        def read(dialog: MeetingQueueDialog, who: str = who) -> None:
            seen[who] = shown(dialog)
            seen[who + " says"] = [{"empty": dialog.empty.text() if dialog.empty.isVisibleTo(dialog) else ""}]
            assert dialog.meeting_button is None and dialog.up_button is None  # read only

        in_dialog(qtbot, MeetingQueueDialog, from_meeting_menu(qtbot, window, Qt.Key.Key_S), read)
        window.close()
    assert [row["Reference"] for row in seen["lead.one"]] == [reference]
    assert seen["lead.one"][0]["Why"].startswith(QUEUE_REASON_TEXT["supervision"])
    assert seen["lead.one says"] == [{"empty": ""}]
    assert seen["lead.two"] == [] and seen["lead.two says"] == [
        {"empty": "No referral is flagged to discuss in supervision with you."}]  # fmt: skip


def test_an_empty_queue_says_so(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    from triage.ui.meeting_queue_dialog import meeting_queue_dialog

    dialog = meeting_queue_dialog(store, LEADER)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.model().rowCount() == 0
    assert dialog.empty.isVisible() and dialog.empty.text() == "No referral is waiting for the referral meeting."


@OFFSCREEN_POPUPS
def test_open_a_meeting_from_the_queue_and_from_the_menu(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    """Alt+O in the queue closes it and the window asks for the meeting's date, chair and attendees (the
    meeting's own dialog); so does the Meeting menu's Open (Alt+G, O). Escape there opens no meeting."""
    from triage.ui.meeting_open_dialog import MeetingOpenDialog

    referral_id, _ = decided(store, serial=41)
    send_to_meeting(store, PWP, referral_id, "A question")
    window = main_window(qtbot, store, LEADER)
    asked: list[str] = []
    when_modal(qtbot, MeetingOpenDialog, lambda dialog: (asked.append("from the queue"), dialog.reject()))

    def open_from_queue(dialog: MeetingQueueDialog) -> None:
        to(qtbot, dialog.table)
        assert dialog.meeting_button is not None
        act(qtbot, Qt.Key.Key_O, dialog.meeting_button)

    in_dialog(qtbot, MeetingQueueDialog, lambda: press(qtbot, Qt.Key.Key_M, CTRL | Qt.KeyboardModifier.ShiftModifier),
              open_from_queue)  # fmt: skip
    qtbot.waitUntil(lambda: asked == ["from the queue"], timeout=10_000)
    to(qtbot, window.home.table)
    in_dialog(qtbot, MeetingOpenDialog, from_meeting_menu(qtbot, window, Qt.Key.Key_O), lambda d: asked.append("menu"))
    assert asked == ["from the queue", "menu"]
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 0  # Escape: no meeting opened
    window.close()
