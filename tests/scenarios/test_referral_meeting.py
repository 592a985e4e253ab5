"""A whole referral meeting in the app, by keyboard alone (issue 16, items 2, 3 and 5).

Three referrals wait for the team, made through the services: one at high risk, one a PWP sent with a
question, one where the screener overrode the matrix. A team leader opens a meeting from the Meeting
menu (Alt+G, O): the date typed, the chair (the leader, chosen to begin with), two attendees ticked by
Space in the accounts' list, a guest typed. The control window lists the three cases in the queue's
order; Alt+P puts the presenter view up (a window of its own on one screen). The team presents the
three cases: the high-risk one is deferred with a reason (Alt+F, Alt+D), the sent one's recommendation
confirmed (Alt+C), the overridden one given another route with a reason (Alt+R, Alt+E, Alt+A); after
each outcome the presenter moves on to the next case. Alt+L closes the meeting (asked first), and its
minutes are saved as a PDF under a name with no patient data.

Then: the stored decisions are the meeting's, with its attendees; the closed meeting refuses a further
decision (the lock); the minutes' text is the golden file's (tests/scenarios/golden, regenerated as the
letters' are: TRIAGE_REGENERATE_GOLDEN=1); the audit trail has the opening, each outcome, the reveal
and the closing. And the presenter shows no full name until Ctrl+Shift+N, which is audited. The
control window and the presenter are photographed at 1280×720 (/tmp/meeting-control-1280.png,
/tmp/meeting-presenter-1280.png).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QTextEdit, QWidget
from sqlalchemy import select

from tests.keys import focused, press, when_modal
from tests.letters.cases import golden_text, matches_golden, page_texts
from tests.scenarios.clinical import ALT, CTRL, down_to, main_window, to
from tests.scenarios.test_journey_by_keyboard import act
from tests.store.test_letters_store import decided
from tests.store.test_referral_record import HIGH_RISK, REASON
from tests.store.test_screenings import ANSWERS
from tests.users import ADMIN, as_pwp
from triage.services import get_referral
from triage.services.inputs import DecisionInput
from triage.services.meeting_queue import send_to_meeting
from triage.services.meetings import decide_in_meeting, meeting_info
from triage.services.permissions import User
from triage.services.users import add_user
from triage.store import Store
from triage.store.errors import StoreError
from triage.store.models import AuditEvent
from triage.ui.main_window import MainWindow
from triage.ui.meeting_open_dialog import MeetingOpenDialog
from triage.ui.meeting_window import MeetingWindow
from triage.ui.presenter_view import PresenterView

OFFSCREEN_POPUPS = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")
GOLDEN = Path(__file__).resolve().parent / "golden" / "referral-meeting.minutes.txt"
SHIFT = Qt.KeyboardModifier.ShiftModifier
CHAIR = User("lead.one", "Lena Lead", "team_leader")
ACCOUNTS = (("lead.one", "Lena Lead", "team_leader"), ("pwp.one", "Pat One", "pwp"), ("pwp.two", "Sam Two", "pwp"),
            ("pwp.three", "Kit Three", "pwp"))  # fmt: skip
GUEST = "Dr Grace Visitor"
QUESTION = "Step 3 straight away, or guided self-help first while the history is explored?"
DEFERRED = "Waiting for the crisis team's assessment notes"
CHANGED = "Two earlier step 2 courses did not help; the team agrees step 3"
FAMILIES = {"high": "Meetinghigh", "sent": "Meetingsent", "override": "Meetingover"}


def three_referrals(store: Store) -> dict[str, str]:
    """The three that wait for the team, by what brought each to the queue: {kind: referral id}."""
    high, _ = decided(store, HIGH_RISK, serial=40, referral={"family_name": FAMILIES["high"]}, override_reason=REASON)
    sent, _ = decided(store, serial=45, referral={"family_name": FAMILIES["sent"]})
    send_to_meeting(store, as_pwp("pwp"), sent, QUESTION)
    override, _ = decided(store, serial=50, referral={"family_name": FAMILIES["override"]}, confirmed_route="cmht",
                          confirmed_step=None, override_reason="The GP asks for the CMHT")  # fmt: skip
    return {"high": high, "sent": sent, "override": override}


def accounts(store: Store) -> None:
    for username, name, role in ACCOUNTS:
        add_user(store, ADMIN, username, name, role, f"{username} password here")


def texts(widget: QWidget) -> str:
    """Everything a widget shows in words: its labels' and its text boxes' text."""
    parts = [label.text() for label in widget.findChildren(QLabel)]
    parts += [box.toPlainText() for box in widget.findChildren(QTextEdit)]
    return "\n".join(parts)


def full_name(store: Store, referral_id: str) -> str:
    person = get_referral(store, CHAIR, referral_id).person
    return f"{person.given_name} {person.family_name}"


def open_the_meeting(qtbot, window: MainWindow, held_on: date) -> MeetingWindow:  # type: ignore[no-untyped-def]
    """Alt+G, O: the dialog typed into; Alt+O opens the meeting, and its control window comes."""
    done: list[bool] = []

    def steps(dialog: MeetingOpenDialog) -> None:
        try:
            to(qtbot, dialog.held_on)
            press(qtbot, Qt.Key.Key_D, ALT)
            press(qtbot, Qt.Key.Key_A, CTRL)
            qtbot.keyClicks(focused(), held_on.strftime("%d/%m/%Y"))
            press(qtbot, Qt.Key.Key_H, ALT)
            assert focused() is dialog.chair and dialog.chair.currentText() == "Lena Lead"  # the leader opening
            press(qtbot, Qt.Key.Key_A, ALT)
            assert focused() is dialog.attendees
            for name in ("Pat One", "Sam Two"):
                while not dialog.attendees.currentItem().text().startswith(name):
                    press(qtbot, Qt.Key.Key_Down)
                press(qtbot, Qt.Key.Key_Space)
            press(qtbot, Qt.Key.Key_G, ALT)
            qtbot.keyClicks(focused(), GUEST)
            act(qtbot, Qt.Key.Key_O, dialog.open_button)
            assert not dialog.isVisible(), dialog.problems.text()
        finally:
            if dialog.isVisible():
                dialog.reject()
            done.append(True)

    when_modal(qtbot, MeetingOpenDialog, steps)
    menu = next(a for a in window.menuBar().actions() if a.text() == "Meetin&g").menu()
    press(qtbot, Qt.Key.Key_G, ALT)
    qtbot.waitUntil(menu.isVisible)
    qtbot.keyClick(menu, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    qtbot.waitUntil(lambda: any(isinstance(w, MeetingWindow) and w.isVisible() for w in QApplication.topLevelWidgets()))
    control = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MeetingWindow) and w.isVisible())
    to(qtbot, control.cases)
    return control


def presenter_of(control: MeetingWindow) -> PresenterView:
    assert control.presenter is not None and control.presenter.isVisible(), "the presenter view is not up"
    return control.presenter


def yes(qtbot, then: Callable[[], None] = lambda: None) -> Callable[[QMessageBox], None]:  # type: ignore[no-untyped-def]
    """A question answered Yes by keyboard (Alt+Y, once the box has the focus); then ``then``."""

    def answer(box: QMessageBox) -> None:
        button = box.button(QMessageBox.StandardButton.Yes)
        assert button is not None, box.text()
        to(qtbot, button)
        with qtbot.waitSignal(button.clicked, timeout=3000):
            press(qtbot, Qt.Key.Key_Y, ALT)
        then()

    return answer


@OFFSCREEN_POPUPS
def test_a_team_leader_runs_a_whole_meeting_by_keyboard(qtbot, store: Store, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    accounts(store)
    ids = three_referrals(store)
    kind_of = {referral_id: kind for kind, referral_id in ids.items()}
    names = {kind: full_name(store, referral_id) for kind, referral_id in ids.items()}
    assert len(set(names.values())) == 3, names  # three people, not one referred thrice
    window = main_window(qtbot, store, CHAIR)
    held_on = date.today() + timedelta(days=7)  # a meeting may be opened up to 31 days ahead
    control = open_the_meeting(qtbot, window, held_on)
    session = control.session
    assert sorted(kind_of[case.entry.referral_id] for case in session.cases) == ["high", "override", "sent"]
    assert [control.cases.item(row).text().split(" ")[1] for row in range(3)] == [
        case.entry.reference for case in session.cases
    ]  # the queue's order

    act(qtbot, Qt.Key.Key_P, control.projector_button)  # the presenter view, a window of its own on a one-screen laptop
    presenter = presenter_of(control)
    qtbot.waitUntil(control.isActiveWindow)  # the laptop keeps the keyboard
    for name in names.values():
        assert name not in texts(presenter) and name not in texts(control)
    press(qtbot, Qt.Key.Key_Right, ALT)
    assert session.index == 1
    press(qtbot, Qt.Key.Key_Left, ALT)
    assert session.index == 0

    revealed = ""
    for _case in range(3):
        current = session.current
        assert current is not None and current.outcome is None
        kind = kind_of[current.entry.referral_id]
        assert current.entry.reference in texts(presenter)
        assert names[kind] not in texts(presenter)  # never before the reveal
        if kind == "high":
            to(qtbot, control.cases)
            press(qtbot, Qt.Key.Key_N, CTRL | SHIFT)
            assert names[kind] in texts(presenter) and names[kind] in texts(control)
            revealed = current.entry.referral_id
            control.grab().save("/tmp/meeting-control-1280.png")
            presenter.grab().save("/tmp/meeting-presenter-1280.png")
            press(qtbot, Qt.Key.Key_F, ALT)
            qtbot.keyClicks(focused(), DEFERRED)
            act(qtbot, Qt.Key.Key_D, control.defer_button)
        elif kind == "sent":
            assert QUESTION in texts(control)
            act(qtbot, Qt.Key.Key_C, control.confirm_button)
        else:
            press(qtbot, Qt.Key.Key_R, ALT)
            down_to(qtbot, control.route, "Core IAPT, Step 3")
            press(qtbot, Qt.Key.Key_E, ALT)
            qtbot.keyClicks(focused(), CHANGED)
            act(qtbot, Qt.Key.Key_A, control.change_button)
        assert not session.warning, session.said
        assert current.outcome is not None
        if _case < 2:  # the presenter moved on to the next case not yet taken, by initials again
            assert session.current is not current and session.current.outcome is None
            assert session.current.entry.reference in texts(presenter)
            assert names[kind] not in texts(presenter)

    monkeypatch.setattr(MeetingWindow, "choose_file", lambda _self, name: tmp_path / name)
    # "Close the meeting?" Yes; then "Save its minutes as a PDF?" Yes.
    when_modal(qtbot, QMessageBox, yes(qtbot, lambda: when_modal(qtbot, QMessageBox, yes(qtbot))))
    to(qtbot, control.cases)
    with qtbot.waitSignal(control.close_button.clicked, timeout=3000):
        press(qtbot, Qt.Key.Key_L, ALT)
    qtbot.waitUntil(lambda: session.closed and "saved" in control.message.text(), timeout=10_000)
    saved = list(tmp_path.glob("*.pdf"))
    assert [path.name for path in saved] == [f"referral-meeting-minutes-{held_on:%Y-%m-%d}.pdf"]  # no patient data

    info = meeting_info(store, CHAIR, session.meeting_id)
    assert info.closed and info.held_on == held_on
    assert [a.name for a in info.attendees] == ["Lena Lead", "Pat One", "Sam Two", GUEST]
    outcomes = {kind_of[item.referral_id]: item for item in info.items}
    assert {kind: item.outcome for kind, item in outcomes.items()} == {
        "high": "deferred", "sent": "confirmed", "override": "changed"}  # fmt: skip
    assert outcomes["high"].reason == DEFERRED and outcomes["override"].reason == CHANGED
    assert (outcomes["override"].route, outcomes["override"].step) == ("core_iapt", 3)
    stored_decisions(store, session.meeting_id, outcomes)

    with pytest.raises(StoreError):  # the lock: a closed meeting takes no further decision
        decide_in_meeting(store, CHAIR, session.meeting_id, ids["high"], DecisionInput(
            confirmed_route="crisis_team", override_reason=REASON, warnings_acknowledged=True))  # fmt: skip

    check_golden(saved[0].read_bytes(), session.meeting_id, held_on)
    trail = meeting_trail(store)
    of_meeting = [
        e.summary.split(":")[0] for e in trail if e.entity_type == "meeting" and e.action not in ("view", "search")
    ]
    assert [what.split(",")[0] for what in of_meeting] == [
        "meeting opened for " + held_on.isoformat(), "case deferred", "case confirmed", "case changed",
        "meeting closed"]  # fmt: skip
    taken = [
        e for e in trail if e.action == "decision" and f"in the referral meeting {session.meeting_id}" in e.summary
    ]
    assert [e.entity_id for e in taken] == [outcomes["sent"].decision_id, outcomes["override"].decision_id]
    reveals = [e for e in trail if "revealed" in e.summary]
    assert [(e.actor, e.entity_id, session.meeting_id in e.summary) for e in reveals] == [
        (CHAIR.username, revealed, True)
    ]  # one reveal, the one the chair asked for

    # Alt+M: the minutes as kept in the store, printed by the letters' path, and the print audited.
    printed = tmp_path / "printer" / "minutes.pdf"
    printed.parent.mkdir()
    monkeypatch.setattr(MeetingWindow, "choose_printer", lambda _self: pdf_printer(printed))
    to(qtbot, control.cases)
    act(qtbot, Qt.Key.Key_M, control.print_button)
    assert control.message.text() == "The minutes were sent to the printer.", control.message.text()
    assert printed.stat().st_size > 1000
    assert [e.summary.split(" (")[0] for e in meeting_trail(store) if e.action == "print"] == ["minutes printed"]


def pdf_printer(path: Path):  # type: ignore[no-untyped-def]
    """A printer that prints into a PDF file: what the print dialog would have returned."""
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def stored_decisions(store: Store, meeting_id: str, outcomes: dict) -> None:  # type: ignore[type-arg]
    """The confirmed and changed cases are decisions taken in the meeting, naming it; the deferred one is none."""
    from triage.store.models import Decision

    with store.read() as session:
        for kind in ("sent", "override"):
            decision = session.get(Decision, outcomes[kind].decision_id)
            assert decision is not None and decision.in_meeting
            assert decision.meeting_id == meeting_id
    assert outcomes["high"].decision_id is None


def meeting_trail(store: Store) -> list[AuditEvent]:
    with store.read() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def check_golden(pdf: bytes, meeting_id: str, held_on: date) -> None:
    """The minutes' text against its golden file; the meeting's id, its day and the closing time, which
    change each run, read as placeholders."""
    actual = golden_text(page_texts(pdf))
    actual = actual.replace(meeting_id, "<meeting id>")
    for written in (f"{held_on:%d/%m/%Y}", f"{held_on.day} {held_on:%B %Y}"):
        actual = actual.replace(written, "<held on>")
    actual = re.sub(r"\b\d{1,2}:\d{2}\b", "<time>", actual)
    today = date.today()
    for written in (f"{today:%d/%m/%Y}", f"{today.day} {today:%B %Y}"):  # the day it closed
        actual = actual.replace(written, "<today>")
    matches_golden(GOLDEN, actual, "minutes")


def shown_meeting(qtbot, store: Store) -> MeetingWindow:  # type: ignore[no-untyped-def]
    """The chair's window of a meeting opened through the services, shown and active."""
    from tests.ui.conftest import RULESET
    from triage.services.meetings import MeetingInput, open_meeting

    meeting_id = open_meeting(store, CHAIR, MeetingInput(held_on=date.today(), chair=CHAIR.username))
    control = MeetingWindow.for_meeting(store, CHAIR, meeting_id, RULESET)
    qtbot.addWidget(control)
    control.resize(1280, 720)
    control.show()
    to(qtbot, control.cases)
    return control


@OFFSCREEN_POPUPS
def test_the_presenter_shows_no_name_until_ctrl_shift_n_pressed_in_it_and_the_reveal_is_audited(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    accounts(store)
    ids = three_referrals(store)
    control = shown_meeting(qtbot, store)
    act(qtbot, Qt.Key.Key_P, control.projector_button)
    presenter = presenter_of(control)
    first = control.session.cases[0].entry.referral_id
    name = full_name(store, first)
    assert name not in texts(presenter) and name not in texts(control)
    to(qtbot, presenter)  # the presenter's own window has the keyboard: its keys ask the meeting's window
    press(qtbot, Qt.Key.Key_N, CTRL | SHIFT)
    qtbot.waitUntil(lambda: name in texts(presenter))
    assert name in texts(control)
    with store.read() as session:
        reveals = [e for e in session.scalars(select(AuditEvent)) if "revealed" in e.summary]
    assert [(e.actor, e.entity_id) for e in reveals] == [(CHAIR.username, first)]
    press(qtbot, Qt.Key.Key_PageDown)  # the next case, by its initials: the name revealed was this case's only
    qtbot.waitUntil(lambda: control.session.index == 1)
    assert name not in texts(presenter) and name not in texts(control)
    assert set(ids.values()) == {case.entry.referral_id for case in control.session.cases}


def test_an_outcome_without_what_it_needs_is_refused_naming_the_fields_and_nothing_is_stored(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    accounts(store)
    three_referrals(store)
    control = shown_meeting(qtbot, store)
    act(qtbot, Qt.Key.Key_A, control.change_button)  # another route: none chosen, no reason
    assert control.message.text() == ("Not recorded: Route or step: choose the route the team decided; Why this "
                                      "route: say why the team chose other than the recommendation.")  # fmt: skip
    act(qtbot, Qt.Key.Key_I, control.ask_button)
    assert control.message.text().startswith("Not recorded: What is needed: ")
    assert "Who: " in control.message.text() and "Due by: must be a date written dd/mm/yyyy" in control.message.text()
    act(qtbot, Qt.Key.Key_D, control.defer_button)
    assert control.message.text() == "Not recorded: Why deferred: say why the case waits for a later meeting."
    assert meeting_info(store, CHAIR, control.session.meeting_id).items == ()
    assert control.session.index == 0 and control.session.current is not None
    assert control.session.current.outcome is None


def test_the_open_dialog_refuses_a_date_it_cannot_read_naming_the_field_and_opens_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    from triage.services.meeting_people import Colleague

    opened: list[object] = []
    dialog = MeetingOpenDialog([Colleague("lead.one", "Lena Lead", "team_leader")], opener=opened.append,
                               chair="lead.one")  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    to(qtbot, dialog.held_on)
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focused(), "31/02/2026")
    act(qtbot, Qt.Key.Key_O, dialog.open_button)
    assert dialog.isVisible() and opened == [] and dialog.meeting is None
    assert dialog.problems.text() == "Please check:<br><b>Date</b>: must be a date written dd/mm/yyyy, e.g. 15/06/1980"
    assert focused() is dialog.held_on


@OFFSCREEN_POPUPS
def test_a_meeting_left_open_is_continued_from_the_menu_with_what_it_already_did(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    """The laptop died (or the window was closed) mid-meeting: Alt+G, O asks to continue it, and Yes
    shows that meeting again, its deferred case marked so, the next case not yet taken current."""
    accounts(store)
    three_referrals(store)
    first = shown_meeting(qtbot, store)
    meeting_id = first.session.meeting_id
    to(qtbot, first.defer_reason)
    qtbot.keyClicks(focused(), DEFERRED)
    act(qtbot, Qt.Key.Key_D, first.defer_button)
    deferred = first.session.cases[0].entry.referral_id
    first.close()
    window = main_window(qtbot, store, CHAIR)
    when_modal(qtbot, QMessageBox, yes(qtbot))
    new_one: list[bool] = []  # the dialog of a new meeting instead: refused, so the test fails, never hangs
    when_modal(qtbot, MeetingOpenDialog, lambda dialog: (new_one.append(True), dialog.reject()))
    menu = next(a for a in window.menuBar().actions() if a.text() == "Meetin&g").menu()
    press(qtbot, Qt.Key.Key_G, ALT)
    qtbot.waitUntil(menu.isVisible)
    qtbot.keyClick(menu, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: any(isinstance(w, MeetingWindow) and w.isVisible() and w is not first
                                for w in QApplication.topLevelWidgets()), timeout=10_000)  # fmt: skip
    assert not new_one, "a new meeting was offered, not the one still open"
    again = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MeetingWindow) and w.isVisible())
    assert again.session.meeting_id == meeting_id
    cases = {case.entry.referral_id: case for case in again.session.cases}
    assert cases[deferred].outcome == "deferred" and "deferred" in again.cases.item(0).text()
    assert again.session.current is not None and again.session.current.outcome is None


ITEM_9_ABOVE_ZERO = {**ANSWERS, "phq9": (1, 2, 1, 0, 1, 2, 1, 0, 1)}  # risk low: the ruleset warns


@OFFSCREEN_POPUPS
def test_a_case_with_warnings_is_decided_only_once_the_chair_says_the_team_read_them(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    """The routing's warnings are shown to the team and never assumed read because the case is on the
    projector: Confirm is refused naming the tick box, nothing stored; Alt+K, then Alt+C, records it."""
    accounts(store)
    referral_id, _ = decided(store, ITEM_9_ABOVE_ZERO, serial=60)
    send_to_meeting(store, as_pwp("pwp"), referral_id, QUESTION)
    control = shown_meeting(qtbot, store)
    act(qtbot, Qt.Key.Key_P, control.projector_button)
    presenter = presenter_of(control)
    assert control.session.current is not None and control.session.current.entry.referral_id == referral_id
    for shown in (texts(control), texts(presenter)):
        assert "PHQ-9 item 9" in shown and "review the risk rating before confirming" in shown
    act(qtbot, Qt.Key.Key_C, control.confirm_button)
    assert control.message.text().startswith("Not recorded: Warnings read to the team: ")
    assert meeting_info(store, CHAIR, control.session.meeting_id).items == ()
    to(qtbot, control.cases)
    press(qtbot, Qt.Key.Key_K, ALT)
    qtbot.waitUntil(control.warnings_read.isChecked)  # a mnemonic clicks the box once its animation ends
    act(qtbot, Qt.Key.Key_C, control.confirm_button)
    assert not control.session.warning, control.session.said
    (item,) = meeting_info(store, CHAIR, control.session.meeting_id).items
    from triage.store.models import Decision

    with store.read() as session:
        decision = session.get(Decision, item.decision_id)
        assert decision is not None and decision.in_meeting and decision.warnings_acknowledged
