"""The referral's journey in the app, by keyboard alone (issue 15 items 1, 3 and 10; docs/journey.md).

A PWP finds a referral in the list (Ctrl+F, its family name, Down) and presses Ctrl+J: the journey
dialog. In it, Alt and a letter reach each field; Alt+R records a contact step, Alt+T the treatment
start, Alt+C closes the referral. Every path of the lifecycle is walked: received, no answer (no
contact), contact made (contacted); the opt-in offered then taken (contacted); closed with a reason and
a note; and a decided referral, read back on its record (Alt+J), into treatment and closed. What is not
allowed is refused in words under the form and writes nothing. The list shows each referral's days
waiting and its flag in words, filters "Over target", "Awaiting contact" and the GP letters not sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from tests.keys import focused, press, when_modal
from tests.scenarios.clinical import ALT, CTRL, down_to, to
from tests.store.conftest import referral_input
from tests.store.test_letters_store import decided
from tests.users import PWP
from triage.services import create_referral, get_referral
from triage.store import Store
from triage.store.models import AuditEvent, ContactEvent, Referral, StatusChange
from triage.ui.journey_dialog import JourneyDialog
from triage.ui.main_window import MainWindow

Steps = Callable[[JourneyDialog], None]


def select_in_list(qtbot, window: MainWindow, family: str) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+F, the family name typed, Down: the list has the focus on the referral found."""
    to(qtbot, window.home.search)
    press(qtbot, Qt.Key.Key_F, CTRL)
    window.home.search.clear()
    qtbot.keyClicks(window.home.search, family)
    press(qtbot, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.home.table and window.model.rowCount() == 1)


def in_journey(qtbot, keys: Any, steps: Steps) -> None:  # type: ignore[no-untyped-def]
    """Press ``keys`` (Ctrl+J, or Alt+J on a record); in the dialog, ``steps``; then Escape closes it
    (and closes it whatever happened, so a failed step cannot leave the test waiting on it)."""

    done: list[bool] = []

    def run(dialog: JourneyDialog) -> None:
        try:
            to(qtbot, dialog.kind)  # the dialog active, its first field focused (offscreen, activation is slow)
            steps(dialog)
        finally:
            if dialog.isVisible():
                press(qtbot, Qt.Key.Key_Escape)
            if dialog.isVisible():
                dialog.reject()
            done.append(True)

    when_modal(qtbot, JourneyDialog, run)
    press(qtbot, *keys)  # a button's Alt+key clicks it a moment later: wait for the dialog to have come and gone
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    qtbot.waitUntil(lambda: not isinstance(QApplication.activeModalWidget(), JourneyDialog))


def choose(qtbot, key: Qt.Key, combo: Any, words: str) -> None:  # type: ignore[no-untyped-def]
    """Alt+key to the drop-down, then Up to its first item and Down until ``words``."""
    press(qtbot, key, ALT)
    for _ in range(combo.count()):
        press(qtbot, Qt.Key.Key_Up)
    down_to(qtbot, combo, words)


def act(qtbot, key: Qt.Key, button: Any) -> None:  # type: ignore[no-untyped-def]
    """Alt+key on a button: Qt clicks it a moment later (an animated click), so wait for it."""
    with qtbot.waitSignal(button.clicked, timeout=3000):
        press(qtbot, key, ALT)


def rows(store: Store) -> tuple[Any, ...]:
    with store.read() as session:
        return (
            [tuple(r) for r in session.execute(select(Referral.__table__).order_by(Referral.id))],
            session.scalar(select(func.count()).select_from(StatusChange)),
            session.scalar(select(func.count()).select_from(ContactEvent)),
        )


def statuses(store: Store, referral_id: str) -> list[str]:
    return [c.status for c in get_referral(store, PWP, referral_id).status_changes]


CONTACT = (Qt.Key.Key_J, CTRL)


def test_no_answer_then_contact_made_from_the_list(qtbot, store: Store, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    referral_id = create_referral(store, PWP, referral_input(1, family_name="Journeyone")).id
    reference = get_referral(store, PWP, referral_id).reference
    select_in_list(qtbot, window, "Journeyone")
    said: list[str] = []

    def steps(dialog: JourneyDialog) -> None:
        # The heading names the short reference (never the id) and keeps up with each step.
        assert dialog.heading.text() == f"Referral {reference}, now <b>Received</b>"
        choose(qtbot, Qt.Key.Key_K, dialog.kind, "Contact attempt")
        choose(qtbot, Qt.Key.Key_H, dialog.channel, "Telephone")
        choose(qtbot, Qt.Key.Key_O, dialog.outcome, "No answer")
        act(qtbot, Qt.Key.Key_R, dialog.contact_button)
        said.append(dialog.message.text())
        assert dialog.heading.text() == f"Referral {reference}, now <b>No contact</b>"
        choose(qtbot, Qt.Key.Key_O, dialog.outcome, "Contact made")
        act(qtbot, Qt.Key.Key_R, dialog.contact_button)
        said.append(dialog.message.text())

    in_journey(qtbot, CONTACT, steps)
    assert said == ["Recorded. The referral is now no contact.", "Recorded. The referral is now contacted."]
    assert statuses(store, referral_id) == ["received", "no_contact", "contacted"]
    assert get_referral(store, PWP, referral_id).first_contact_on == date.today()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and not window.model.loading)
    assert window.model.data(window.model.index(0, 4)) == "Contacted"  # the list reloaded


def test_opt_in_offered_then_taken_up(qtbot, store: Store, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    referral_id = create_referral(store, PWP, referral_input(2, family_name="Journeytwo")).id
    select_in_list(qtbot, window, "Journeytwo")
    said: list[str] = []

    def steps(dialog: JourneyDialog) -> None:
        choose(qtbot, Qt.Key.Key_K, dialog.kind, "Opt-in offered")
        assert not dialog.outcome.isEnabled()  # only an attempt has an outcome
        choose(qtbot, Qt.Key.Key_H, dialog.channel, "Letter")
        act(qtbot, Qt.Key.Key_R, dialog.contact_button)
        said.append(dialog.message.text())
        choose(qtbot, Qt.Key.Key_K, dialog.kind, "Opted in")
        choose(qtbot, Qt.Key.Key_H, dialog.channel, "Online")
        act(qtbot, Qt.Key.Key_R, dialog.contact_button)
        said.append(dialog.message.text())

    in_journey(qtbot, CONTACT, steps)
    assert said == ["Recorded. The referral is now received.", "Recorded. The referral is now contacted."]
    referral = get_referral(store, PWP, referral_id)
    assert [c.status for c in referral.status_changes] == ["received", "contacted"]
    assert referral.opted_in_on == date.today()
    with store.read() as session:
        steps_stored = session.execute(select(ContactEvent.kind, ContactEvent.channel).order_by(ContactEvent.id)).all()
    assert [tuple(s) for s in steps_stored] == [("opt_in_offered", "letter"), ("opted_in", "online")]


def test_closing_needs_a_reason_and_a_closed_referral_takes_nothing_more(
    qtbot, store: Store, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    referral_id = create_referral(store, PWP, referral_input(3, family_name="Journeythree")).id
    select_in_list(qtbot, window, "Journeythree")
    said: list[str] = []
    unchanged: list[bool] = []

    def steps(dialog: JourneyDialog) -> None:
        before = rows(store)
        act(qtbot, Qt.Key.Key_T, dialog.treatment_button)  # treatment before a decision: refused
        said.append(dialog.message.text())
        choose(qtbot, Qt.Key.Key_E, dialog.reason, "Other")
        act(qtbot, Qt.Key.Key_C, dialog.close_button)  # "other" without a note: refused
        said.append(dialog.message.text())
        unchanged.append(rows(store) == before)
        press(qtbot, Qt.Key.Key_N, ALT)
        assert focused() is dialog.note
        qtbot.keyClicks(focused(), "Moved to a private provider")
        act(qtbot, Qt.Key.Key_C, dialog.close_button)
        said.append(dialog.message.text())
        before = rows(store)
        act(qtbot, Qt.Key.Key_R, dialog.contact_button)  # a contact on a closed referral: refused
        said.append(dialog.message.text())
        unchanged.append(rows(store) == before)

    in_journey(qtbot, CONTACT, steps)
    assert said == [
        "Not recorded: started_on: treatment can be recorded only once the referral is decided.",
        "Not recorded: note: required when the reason is other (say why the referral is closed).",
        "Closed. The referral is now closed.",
        "Not recorded: the referral is closed: nothing more can be recorded on it (a person who comes back is a new "
        "referral).",
    ]
    assert unchanged == [True, True]
    referral = get_referral(store, PWP, referral_id)
    assert (referral.status, referral.closed_reason, referral.closed_note) == (
        "closed",
        "other",
        "Moved to a private provider",
    )
    with store.read() as session:
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == referral_id)))
    assert "closed: reason other (with a note)" in summaries and not any("private" in s for s in summaries)


def test_a_decided_referral_read_back_goes_into_treatment_and_is_closed(
    qtbot, store: Store, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    referral_id, _ = decided(store, serial=4, referral={"family_name": "Journeyfour"})
    select_in_list(qtbot, window, "Journeyfour")
    press(qtbot, Qt.Key.Key_Return)  # screened: its record
    page = window.record_page
    assert page is not None and page.journey_button is not None
    journey = page.sections["Journey and waits"].toPlainText()
    assert "Waits against targets:" in journey and "Referral to assessment within 3 days" in journey
    assert "UNVERIFIED: not in the seed documents." in journey
    said: list[str] = []

    def steps(dialog: JourneyDialog) -> None:
        act(qtbot, Qt.Key.Key_T, dialog.treatment_button)  # started today
        said.append(dialog.message.text())
        choose(qtbot, Qt.Key.Key_E, dialog.reason, "Treatment started")
        act(qtbot, Qt.Key.Key_C, dialog.close_button)
        said.append(dialog.message.text())

    in_journey(qtbot, (Qt.Key.Key_J, ALT), steps)
    assert said == ["Treatment start recorded. The referral is now decided.", "Closed. The referral is now closed."]
    assert statuses(store, referral_id)[-3:] == ["screened", "decided", "closed"]
    qtbot.waitUntil(lambda: window.record_page is not page)
    shown = window.record_page
    assert shown is not None and shown is not page  # the record shown afresh
    assert "Closed because: Treatment started" in shown.sections["Journey and waits"].toPlainText()
    assert "Closed (" in shown.sections["Status history"].toPlainText()
    assert shown.journey_button is None  # nothing more to record on a closed referral


def test_the_list_shows_waits_in_words_and_filters_them(qtbot, store: Store, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    today = date.today()
    late = create_referral(store, PWP, referral_input(5, family_name="Waitlate", received_on=(today - timedelta(days=4)).isoformat())).id  # fmt: skip
    create_referral(store, PWP, referral_input(6, family_name="Waitfresh", received_on=today.isoformat()))
    unsent, _ = decided(store, serial=7, referral={"family_name": "Waitletter", "received_on": today.isoformat()})
    to(qtbot, window.home.journey)
    down_to(qtbot, window.home.journey, "Over target")
    qtbot.waitUntil(lambda: not window.model.loading and window.model.total == 1)
    headings = [window.model.headerData(c, Qt.Orientation.Horizontal) for c in range(window.model.columnCount())]
    waiting, flag = headings.index("Days waiting"), headings.index("Wait")
    row = window.model.row_at(0)
    assert row is not None and row.id == late
    assert (window.model.data(window.model.index(0, waiting)), window.model.data(window.model.index(0, flag))) == (
        "4", "Over target")  # fmt: skip
    down_to(qtbot, window.home.journey, "Awaiting contact")
    qtbot.waitUntil(lambda: not window.model.loading and window.model.total == 2)
    down_to(qtbot, window.home.journey, "GP letter not sent")
    qtbot.waitUntil(lambda: not window.model.loading and window.model.total == 1)
    row = window.model.row_at(0)
    assert row is not None and row.id == unsent
