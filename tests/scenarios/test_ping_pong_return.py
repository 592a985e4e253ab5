"""The ping-pong record typed into the real windows (issue 15, item 6): a referral the CMHT returned
to IAPT is typed in the New referral form with "Came back from: CMHT"; the screening rates complexity
high, so the matrix points to the CMHT again. The summary warns that the CMHT returned this person
before, confirming is refused until the matrix rationale is typed, and the referral-on summary prints
it. Checks what is stored, what the screen says and what the summary says."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.keys import answer, focused, press, when_modal
from tests.scenarios.clinical import ALT, CTRL, PRACTICE, confirm, letter_text, none_in_section_6, section, tab_to, to
from tests.store.conftest import make_nhs_number
from tests.ui.conftest import listed
from tests.users import PWP
from triage.services import get_referral
from triage.store.models import Decision
from triage.ui.referral_dialog import NewReferralDialog

RATIONALE = "Complexity high again: three problems needing a care coordinator"


def type_returned_referral(qtbot, dialog: NewReferralDialog) -> None:  # type: ignore[no-untyped-def]
    """The person's details by Tab, the practice, then Alt+B to "Came back from", Down to the CMHT, Return."""
    to(qtbot, dialog.fields["nhs_number"])
    for text in (make_nhs_number(42), "Sam", "Returned", "02/02/1990"):
        qtbot.keyClicks(focused(), text)
        press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)  # received today
    press(qtbot, Qt.Key.Key_Tab)  # source: GP
    assert focused() is dialog.practice
    qtbot.keyClicks(focused(), PRACTICE["code"])
    press(qtbot, Qt.Key.Key_B, ALT)
    assert focused() is dialog.returned_from
    for _ in range(4):
        if dialog.returned_from.currentData() == "cmht":
            break
        press(qtbot, Qt.Key.Key_Down)
    assert dialog.returned_from.currentText() == "Community mental health team (CMHT)"
    press(qtbot, Qt.Key.Key_Return)


@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")  # the completer's popup
def test_routing_back_to_the_cmht_that_returned_the_person_warns_and_prints_the_rationale(qtbot, window, store):  # type: ignore[no-untyped-def]
    window.refresh_home()
    listed(qtbot, window)
    when_modal(qtbot, NewReferralDialog, lambda dialog: type_returned_referral(qtbot, dialog))
    press(qtbot, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: window.screening is not None)
    page = window.screening
    to(qtbot, page.phq9.rows[0])
    answer(qtbot, "221121110")
    answer(qtbot, "2211101")
    answer(qtbot, "1311")  # chronicity low, complexity HIGH, impairment low, substance use low
    answer(qtbot, "NNNN")
    qtbot.keyClicks(focused(), "Sister nearby")
    press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, "1")  # risk low
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    assert page.route_choice.currentText() == "As recommended: DaSH CMHT"
    warning = page.decision.return_warning
    assert warning.isVisibleTo(page) and "DaSH CMHT has returned this person to us before" in warning.text()
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.screening is page
    assert "Matrix rationale: required, as this service has returned the person before" in page.problems.text()
    tab_to(qtbot, page.decision.return_rationale)
    qtbot.keyClicks(focused(), RATIONALE)

    dialog = confirm(qtbot, window)
    referral = get_referral(store, PWP, dialog.subject.referral_id)
    assert referral.returned_from == "cmht"
    (decision,) = referral.decisions
    assert decision.confirmed_route == "cmht"
    with store.read() as session:
        row = session.get(Decision, decision.id)
        assert row is not None and row.return_rationale == RATIONALE
    summary = letter_text(qtbot, dialog, "referral-on")
    assert "Sam has been returned to our service by the" in summary
    assert RATIONALE in summary
