"""A PWP flags a referral as inappropriate by keyboard alone (issue 15 item 6; requirements.md 9.37;
docs/journey.md, "Inappropriate referrals").

From the record (Alt+J, the journey dialog): Alt+W chooses why, Alt+B reaches "Referred by" (filled in
with the referring GP, as the record has it), Alt+F flags it. "Other" without a note is refused in
words with nothing written. The record then says why, who made the referral and who flagged it, as a
screen reader reads the section; Alt+L takes the flag off again. The audit trail has the reason code,
never the referrer or the note."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from tests.keys import focused, press
from tests.scenarios.test_journey_by_keyboard import act, choose, in_journey, rows
from tests.scenarios.test_read_back_decided_referral import open_by_keyboard
from tests.store.test_letters_store import decided
from tests.ui.test_record_view_covers_form import accessible_text
from tests.users import PWP
from triage.services import get_referral
from triage.store import Store
from triage.store.models import AuditEvent
from triage.ui.journey_dialog import JourneyDialog
from triage.ui.main_window import MainWindow

ON_THE_RECORD = (Qt.Key.Key_J, Qt.KeyboardModifier.AltModifier)


def journey_text(window: MainWindow) -> str:
    page = window.record_page
    assert page is not None
    return accessible_text(page.sections["Journey and waits"])


def test_a_referral_is_flagged_from_its_record_and_the_flag_taken_off(qtbot, store: Store, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    referral_id, _ = decided(store, referral={"family_name": "Flagone", "referring_gp": "Dr A Patel"})
    open_by_keyboard(qtbot, window, "Flagone")
    qtbot.waitUntil(lambda: window.record_page is not None)
    assert "Inappropriate referral: not flagged" in journey_text(window)
    said: list[str] = []
    unchanged: list[bool] = []

    def steps(dialog: JourneyDialog) -> None:
        assert dialog.referrer.text() == "Dr A Patel"  # who made it, from the record
        assert not dialog.unflag_button.isEnabled()  # nothing to take off yet
        before = rows(store)
        choose(qtbot, Qt.Key.Key_W, dialog.flag_reason, "Other (say why)")
        act(qtbot, Qt.Key.Key_F, dialog.flag_button)  # "other" with no words: refused
        said.append(dialog.message.text())
        assert not dialog.unflag_button.isEnabled()  # a refused flag leaves nothing to take off
        unchanged.append(rows(store) == before)
        choose(qtbot, Qt.Key.Key_W, dialog.flag_reason, "Drug or alcohol dependency (for substance misuse services)")
        press(qtbot, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
        assert focused() is dialog.flag_note
        qtbot.keyClicks(focused(), "Alcohol dependency, daily drinking")
        act(qtbot, Qt.Key.Key_F, dialog.flag_button)
        said.append(dialog.message.text())
        assert dialog.unflag_button.isEnabled()

    in_journey(qtbot, ON_THE_RECORD, steps)
    assert said == [
        "Not recorded: note: required when the reason is other (say why the referral was inappropriate).",
        "Flagged as inappropriate. The referral is now decided.",
    ]
    assert unchanged == [True]
    stored = get_referral(store, PWP, referral_id)
    assert (stored.inappropriate_reason, stored.inappropriate_referrer, stored.inappropriate_note,
            stored.inappropriate_by) == ("substance_dependency", "Dr A Patel", "Alcohol dependency, daily drinking",
                                         PWP.username)  # fmt: skip
    qtbot.waitUntil(lambda: window.record_page is not None and "Flagged by" in journey_text(window))
    shown = journey_text(window)  # the record shown again, as a screen reader reads it
    assert "Inappropriate referral: Drug or alcohol dependency (for substance misuse services)" in shown
    assert "Referred by: Dr A Patel" in shown and f"Flagged by: {PWP.username}" in shown
    assert "Why (note): Alcohol dependency, daily drinking" in shown
    # The keyboard is not stranded: the record shown afresh holds the window's focus (given the keys once
    # the window is active again; offscreen, a closed modal leaves no window active), so Alt+J works again.
    page = window.record_page
    assert page is not None and page.isAncestorOf(window.focusWidget())
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.banner.text)

    def take_off(dialog: JourneyDialog) -> None:
        to_button = dialog.unflag_button
        assert to_button.isEnabled()
        act(qtbot, Qt.Key.Key_L, to_button)
        said.append(dialog.message.text())
        assert not to_button.isEnabled()  # nothing left to take off

    in_journey(qtbot, ON_THE_RECORD, take_off)
    assert said[-1] == "Flag taken off. The referral is now decided."
    assert get_referral(store, PWP, referral_id).inappropriate_reason is None
    qtbot.waitUntil(lambda: window.record_page is not None and "not flagged" in journey_text(window))
    with store.read() as session:
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == referral_id)))
    assert "flagged as an inappropriate referral: reason substance_dependency" in summaries
    assert "inappropriate flag taken off" in summaries
    assert not any("Patel" in s or "Alcohol" in s for s in summaries)  # neither the referrer nor the note
