"""Whole clinical cases where a person decides against, or after, the recommendation, typed key by key
into the real main window (live-call issue 12): an override with its reason; a choice made before the
recommendation moved, kept or given up only when the person says so; a PHQ-9 answer that a stray digit
cannot replace, with Alt+2 after item 9 landing on GAD-7; a draft that outlives a killed process and
is finished after Ctrl+R; and a team leader's decision in the referral meeting. Each checks what is
stored, what the screen said at the moment that mattered, and what the letters say.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import Qt

from tests.keys import answer, focused, press
from tests.scenarios.clinical import (
    ALT,
    CTRL,
    confirm,
    down_to,
    letter_text,
    main_window,
    no_risk_found,
    none_in_section_6,
    section,
    stored,
    tab_to,
)
from tests.scenarios.test_live_call_risk_and_mus import (
    PRACTICE,
    answer_up_to_risk,
    open_new_referral,
)
from tests.store.conftest import referral_input
from tests.users import LEADER, PWP, as_pwp
from triage.services import create_referral, list_drafts, load_draft
from triage.store.audit import events_for

ROOT = Path(__file__).resolve().parents[2]


def moderate_depression_at_the_summary(qtbot, window, store):  # type: ignore[no-untyped-def]
    """A new referral typed up to its summary: moderate depression, risk low, no history, "None" for
    section 6, Alt+7; Core IAPT step 2 is recommended. Returns the referral's id and the page."""
    referral_id, page = open_new_referral(qtbot, window, store)
    answer_up_to_risk(qtbot, "1")
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    return referral_id, page


def choose_core_iapt(qtbot, page, step: str) -> None:  # type: ignore[no-untyped-def]
    """From the Route box: Down to "Core IAPT", Tab to the Step box, Down to the step."""
    assert focused() is page.route_choice
    down_to(qtbot, page.route_choice, "Core IAPT")
    press(qtbot, Qt.Key.Key_Tab)
    down_to(qtbot, page.step_choice, step)


def test_core_step_2_recommended_and_step_3_chosen_is_an_override_printed_for_the_gp(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = moderate_depression_at_the_summary(qtbot, window, store)
    assert page.route_choice.currentText() == "As recommended: Core IAPT, Step 2 (low-intensity)"
    down_to(qtbot, page.route_choice, "Core IAPT (recommended)")
    assert page.step_choice.currentText() == "— choose —"  # a step is chosen, never carried over
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.screening is page and "Step: choose step 2 or step 3" in page.problems.text()
    press(qtbot, Qt.Key.Key_Tab)
    down_to(qtbot, page.step_choice, "Step 3")
    assert (
        page.session.is_override and "required: you chose other than recommended" in page.decision.reason_label.text()
    )
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert "Reason: say why you chose other than the recommendation" in page.problems.text()
    tab_to(qtbot, page.override_reason)
    reason = "Two courses of guided self-help elsewhere did not help; she asks for a therapist"
    qtbot.keyClicks(focused(), reason)

    dialog = confirm(qtbot, window)
    _screening, decision = stored(store, referral_id)
    assert (decision.recommended_route, decision.recommended_step) == ("core_iapt", 2)
    assert (decision.confirmed_route, decision.confirmed_step, decision.override_reason) == ("core_iapt", 3, reason)
    gp = letter_text(qtbot, dialog, "gp")
    assert "offered high-intensity psychological therapy with a qualified therapist (step 3 of stepped care)" in gp
    assert ("The matrix recommended our core talking therapies service: low-intensity psychological treatment (step 2 "
            "of stepped care). After review, our service decided instead on our core talking therapies service: "
            f"high-intensity psychological therapy with a qualified therapist (step 3 of stepped care). The reason: "
            f"{reason}") in gp  # fmt: skip


def test_a_choice_made_before_copd_was_ticked_is_kept_only_when_the_person_says_so_and_why(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = moderate_depression_at_the_summary(qtbot, window, store)
    choose_core_iapt(qtbot, page, "Step 2")  # the person's own choice: the recommendation, as it was then
    assert not page.session.is_override

    section(qtbot, 6)
    copd = next(box for box in page.ltc_boxes if "(COPD)" in box.text())
    tab_to(qtbot, copd)
    press(qtbot, Qt.Key.Key_Space)  # COPD after all: the recommendation moves to integrated IAPT
    assert not page.ltc_none.isChecked()
    assert page.decision.conflict.isVisibleTo(page)
    assert ("The recommendation changed to Integrated IAPT (long-term conditions and medically unexplained symptoms), "
            "Step 2 (low-intensity) after you chose Core IAPT, Step 2 (low-intensity).") in (
        page.decision.conflict_text.text())  # fmt: skip
    assert page.route_choice.currentText() == "Core IAPT"  # the choice is shown as made, not silently moved
    section(qtbot, 7)
    assert focused() is page.decision.keep  # Alt+7 lands on what blocks confirming
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.screening is page and "the recommendation changed after you chose" in page.problems.text()
    press(qtbot, Qt.Key.Key_K, ALT)  # Keep my choice
    qtbot.waitUntil(lambda: not page.session.in_conflict)
    assert not page.decision.conflict.isVisibleTo(page) and page.session.is_override
    press(qtbot, Qt.Key.Key_Return, CTRL)  # now an override of the new recommendation: it needs its reason
    assert "Reason: say why you chose other than the recommendation" in page.problems.text()
    press(qtbot, Qt.Key.Key_O, ALT)
    reason = "COPD is stable and managed by the practice nurse; she wants the core team's evening group"
    qtbot.keyClicks(focused(), reason)

    dialog = confirm(qtbot, window)
    screening, decision = stored(store, referral_id)
    assert screening.long_term_conditions == [copd.text()]
    assert (decision.recommended_route, decision.recommended_step) == ("integrated_iapt", 2)
    assert (decision.confirmed_route, decision.confirmed_step, decision.override_reason) == ("core_iapt", 2, reason)
    gp = letter_text(qtbot, dialog, "gp")
    assert "The matrix recommended our integrated service for long-term conditions and medically unexplained" in gp
    assert "After review, our service decided instead on our core talking therapies service: low-intensity " in gp
    assert f"The reason: {reason}" in gp


def test_a_recommendation_that_moved_after_the_choice_is_followed_when_the_person_says_so(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = moderate_depression_at_the_summary(qtbot, window, store)
    choose_core_iapt(qtbot, page, "Step 2")
    section(qtbot, 5)  # she remembers a course that did not help
    press(qtbot, Qt.Key.Key_A, ALT)
    qtbot.waitUntil(lambda: len(page.interventions) == 1 and page.interventions[0].what.hasFocus())
    qtbot.keyClicks(focused(), "Guided self-help, 2022")
    press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, "U")  # Unhelpful: step 3 is recommended now
    assert ("The recommendation changed to Core IAPT, Step 3 (high-intensity) after you chose Core IAPT, Step 2 "
            "(low-intensity).") in page.decision.conflict_text.text()  # fmt: skip
    section(qtbot, 7)
    assert focused() is page.decision.keep
    press(qtbot, Qt.Key.Key_N, ALT)  # Follow the new recommendation
    qtbot.waitUntil(lambda: not page.session.in_conflict)
    assert page.route_choice.currentText() == "As recommended: Core IAPT, Step 3 (high-intensity)"
    assert page.step_choice.currentText() == "Step 3 (high-intensity)" and not page.session.is_override

    dialog = confirm(qtbot, window)
    screening, decision = stored(store, referral_id)
    assert screening.previous_interventions == [  # no step or year typed: stored as not recorded
        {"intervention": "Guided self-help, 2022", "outcome": "unhelpful", "step": None, "year": None}
    ]
    assert (decision.recommended_route, decision.recommended_step) == ("core_iapt", 3)
    assert (decision.confirmed_route, decision.confirmed_step, decision.override_reason) == ("core_iapt", 3, None)
    gp = letter_text(qtbot, dialog, "gp")
    assert (
        "Step 3 was chosen because: there has been at least one previous intervention with an unhelpful outcome" in gp
    )
    assert "The matrix recommended" not in gp


def test_a_digit_over_an_answered_phq9_item_and_alt_2_after_item_9_keep_every_answer(qtbot, window, store):  # type: ignore[no-untyped-def]
    """Defect 3: GAD-7 answers typed into PHQ-9 after Alt+2 overwrote it, and severity fell from high."""
    referral_id, page = open_new_referral(qtbot, window, store)
    answer(qtbot, "333333331")  # PHQ-9 25; item 9 above 0 draws the focus to the risk questions
    assert focused() is page.risk_present["thoughts"]
    answer(qtbot, "Y")
    qtbot.keyClicks(focused(), "Fleeting, no plan or intent")
    press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, "NNN")
    qtbot.keyClicks(focused(), "Her children")
    press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, "1")  # risk low
    assert "carry on with GAD-7 item 1 (Alt+2)" in page.item9_banner.text()
    section(qtbot, 2)
    assert focused() is page.gad7.rows[0]
    answer(qtbot, "0000000")  # GAD-7, on to chronicity
    section(qtbot, 2)  # pressed again, the PHQ-9 and GAD-7 both answered: PHQ-9 item 1
    assert focused() is page.phq9.rows[0]
    answer(qtbot, "1111111")  # the slip of the live call: GAD-7 answers typed into PHQ-9
    assert page.session.form.phq9 == (3, 3, 3, 3, 3, 3, 3, 3, 1) and focused() is page.phq9.rows[0]
    assert page.phq9.rows[0].hint.isVisibleTo(page) and "Backspace" in page.phq9.rows[0].hint.text()
    assert page.phq9.total_label.text() == "Total 25 of 27"
    section(qtbot, 3)
    assert focused() is page.raters["chronicity"].levels_row
    answer(qtbot, "1111")
    section(qtbot, 5)
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    assert focused() is page.acknowledge  # item 9 above 0 with risk low: a warning to review first
    assert "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) was answered above 0 while risk" in (
        page.summary.text()
    )
    assert page.route_choice.currentText() == "As recommended: Core IAPT, Step 3 (high-intensity)"
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.screening is page and "Warnings: tick that you have reviewed them" in page.problems.text()
    press(qtbot, Qt.Key.Key_V, ALT)  # I have reviewed the warnings
    qtbot.waitUntil(page.acknowledge.isChecked)

    dialog = confirm(qtbot, window)
    screening, decision = stored(store, referral_id)
    assert screening.phq9 == [3, 3, 3, 3, 3, 3, 3, 3, 1] and screening.gad7 == [0] * 7
    assert screening.risk_details["thoughts"] == {"present": "yes", "detail": "Fleeting, no plan or intent"}
    assert decision.routing["ratings"]["severity"] == "high" and decision.warnings_acknowledged
    assert (decision.confirmed_route, decision.confirmed_step) == ("core_iapt", 3)
    gp = letter_text(qtbot, dialog, "gp")
    assert "The PHQ-9 depression score is 25 of 27, in the matrix's high band (20–27)" in gp
    assert "Step 3 was chosen because: severity is high" in gp and "Testgiven scored 1 out of 3" in gp


def type_and_be_killed(store_path: str, referral_id: str, settings: Path) -> subprocess.CompletedProcess[str]:
    """Another process opens the referral, types the severity section and two ratings by keys, waits for
    its draft to be saved and is killed (SIGKILL: no chance to tidy up)."""
    script = textwrap.dedent(f"""
        import os, signal
        from PySide6.QtCore import QDeadlineTimer, Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication
        from tests.ui.conftest import RULESET, SETTINGS
        from tests.users import PWP
        from triage.store import open_store
        from triage.ui.main_window import MainWindow
        app = QApplication([])
        window = MainWindow(open_store({store_path!r}), RULESET, SETTINGS, PWP)
        window.show()
        window.activateWindow()
        assert QTest.qWaitForWindowActive(window)
        window.open_referral({referral_id!r})
        page = window.screening
        for key in "221121110" "2211101" "3":  # PHQ-9, GAD-7, chronicity high
            QTest.keyClick(QApplication.focusWidget(), key)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
        QTest.keyClicks(QApplication.focusWidget(), "since the redundancy")  # the chronicity note
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        QTest.keyClick(QApplication.focusWidget(), "2")  # complexity medium
        deadline = QDeadlineTimer(10_000)
        while page.session.dirty and not deadline.hasExpired():
            QTest.qWait(50)
        print("saved" if not page.session.dirty else "NOT saved", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_SETTINGS": str(settings)}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env,
                          cwd=ROOT)  # fmt: skip


def test_a_draft_killed_mid_call_is_resumed_by_ctrl_r_at_its_first_unanswered_field(qtbot, store, tmp_path):  # type: ignore[no-untyped-def]
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(1, gp_practice_code=PRACTICE["code"])).id
    done = type_and_be_killed(str(store.url.database), referral_id, tmp_path / "killed.json")
    assert done.returncode == -signal.SIGKILL and "saved" in done.stdout.split(), done.stderr[-2000:]

    window = main_window(qtbot, store, PWP)  # the app started again
    assert window.home.drafts_banner.isVisible() and "Press Ctrl+R to resume" in window.home.drafts_banner.text()
    press(qtbot, Qt.Key.Key_R, CTRL)
    page = window.screening
    assert page is not None and window.referral_id == referral_id
    assert focused() is page.raters["impairment"].levels_row  # where the screener left off
    assert page.phq9.answers() == [2, 2, 1, 1, 2, 1, 1, 1, 0] and page.gad7.answers() == [2, 2, 1, 1, 1, 0, 1]
    assert page.raters["chronicity"].note.text() == "since the redundancy"
    answer(qtbot, "11")  # impairment, substance use
    no_risk_found(qtbot, "1")
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    assert page.route_choice.currentText() == "As recommended: Core IAPT, Step 2 (low-intensity)"

    dialog = confirm(qtbot, window)
    screening, decision = stored(store, referral_id)
    assert screening.phq9 == [2, 2, 1, 1, 2, 1, 1, 1, 0] and screening.gad7 == [2, 2, 1, 1, 1, 0, 1]
    assert (screening.chronicity, screening.complexity, screening.impairment) == ("high", "medium", "low")
    assert screening.rating_notes == {"chronicity": "since the redundancy"}
    assert (decision.confirmed_route, decision.confirmed_step) == ("core_iapt", 2)
    assert load_draft(store, PWP, referral_id) is None and list_drafts(store, PWP, only_mine=False) == []
    gp = letter_text(qtbot, dialog, "gp")
    assert "Chronicity | high | our service" in gp and "Complexity | medium | our service" in gp


def test_a_team_leader_decides_in_the_referral_meeting_against_the_cmht_with_a_reason(qtbot, store):  # type: ignore[no-untyped-def]
    leader = main_window(qtbot, store, LEADER)
    referral_id, page = open_new_referral(qtbot, leader, store)
    answer(qtbot, "221121110")
    answer(qtbot, "2211101")
    answer(qtbot, "2331")  # complexity and impairment high: the CMHT, one service, nothing to choose between
    no_risk_found(qtbot, "1")
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    assert page.route_choice.currentText() == "As recommended: DaSH CMHT" and not page.panel.confirmation.isVisible()
    choose_core_iapt(qtbot, page, "Step 3")
    tab_to(qtbot, page.override_reason)
    reason = "The meeting agreed step 3 CBT first; the CMHT declined, as the impairment follows the depression"
    qtbot.keyClicks(focused(), reason)
    press(qtbot, Qt.Key.Key_E, ALT)  # Decided in the referral meeting
    qtbot.waitUntil(page.in_meeting.isChecked)

    dialog = confirm(qtbot, leader)
    _screening, decision = stored(store, referral_id)
    assert decision.decided_by == LEADER.username
    assert (decision.recommended_route, decision.confirmed_route, decision.confirmed_step) == ("cmht", "core_iapt", 3)
    assert decision.override_reason == reason
    with store.read() as session:
        summaries = [event.summary for event in events_for(session, "decision", decision.id)]
    assert any("override of the recommendation" in s and "in the referral meeting" in s for s in summaries)
    gp = letter_text(qtbot, dialog, "gp")
    assert "The matrix recommended the Community Mental Health Team." in gp and f"The reason: {reason}" in gp
    assert "Team Leader" in gp.split("Yours sincerely,")[-1]
