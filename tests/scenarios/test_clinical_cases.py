"""Whole clinical cases typed key by key into the real main window (live-call issue 12): where the
matrix sends each person, what the screen says on the way, what is stored and what the letters say.

Routes: moderate depression with COPD (integrated IAPT, held back until section 6 is answered); PTSD
(straight to step 3); high substance use with high complexity (two services outside IAPT: a person
chooses); three unhelpful previous interventions (the CMHT); high risk raised by PHQ-9 item 9 (the
crisis team, the action and the reason recorded); and the CMHT chosen over the crisis team.
The choices a person makes against the recommendation are in test_clinical_choices.py.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.keys import answer, focused, press
from tests.scenarios.clinical import (
    ALT,
    CTRL,
    confirm,
    down_to,
    letter_text,
    no_risk_found,
    none_in_section_6,
    section,
    stored,
    tab_to,
)
from tests.scenarios.test_live_call_risk_and_mus import (
    answer_up_to_risk,
    fill_alert,
    high_risk_screening,
    open_new_referral,
    to,
)

CRISIS_TEAM = "Doncaster & South Humber Healthcare NHS Trust (DaSH) Crisis Resolution and Home Treatment Team"


def test_moderate_depression_with_copd_waits_for_section_6_then_goes_to_integrated_iapt(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = open_new_referral(qtbot, window, store)
    answer_up_to_risk(qtbot, "1")  # PHQ-9 11 (medium), GAD-7 8, every rating low, risk asked and low
    answer(qtbot, "D")  # depression
    section(qtbot, 7)  # a look at the summary before section 6 is asked: nothing to anchor on yet
    assert "Still needed: Long-term conditions (or none); Medically unexplained symptoms (or none)" in (
        page.summary.text()
    )
    assert page.panel.recommendation.text().startswith("No recommendation yet")
    assert not page.route_choice.isEnabled() and page.session.recommendation is None
    press(qtbot, Qt.Key.Key_Return, CTRL)  # refused, naming what is missing
    assert window.screening is page and "Long-term conditions (or none)" in page.problems.text()

    section(qtbot, 6)
    assert focused() is page.ltc_none
    copd = next(box for box in page.ltc_boxes if "(COPD)" in box.text())
    tab_to(qtbot, copd)
    press(qtbot, Qt.Key.Key_Space)
    section(qtbot, 6)  # on to the list still unanswered
    assert focused() is page.mus_none
    press(qtbot, Qt.Key.Key_Space)
    section(qtbot, 7)
    assert focused() is page.route_choice
    integrated = "Integrated IAPT (long-term conditions and medically unexplained symptoms), Step 2 (low-intensity)"
    assert page.route_choice.currentText() == f"As recommended: {integrated}"
    assert f"Recommended: <b>{integrated}</b>" in page.summary.text()
    assert "a long-term physical condition or medically unexplained symptoms are recorded" in page.summary.text()
    assert "Integrated IAPT" in page.panel.recommendation.text()

    dialog = confirm(qtbot, window)
    screening, decision = stored(store, referral_id)
    assert screening.phq9 == [2, 2, 1, 1, 2, 1, 1, 1, 0] and screening.problem_descriptor == "depression"
    assert (screening.long_term_conditions, screening.mus_kinds) == ([copd.text()], [])
    assert (decision.recommended_route, decision.recommended_step) == ("integrated_iapt", 2)
    assert (decision.confirmed_route, decision.confirmed_step, decision.override_reason) == ("integrated_iapt", 2, None)
    gp = letter_text(qtbot, dialog, "gp")
    assert "offered low-intensity psychological treatment (step 2 of stepped care) with our integrated service" in gp
    assert f"has a long-term physical condition recorded: {copd.text()}." in gp
    assert (
        "The presenting problem is depression." in gp and "depression score is 11 of 27, in the matrix's medium" in gp
    )
    assert "NG222" not in gp  # PHQ-9 11: below NICE NG222's 16 for more severe depression, so no medication note
    assert "The matrix recommended" not in gp  # no override to explain


def test_ptsd_goes_straight_to_step_3_of_core_iapt(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = open_new_referral(qtbot, window, store)
    answer_up_to_risk(qtbot, "1")  # severity medium, every rating low: step 2 but for the problem
    assert focused() is page.descriptor
    answer(qtbot, "Po")  # typed as the list reads: Post-traumatic stress disorder (PTSD)
    assert page.descriptor.currentText() == "Post-traumatic stress disorder (PTSD)"
    none_in_section_6(qtbot)
    section(qtbot, 7)
    assert page.route_choice.currentText() == "As recommended: Core IAPT, Step 3 (high-intensity)"
    assert page.step_choice.currentText() == "Step 3 (high-intensity)" and "Step 3" in page.panel.recommendation.text()
    assert "the problem descriptor is PTSD or social anxiety" in page.summary.text()

    dialog = confirm(qtbot, window)
    screening, decision = stored(store, referral_id)
    assert screening.problem_descriptor == "ptsd" and screening.risk == "low"
    assert (decision.recommended_route, decision.recommended_step) == ("core_iapt", 3)
    assert (decision.confirmed_route, decision.confirmed_step, decision.override_reason) == ("core_iapt", 3, None)
    assert decision.routing["step"] == 3 and "step3-descriptor" in decision.matched_rules["steps"]
    gp = letter_text(qtbot, dialog, "gp")
    assert "offered high-intensity psychological therapy with a qualified therapist (step 3 of stepped care)" in gp
    assert "Step 3 was chosen because: the problem descriptor is PTSD or social anxiety" in gp
    assert "The presenting problem is post-traumatic stress disorder." in gp


def test_high_substance_use_with_high_complexity_is_two_services_and_a_person_chooses(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = open_new_referral(qtbot, window, store)
    answer(qtbot, "221121110")
    answer(qtbot, "2211101")
    answer(qtbot, "2323")  # chronicity medium, complexity HIGH, impairment medium, substance use HIGH
    no_risk_found(qtbot, "1")
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    # Both services outside IAPT are reported, the CMHT first (precedence); nothing is preselected.
    assert "DaSH CMHT is indicated by Complexity high." in page.summary.text()
    assert "DaSH Substance Misuse Services is indicated by Substance use high." in page.summary.text()
    assert "More than one service outside IAPT is indicated; a person must decide which one." in page.summary.text()
    assert "A person must decide" in page.panel.confirmation.text() and page.panel.confirmation.isVisible()
    assert "DaSH Substance Misuse Services</b> ← Substance use" in page.panel.destinations.text()
    assert focused() is page.route_choice and page.route_choice.currentText() == "— choose —"
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.screening is page and "Route: choose the route yourself" in page.problems.text()
    down_to(qtbot, page.route_choice, "DaSH CMHT (recommended)")
    assert not page.step_choice.isEnabled()  # no step outside IAPT
    assert not page.problems.isVisibleTo(page)  # the list shown when Ctrl+Return was refused: nothing left on it

    dialog = confirm(qtbot, window)  # the recommendation chosen by a person: no reason needed
    screening, decision = stored(store, referral_id)
    assert (screening.complexity, screening.substance_use) == ("high", "high")
    assert decision.routing["needs_confirmation"] is True
    assert [d["code"] for d in decision.routing["destinations"]] == ["cmht", "substance_misuse", "iapt"]
    assert (decision.confirmed_route, decision.confirmed_step, decision.override_reason) == ("cmht", None, None)
    gp = letter_text(qtbot, dialog, "gp")
    assert "We have referred Testgiven to the Doncaster & South Humber Healthcare NHS Trust (DaSH) Community" in gp
    assert "The ratings also pointed to the substance misuse service." in gp
    referral_on = letter_text(qtbot, dialog, "referral-on")
    assert referral_on.startswith("Doncaster Talking Therapies Doncaster & South Humber Healthcare NHS Trust (DaSH) "
                                  "Community Mental Health Team (CMHT)")  # fmt: skip
    assert "Complexity, rated high" in referral_on and "The ratings also pointed to the substance misuse" in referral_on


def test_three_unhelpful_previous_interventions_go_to_the_cmht_each_one_in_the_referral(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = open_new_referral(qtbot, window, store)
    answer_up_to_risk(qtbot, "1")
    answer(qtbot, "D")
    tried = ("Guided self-help, 2021", "CBT with a therapist, 2022", "Counselling, 2023")
    for number, what in enumerate(tried, 1):
        press(qtbot, Qt.Key.Key_A, ALT)  # a button's mnemonic clicks a moment later
        qtbot.waitUntil(lambda n=number: len(page.interventions) == n and page.interventions[-1].what.hasFocus())
        qtbot.keyClicks(focused(), what)
        press(qtbot, Qt.Key.Key_Tab)
        answer(qtbot, "U")  # its outcome: Unhelpful
    # Outside IAPT the recommendation shows before section 6: nothing there can change it.
    assert "Previous interventions with unhelpful outcomes high: 3 recorded." in page.summary.text()
    assert "Recommended: <b>DaSH CMHT</b>" in page.panel.recommendation.text()
    none_in_section_6(qtbot)
    section(qtbot, 7)
    assert page.route_choice.currentText() == "As recommended: DaSH CMHT"

    dialog = confirm(qtbot, window)
    screening, decision = stored(store, referral_id)
    assert [(row["intervention"], row["outcome"]) for row in screening.previous_interventions] == [
        (what, "unhelpful") for what in tried
    ]
    assert (decision.recommended_route, decision.confirmed_route, decision.override_reason) == ("cmht", "cmht", None)
    gp = letter_text(qtbot, dialog, "gp")
    assert (
        "Number of previous interventions with unhelpful outcomes, rated high. The matrix describes its high level as “3+”"
        in gp
    )
    referral_on = letter_text(qtbot, dialog, "referral-on")
    for what in tried:
        assert f"{what} | unhelpful" in referral_on


def test_high_risk_from_phq9_item_9_goes_to_the_crisis_team_with_the_action_and_the_reason(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = open_new_referral(qtbot, window, store)
    answer(qtbot, "22212121")
    answer(qtbot, "2")  # item 9, "more than half the days": drawn to the risk questions at once
    assert focused() is page.risk_present["thoughts"] and page.item9_banner.isVisible()
    assert "then carry on with GAD-7 item 1 (Alt+2)" in page.item9_banner.text()
    assert "item 9" in page.panel.risk.text() and page.panel.risk.isVisible()
    for detail in ("Most days; wants to be gone", "Says she would act tonight", "Has saved up tablets"):
        answer(qtbot, "Y")  # thoughts, intent, plan: Yes, and to its detail
        qtbot.keyClicks(focused(), detail)
        press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, "N")  # no history of self-harm
    qtbot.keyClicks(focused(), "None she can name")
    press(qtbot, Qt.Key.Key_Tab)
    fill_alert(qtbot, "Duty manager J. Smith", "Crisis team to see her at home tonight")
    answer(qtbot, "3")  # risk HIGH: the alert, which takes who was contacted and what was agreed
    qtbot.waitUntil(lambda: bool(page.session.form.risk_details.get("contacted")) and not page._alert_open,
                    timeout=5000)  # fmt: skip
    assert "HIGH RISK" in page.banner.plain_text() and "Duty manager J. Smith contacted" in page.panel.risk.text()
    assert "Action recorded: contacted Duty manager J. Smith" in page.risk_action.text()

    to(qtbot, page.protective)  # the window active again after the alert
    section(qtbot, 2)  # as the banner says
    assert focused() is page.gad7.rows[0]
    answer(qtbot, "2221211")
    answer(qtbot, "2221")
    # The crisis team shows once the ratings are in, without waiting for sections 5 and 6.
    assert "Recommended: <b>DaSH CRHTT</b>" in page.panel.recommendation.text()
    section(qtbot, 5)
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    assert focused() is page.route_choice and page.route_choice.currentText() == "— choose —"
    assert "a person must choose between the crisis team and the CMHT and record why" in page.summary.text()
    down_to(qtbot, page.route_choice, "DaSH CRHTT (recommended)")
    assert "required: risk is high" in page.decision.reason_label.text()
    tab_to(qtbot, page.override_reason)
    reason = "Plan and means for tonight; not known to the CMHT"
    qtbot.keyClicks(focused(), reason)

    dialog = confirm(qtbot, window)
    screening, decision = stored(store, referral_id)
    assert screening.phq9[8] == 2 and screening.risk == "high"
    details = screening.risk_details
    assert details["thoughts"] == {"present": "yes", "detail": "Most days; wants to be gone"}
    assert details["plan"] == {"present": "yes", "detail": "Has saved up tablets"}
    assert details["history"]["present"] == "no" and details["protective_factors"] == "None she can name"
    assert details["contacted"] == "Duty manager J. Smith" and details["contacted_at"]
    assert details["actions_taken"] == "Crisis team to see her at home tonight"
    assert (decision.recommended_route, decision.confirmed_route) == ("crisis_team", "crisis_team")
    assert decision.override_reason == reason  # the reason for a high-risk choice, though it is the recommendation
    gp = letter_text(qtbot, dialog, "gp")
    assert f"Because of the level of risk identified, we have referred Testgiven urgently to the {CRISIS_TEAM}" in gp
    assert f"Why we chose the Crisis Resolution and Home Treatment Team: {reason}" in gp
    assert "Contacted: Duty manager J. Smith" in gp and "Crisis team to see her at home tonight" in gp
    assert "Testgiven scored 2 out of 3" in gp
    referral_on = letter_text(qtbot, dialog, "referral-on")
    assert referral_on.startswith(f"Doncaster Talking Therapies {CRISIS_TEAM}")
    assert "Contacted: Duty manager J. Smith" in referral_on and "scored 2 out of 3" in referral_on


def test_high_risk_the_cmht_chosen_over_the_crisis_team_is_an_override_with_its_reason(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = high_risk_screening(qtbot, window, store, who="Duty senior PWP",
                                            agreed="Safety plan agreed; crisis numbers given")  # fmt: skip
    to(qtbot, page.descriptor)
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    down_to(qtbot, page.route_choice, "DaSH CMHT")
    assert (
        page.session.is_override and "required: you chose other than recommended" in page.decision.reason_label.text()
    )
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.screening is page
    assert "Reason: say why you chose other than the recommendation" in page.problems.text()
    press(qtbot, Qt.Key.Key_O, ALT)  # to the reason
    assert focused() is page.override_reason
    reason = "Known to the CMHT care coordinator, who will see him tomorrow; no plan for tonight"
    qtbot.keyClicks(focused(), reason)

    dialog = confirm(qtbot, window)
    _screening, decision = stored(store, referral_id)
    assert (decision.recommended_route, decision.confirmed_route, decision.override_reason) == (
        "crisis_team", "cmht", reason)  # fmt: skip
    gp = letter_text(qtbot, dialog, "gp")
    assert "The matrix recommended the Crisis Resolution and Home Treatment Team" in gp
    assert f"After review, our service decided instead on the Community Mental Health Team. The reason: {reason}" in gp
    assert "Contacted: Duty senior PWP" in gp
    referral_on = letter_text(qtbot, dialog, "referral-on")
    assert "Community Mental Health Team (CMHT) Date" in referral_on and reason in referral_on


def test_a_medium_risk_screening_asks_for_the_actions_and_then_its_gp_letter_is_produced(qtbot, window, store):  # type: ignore[no-untyped-def]
    """Found by the scenarios: a medium-risk decision was saved with no actions recorded, and then no
    GP letter could be produced for it (the letters require what was done and the advice given)."""
    referral_id, page = open_new_referral(qtbot, window, store)
    answer_up_to_risk(qtbot, "2")  # risk medium: on to the actions and safety advice
    assert page.risk.actions.hasFocus()
    qtbot.keyClicks(focused(), "Safety plan agreed; crisis line number given")
    press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    dialog = confirm(qtbot, window)
    assert dialog.letter is not None, dialog.notice.text()
    screening = stored(store, referral_id)[0]
    assert screening.risk == "medium"
    assert screening.risk_details["actions_taken"] == "Safety plan agreed; crisis line number given"
    assert "Safety plan agreed; crisis line number given" in " ".join(dialog.letter.paragraphs)
