"""The assessment's missing content (issue 15, item 7), typed key by key into the real main window:

- an IAPT route chosen over a CMHT recommendation is not confirmed without the main problem: nothing
  is stored and the screen says what is missing; with the problem typed it is;
- PTSD as the main problem shows the anxiety-disorder-specific measure (IES-R) and the seeds' warning
  that PHQ/GAD alone "can lead you to discharge too early";
- protective factors rated, the supervision flag, access needs, circumstances, goals and the choice
  (with the self-help caveat shown for pure self-help) typed are stored and shown in the record.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.keys import answer, focused, press
from tests.scenarios.clinical import CTRL, confirm, down_to, none_in_section_6, section, stored, tab_to
from tests.scenarios.test_live_call_risk_and_mus import open_new_referral
from tests.users import PWP
from triage.services import get_referral, referral_record
from triage.services.record_output import record_as_text

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def type_screening(qtbot, complexity: str) -> None:  # type: ignore[no-untyped-def]
    """PHQ-9, GAD-7 (moderate), the four ratings (``complexity`` for the second), the risk prompts "No",
    protective factors typed and risk low; the focus then moves on to the main problem."""
    answer(qtbot, "221121110")
    answer(qtbot, "2211101")
    answer(qtbot, "1" + complexity + "11")
    answer(qtbot, "NNNN")
    qtbot.keyClicks(focused(), "Sister nearby")
    press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, "1")


def test_an_iapt_route_is_not_confirmed_without_the_main_problem_then_is_with_it(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = open_new_referral(qtbot, window, store)
    type_screening(qtbot, complexity="3")  # complexity high: the matrix says the CMHT
    assert focused() is page.descriptor  # left as "— not recorded —"
    none_in_section_6(qtbot)
    section(qtbot, 7)
    assert page.session.recommendation is not None and page.session.recommendation.routing.route == "cmht"
    assert focused() is page.route_choice
    down_to(qtbot, page.route_choice, "Core IAPT")
    press(qtbot, Qt.Key.Key_Tab)
    down_to(qtbot, page.step_choice, "Step 2")
    tab_to(qtbot, page.override_reason)
    qtbot.keyClicks(focused(), "Declined the CMHT; agreed with the team leader to start guided self-help")
    press(qtbot, Qt.Key.Key_Return, CTRL)

    assert window.screening is page  # not confirmed
    assert "Problem descriptor (the main problem; an IAPT route needs one, Alt+5)" in page.problems.text()
    assert get_referral(store, PWP, referral_id).screenings == []  # nothing stored

    section(qtbot, 5)
    assert focused() is page.descriptor  # Alt+5 lands on what is missing
    answer(qtbot, "D")  # Depression
    assert page.session.form.problem_descriptor == "depression"
    confirm(qtbot, window).reject()
    screening, decision = stored(store, referral_id)
    assert screening.problem_descriptor == "depression"
    assert (decision.confirmed_route, decision.confirmed_step) == ("core_iapt", 2)


def test_ptsd_as_the_main_problem_prompts_for_its_measure_with_the_seeds_warning(qtbot, window, store):  # type: ignore[no-untyped-def]
    _referral_id, page = open_new_referral(qtbot, window, store)
    type_screening(qtbot, complexity="1")
    assert focused() is page.descriptor
    assert not page.secondary.prompt.isVisibleTo(page)  # nothing to prompt yet
    down_to(qtbot, page.descriptor, "Post-traumatic stress disorder")
    assert page.secondary.prompt.isVisibleTo(page)
    shown = page.secondary.prompt.text()
    assert "Use an anxiety-disorder-specific measure as well as the PHQ-9 and GAD-7: IES-R" in shown
    assert "PHQ/GAD can lead you to discharge too early" in shown
    assert "can lead you to discharge too early" in page.secondary.prompt.accessibleDescription()
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.resize(1280, 720)
    qtbot.wait(50)
    page.scroll_area.ensureWidgetVisible(page.secondary.prompt, 0, 20)
    qtbot.wait(50)
    page.grab().save(str(SHOTS / "assessment-history-ptsd.png"))
    answer(qtbot, "D")  # back to depression, which PHQ/GAD covers: no prompt
    assert page.descriptor.currentText() == "Depression"
    assert not page.secondary.prompt.isVisibleTo(page)
    tab_to(qtbot, next(b for b in page.secondary.boxes if b.property("code") == "social_anxiety"))
    press(qtbot, Qt.Key.Key_Space)  # a secondary social anxiety: its measure, SPIN
    assert "SPIN" in page.secondary.prompt.text() and page.secondary.prompt.isVisibleTo(page)


def test_the_new_assessment_answers_typed_are_stored_and_in_the_record(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = open_new_referral(qtbot, window, store)
    type_screening(qtbot, complexity="1")
    answer(qtbot, "G")  # Generalised anxiety disorder
    none_in_section_6(qtbot)

    # Section 4: protective factors rated, the rating before its detail (Shift+Tab back from the detail).
    section(qtbot, 4)
    tab_to(qtbot, page.protective)
    press(qtbot, Qt.Key.Key_Backtab)
    assert focused() is page.risk.protective_level
    down_to(qtbot, page.risk.protective_level, "Some")

    # Section 1: access needs, circumstances and goals, Tab after Tab.
    section(qtbot, 1)
    access = page.access
    assert focused() is access.interpreter
    qtbot.keyClicks(focused(), "Polish")
    press(qtbot, Qt.Key.Key_Tab)
    down_to(qtbot, access.information_format, "Large print")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is access.advocate
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is access.no_address
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Tab)
    down_to(qtbot, access.employment, "Employed, off sick")
    press(qtbot, Qt.Key.Key_Tab)
    down_to(qtbot, access.benefits, "No")
    press(qtbot, Qt.Key.Key_Tab)
    down_to(qtbot, access.sick_pay, "Yes")
    press(qtbot, Qt.Key.Key_Tab)
    down_to(qtbot, access.support, "Offered, accepted")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is access.concerns[0]  # Debt
    press(qtbot, Qt.Key.Key_Space)
    tab_to(qtbot, access.goals)
    qtbot.keyClicks(focused(), "Back at work by the spring")

    # Section 7: the supervision flag (risk is low), options offered, pure self-help chosen (the caveat
    # shows), how and where.
    section(qtbot, 7)
    assert focused() is page.route_choice  # Alt+7 still lands on the route
    for _ in range(30):  # Shift+Tab back, past the choice record, to the flag above it
        press(qtbot, Qt.Key.Key_Backtab)
        if focused() is page.choice.supervision:
            break
    assert focused() is page.choice.supervision
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is page.choice.options[0]
    press(qtbot, Qt.Key.Key_Space)  # pure self-help
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Space)  # guided self-help
    assert not page.choice.caveat.isVisibleTo(page)
    tab_to(qtbot, page.choice.preferred)
    down_to(qtbot, page.choice.preferred, "Pure self-help")
    assert page.choice.caveat.isVisibleTo(page)
    assert ("Pure self-help is likely to be of benefit only in milder recent onset cases and in most instances "
            "guided self-help is to be preferred.") in page.choice.caveat.text()  # fmt: skip
    telephone = next(b for b in page.choice.modalities if b.property("code") == "telephone")
    tab_to(qtbot, telephone)
    press(qtbot, Qt.Key.Key_Space)
    tab_to(qtbot, next(b for b in page.choice.locations if b.property("code") == "home"))
    press(qtbot, Qt.Key.Key_Space)
    tab_to(qtbot, page.choice.contact_times)
    qtbot.keyClicks(focused(), "Mornings before 10")
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.resize(1280, 720)
    for key in ("details", "summary"):
        page.scroll_area.ensureWidgetVisible(page.sections[key], 0, 0)
        qtbot.wait(50)  # laid out at the new size before the picture is taken
        page.grab().save(str(SHOTS / f"assessment-{key}.png"))

    confirm(qtbot, window).reject()
    screening, _decision = stored(store, referral_id)
    assert screening.risk_details["protective_level"] == "some"
    assert screening.discuss_in_supervision is True
    assert screening.assessment["access_needs"] == {"interpreter_language": "Polish", "advocate": True,
                                                    "information_format": "large_print", "no_registered_gp": False,
                                                    "no_fixed_address": True}  # fmt: skip
    assert screening.assessment["circumstances"] == {"employment_status": "employed_off_sick", "benefits": "no",
                                                     "statutory_sick_pay": "yes", "employment_support": "accepted",
                                                     "concerns": ["debt"]}  # fmt: skip
    assert screening.assessment["goals"] == "Back at work by the spring"
    assert screening.assessment["choice"] == {"options_offered": ["pure_self_help", "guided_self_help"],
                                              "preferred_option": "pure_self_help", "modalities": ["telephone"],
                                              "locations": ["home"], "contact_times": "Mornings before 10"}  # fmt: skip

    # The record, as the app shows it and as ``triage referrals show`` prints it.
    window.open_referral(referral_id)
    view = window.record_page
    assert view is not None
    shown = view.plain_text()
    text = record_as_text(referral_record(store, PWP, referral_id))
    for line in ("Protective factors rated: Some", "Discuss in supervision: Yes",
                 "Interpreter at the screening: Polish", "Advocate needed: Yes", "Format of information: Large print",
                 "No fixed address: Yes", "Employment status: Employed, off sick", "Statutory sick pay: Yes",
                 "Employment support: Offered, accepted", "Patient's goals: Back at work by the spring",
                 "Patient's preferred option: Pure self-help", "Contact times: Mornings before 10"):  # fmt: skip
        assert line in shown, line
        assert line in text, line
