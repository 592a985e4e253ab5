"""The service's own wait target and conditions (issue 15, items 3 and 7), typed into the real windows
on a shared practice PC, by keyboard.

The admin logs in, opens Settings (Ctrl+,), goes to the wait targets (Alt+W), types 1 over the
assessment target's 3 days (F2, Ctrl+A, 1, Return), adds "Coeliac disease" to the long-term physical
conditions (Alt+Y) and "Functional neurological disorder" to the medically unexplained symptoms
(Alt+U), and saves with Return. The store holds them, audited by field name. She logs out; Priya logs
in: her list flags the referral received two days ago "Over target" against the 1-day target (it was
within the shipped 3 days) and today's "Within target". She screens it: section 6 offers the two new
entries under headings naming the integrated pathway; she ticks both with Space, and the matrix
recommends integrated IAPT. The screening stored holds the two as she ticked them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.keys import answer
from tests.scenarios.clinical import tab_to, to
from tests.store.conftest import referral_input
from tests.users import CHEAP_KDF
from triage.services import create_referral, get_referral
from triage.services.login import open_authenticated
from triage.services.service_settings import service_settings
from triage.store.audit import events_for
from triage.ui.letter_dialog import LetterDialog
from triage.ui.referral_list import COLUMNS
from triage.ui.settings_dialog import SettingsDialog
from triage.ui.settings_lists import DAYS

from .shared_pc import PASSWORDS, active, focused, log_in, no_wait, press, set_up, when_modal

ALT, CTRL = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier
COELIAC, FND = "Coeliac disease", "Functional neurological disorder"
PATHWAY = "Integrated IAPT (long-term conditions and medically unexplained symptoms)"
WAIT = [heading for heading, _ in COLUMNS].index("Wait")


def add_line(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """At the end of the focused one-per-line box: Ctrl+End, Return, the text."""
    press(qtbot, Qt.Key.Key_End, CTRL)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.keyClicks(focused(), text)


def test_an_admins_target_and_conditions_reach_a_pwps_list_and_screening(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    pc = set_up(tmp_path)  # with a referral Priya took today
    store, priya_user = open_authenticated(pc.database, "priya", PASSWORDS["priya"], sleep=no_wait)
    waiting = create_referral(store, priya_user,
                              referral_input(5, received_on=(date.today() - timedelta(days=2)).isoformat())).id  # fmt: skip
    store.close()
    pc.sessions.show_login()

    admin = log_in(qtbot, pc, "admin")
    saved: list[int] = []

    def change(dialog: SettingsDialog) -> None:
        table = dialog.waits.table
        active(qtbot, dialog)
        press(qtbot, Qt.Key.Key_W, ALT)  # the wait targets, the first one's days current
        assert focused() is table and (table.currentRow(), table.currentColumn()) == (0, DAYS)
        press(qtbot, Qt.Key.Key_F2)
        press(qtbot, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(focused(), "1")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: table.item(0, DAYS).text() == "1")  # the delegate commits it queued
        assert table.item(0, 0).text() == "Referral to assessment within 1 day"  # the label follows
        press(qtbot, Qt.Key.Key_Y, ALT)
        assert focused() is dialog.conditions.ltc
        add_line(qtbot, COELIAC)
        press(qtbot, Qt.Key.Key_U, ALT)
        assert focused() is dialog.conditions.mus
        add_line(qtbot, FND)
        dialog.finished.connect(saved.append)
        press(qtbot, Qt.Key.Key_N, ALT)  # to the service name, where Return saves
        press(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, SettingsDialog, change)
    press(qtbot, Qt.Key.Key_Comma, CTRL)  # Settings
    assert saved == [1]  # accepted: the dialog's exec() has returned
    stored = service_settings(admin.store)
    first = stored.wait_targets.targets[0]
    assert (first.code, first.days, first.label) == ("assessment_3_days", 1, "Referral to assessment within 1 day")
    assert stored.long_term_conditions[-1] == COELIAC and stored.medically_unexplained_symptoms[-1] == FND
    with admin.store.read() as session:
        last = events_for(session, "database", "settings")[-1]
    assert (last.actor, last.action, last.summary) == (
        "admin", "update", "changed: long_term_conditions, medically_unexplained_symptoms, wait_targets")  # fmt: skip

    active(qtbot, admin)
    press(qtbot, Qt.Key.Key_Q, CTRL_SHIFT)  # Log out
    qtbot.waitUntil(lambda: pc.sessions.window is None and pc.sessions.login_dialog is not None)
    priya = log_in(qtbot, pc, "priya")
    model = priya.model
    qtbot.waitUntil(lambda: not model.busy and model.rowCount() == 2)
    shown = {model.row_at(i).id: model.data(model.index(i, WAIT)) for i in range(2)}  # type: ignore[union-attr]
    assert shown == {waiting: "Over target", pc.referral_id: "Within target"}  # day 2 is past 1 day, day 0 is not

    priya.home.table.setFocus()
    for _ in range(2):
        press(qtbot, Qt.Key.Key_Down)
        row = model.row_at(priya.home.table.currentIndex().row())
        if row is not None and row.id == waiting:
            break
    press(qtbot, Qt.Key.Key_Return)  # not screened yet: its screening opens
    page = priya.screening
    assert page is not None and priya.referral_id == waiting
    qtbot.waitUntil(page.phq9.rows[0].hasFocus)
    answer(qtbot, "221121110")  # PHQ-9
    answer(qtbot, "2211101")  # GAD-7, and on to the ratings
    answer(qtbot, "1111")  # chronicity, complexity, impairment, substance use: low
    answer(qtbot, "NNNN")  # the four risk prompts
    qtbot.keyClicks(focused(), "Sister nearby")
    press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, "1")  # risk low
    answer(qtbot, "D")  # the main problem: depression
    coeliac = next(box for box in page.ltc_boxes if box.text() == COELIAC)
    fnd = next(box for box in page.mus_boxes if box.text() == FND)
    assert coeliac.accessibleName() == f"Long-term condition: {COELIAC}"
    headings = [label.text() for label in page.findChildren(QLabel) if PATHWAY in label.text()]
    assert len(headings) == 2 and headings[0].startswith("Long-term physical conditions (any one leads to")
    press(qtbot, Qt.Key.Key_6, ALT)  # section 6
    tab_to(qtbot, coeliac)
    press(qtbot, Qt.Key.Key_Space)
    tab_to(qtbot, fnd)
    press(qtbot, Qt.Key.Key_Space)
    assert (page.session.form.long_term_conditions, page.session.form.mus_kinds) == ((COELIAC,), (FND,))
    press(qtbot, Qt.Key.Key_7, ALT)  # the summary
    to(qtbot, page.route_choice)
    assert page.route_choice.currentText().startswith(f"As recommended: {PATHWAY}")
    letters: list[bool] = []
    when_modal(qtbot, LetterDialog, lambda dialog: (letters.append(True), dialog.reject()))
    press(qtbot, Qt.Key.Key_Return, CTRL)  # confirm
    assert priya.screening is None, page.problems.text()
    qtbot.waitUntil(lambda: letters == [True], timeout=10_000)
    referral = get_referral(priya.store, priya.user, waiting)
    screening = referral.screenings[-1]
    assert (screening.long_term_conditions, screening.medically_unexplained_symptoms, screening.mus_kinds) == (
        [COELIAC], True, [FND])  # fmt: skip
    assert referral.decisions[-1].confirmed_route == "integrated_iapt"
    priya.close()
    priya.store.close()
