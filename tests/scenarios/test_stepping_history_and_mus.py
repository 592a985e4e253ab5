"""The stepping history and the GP's confirmation for MUS (issue 15, item 7), typed key by key into the
real main window: a previous intervention at IAPT step 2 in 2023, unhelpful; medically unexplained
symptoms ticked with the GP's confirmation left as not yet; saved. What is stored, what the record
says and what the GP letter says (it asks for the confirmation); then the same with the confirmation
ticked and dated (the letter thanks the GP instead). The two sections are grabbed as pictures
(/tmp/history.png, /tmp/conditions.png) for a person to look at."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.keys import answer, focused, press
from tests.scenarios.clinical import ALT, confirm, down_to, letter_text, section, stored, tab_to, to
from tests.scenarios.test_live_call_risk_and_mus import answer_up_to_risk, open_new_referral
from tests.users import PWP
from triage.services import record_as_text, referral_record
from triage.services.screening_form import condition_lists
from triage.ui.record_sections import screening_answers

ASK = "Please confirm that no new physical illness has been missed before psychological treatment"
THANKS = "Thank you for confirming, on 20 November 2026, that no new physical illness has been missed"


def type_the_history_and_mus(qtbot, window, store):  # type: ignore[no-untyped-def]
    """Up to the risk rating (low), the main problem, one previous intervention typed in its row's tab
    order (what, outcome, where and step, year), no long-term conditions, and the first kind of MUS.
    The focus ends on the GP's confirmation, not ticked."""
    referral_id, page = open_new_referral(qtbot, window, store)
    answer_up_to_risk(qtbot, "1")
    answer(qtbot, "D")  # the main problem: depression
    section(qtbot, 5)
    press(qtbot, Qt.Key.Key_A, ALT)  # Add a previous intervention
    qtbot.waitUntil(lambda: len(page.interventions) == 1 and page.interventions[0].what.hasFocus())
    row = page.interventions[0]
    qtbot.keyClicks(focused(), "Guided self-help")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is row.outcome
    answer(qtbot, "U")  # Unhelpful
    press(qtbot, Qt.Key.Key_Tab)
    down_to(qtbot, row.step, "IAPT step 2")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is row.year
    qtbot.keyClicks(focused(), "2023")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is row.remove  # the row's own order, left to right
    assert [row.step.accessibleName(), row.year.accessibleName()] == [
        "Where and at which step was previous intervention 1", "Year of previous intervention 1 (optional, 4 digits)"]  # fmt: skip
    page.sections["history"].grab().save("/tmp/history.png")

    to(qtbot, page.ltc_none)
    press(qtbot, Qt.Key.Key_Space)  # no long-term conditions
    assert not page.mus_confirmed.isEnabled()  # nothing to confirm before MUS is ticked
    to(qtbot, page.mus_boxes[0])
    press(qtbot, Qt.Key.Key_Space)
    tab_to(qtbot, page.mus_confirmed)  # after the kinds of MUS, by Tab
    assert page.mus_confirmed.accessibleName() == "GP has confirmed no physical illness was missed"
    assert not page.mus_confirmed.isChecked() and not page.mus_confirmed_on.isEnabled()  # not yet: no date
    return referral_id, page


def test_a_stepped_unhelpful_intervention_and_mus_not_yet_confirmed_ask_the_gp(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = type_the_history_and_mus(qtbot, window, store)
    page.sections["conditions"].grab().save("/tmp/conditions.png")
    section(qtbot, 7)
    recommended = page.route_choice.currentText()
    assert recommended.startswith("As recommended: Integrated IAPT") and "Step 3" in recommended  # one unhelpful
    dialog = confirm(qtbot, window)

    screening, decision = stored(store, referral_id)
    assert screening.previous_interventions == [
        {"intervention": "Guided self-help", "outcome": "unhelpful", "step": "iapt_step_2", "year": 2023}
    ]
    assert screening.mus_kinds == [condition_lists().medically_unexplained_symptoms[0]]
    assert screening.assessment["mus_confirmation"] == {"gp_confirmed": False, "confirmed_on": None}
    assert (decision.confirmed_route, decision.confirmed_step) == ("integrated_iapt", 3)
    record = referral_record(store, PWP, referral_id)
    text = record_as_text(record)
    assert "    - Guided self-help: Unhelpful; IAPT step 2, 2023" in text
    assert "GP confirmed no physical illness missed: not yet" in text
    shown = " ".join(screening_answers(record))  # the app's record view
    assert "Guided self-help: Unhelpful; IAPT step 2, 2023" in shown and "not yet" in shown
    gp = letter_text(qtbot, dialog, "gp")
    assert ASK in gp and "Thank you for confirming" not in gp


def test_the_gps_confirmation_typed_with_its_date_makes_the_letter_thank_instead(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = type_the_history_and_mus(qtbot, window, store)
    press(qtbot, Qt.Key.Key_Space)  # ticked: the GP has confirmed
    assert page.mus_confirmed_on.isEnabled()
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is page.mus_confirmed_on
    qtbot.keyClicks(focused(), "20/11/2026")
    page.sections["conditions"].grab().save("/tmp/conditions.png")
    section(qtbot, 7)
    dialog = confirm(qtbot, window)

    screening, _decision = stored(store, referral_id)
    assert screening.assessment["mus_confirmation"] == {"gp_confirmed": True, "confirmed_on": "2026-11-20"}
    assert "GP confirmed no physical illness missed: yes, on 20/11/2026" in record_as_text(
        referral_record(store, PWP, referral_id)
    )
    gp = letter_text(qtbot, dialog, "gp")
    assert THANKS in gp and ASK not in gp
