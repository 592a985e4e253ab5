"""The screening session model (triage/services/screening_session.py): the rules the screening page
gets from it. Each test states the behaviour the live-call issue asks for; where today's page does
otherwise (defects 1, 2 and 3) the test is written against that defect. No Qt, no store."""

from __future__ import annotations

from typing import Any

import pytest

from triage.rules.ruleset import Ruleset, default_ruleset
from triage.services.inputs import InvalidInput
from triage.services.route_choice import Chosen, FollowsRecommendation, RouteKey
from triage.services.screening_form import condition_lists
from triage.services.screening_session import ScreeningSession

COPD = condition_lists().long_term_conditions[1]
CONTACT = {
    "contacted": "Duty manager, Jo Bloggs",
    "contacted_at": "2026-01-05T10:42:00",
    "actions_taken": "Crisis team",
}


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return default_ruleset()


def matrix_answers(session: ScreeningSession, risk: str = "low") -> None:
    """PHQ-9, GAD-7 and the five ratings: everything the matrix itself needs (item 9 at 0: no warning)."""
    for item in range(9):
        session.set_answer("phq9", item, 0 if item == 8 else 1)
    for item in range(7):
        session.set_answer("gad7", item, 1)
    for variable in ("chronicity", "complexity", "impairment", "substance_use"):
        session.set_rating(variable, "low")  # type: ignore[arg-type]
    session.update_risk_details({k: {"present": "no", "detail": ""} for k in ("thoughts", "intent", "plan", "history")})
    session.set_rating("risk", risk)  # type: ignore[arg-type]


def section6_none(session: ScreeningSession) -> None:
    session.set_problem_descriptor("depression")
    session.set_long_term_conditions([])
    session.set_mus_kinds([])


def answered(ruleset: Ruleset) -> ScreeningSession:
    session = ScreeningSession(ruleset)
    matrix_answers(session)
    section6_none(session)
    return session


def recorder(session: ScreeningSession) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    for name in ("changed", "recommendation_changed", "route_conflict", "high_risk_drawn", "dirty_changed"):
        getattr(session, name).connect(lambda value, name=name: events.append((name, value)))
    return events


# --- defect 1: the route choice follows the recommendation until the person chooses --------------


def test_the_route_follows_the_recommendation_after_copd_is_ticked(ruleset: Ruleset) -> None:
    session = answered(ruleset)
    assert session.effective_route == RouteKey(route="core_iapt", step=2)
    assert isinstance(session.route_choice, FollowsRecommendation)
    session.set_long_term_conditions([COPD])
    assert session.recommendation is not None and session.recommendation.key.route == "integrated_iapt"
    assert session.effective_route == RouteKey(route="integrated_iapt", step=2)
    assert not session.is_override
    assert not [p for p in session.problems() if p.startswith("Reason")]  # no override the person never made


def test_a_choice_made_before_the_recommendation_changed_is_a_conflict_to_resolve(ruleset: Ruleset) -> None:
    session = answered(ruleset)
    session.choose_route("core_iapt", 3)
    session.set_override_reason("Severity understated on the call")
    events = recorder(session)
    session.set_long_term_conditions([COPD])
    assert session.in_conflict
    assert session.effective_route is None  # never silently kept
    assert ("route_conflict", session.route_choice) in events
    assert any(p.startswith("Route: the recommendation changed") for p in session.problems())
    with pytest.raises(InvalidInput):
        session.to_inputs()


def test_a_conflict_is_resolved_by_keeping_the_choice_or_following_the_new_recommendation(ruleset: Ruleset) -> None:
    session = answered(ruleset)
    session.choose_route("core_iapt", 3)
    session.set_long_term_conditions([COPD])
    session.keep_choice()
    assert not session.in_conflict
    assert session.effective_route == RouteKey(route="core_iapt", step=3) and session.is_override
    assert session.route_choice == Chosen(route="core_iapt", step=3, against=RouteKey(route="integrated_iapt", step=2))
    session.set_long_term_conditions([])  # Core IAPT step 2 now: not what was chosen, nor chosen against
    assert session.in_conflict  # asked again
    session.follow_recommendation()
    assert session.effective_route == RouteKey(route="core_iapt", step=2) and not session.is_override


def test_raising_the_risk_to_high_never_keeps_an_iapt_route(ruleset: Ruleset) -> None:
    session = answered(ruleset)
    assert session.effective_route is not None  # following Core IAPT
    session.set_rating("risk", "high")
    assert session.recommendation is not None and session.recommendation.key.route == "crisis_team"
    assert session.recommendation.needs_confirmation
    assert session.effective_route is None  # a person must choose: nothing preselected
    session.choose_route("crisis_team")
    assert session.effective_route == RouteKey(route="crisis_team") and not session.is_override


def test_a_choice_that_becomes_the_recommendation_is_not_a_conflict(ruleset: Ruleset) -> None:
    session = answered(ruleset)
    session.choose_route("integrated_iapt", 2)
    session.set_long_term_conditions([COPD])
    assert not session.in_conflict and not session.is_override


# --- defect 2: hold back only what can still change ----------------------------------------------


@pytest.mark.parametrize("unanswered", ["problem_descriptor", "long_term_conditions", "mus_kinds"])
def test_an_iapt_recommendation_waits_for_section_6_and_the_problem_descriptor(
    ruleset: Ruleset, unanswered: str
) -> None:
    session = answered(ruleset)
    {"problem_descriptor": lambda: session.set_problem_descriptor(None),
     "long_term_conditions": lambda: session.set_long_term_conditions(None),
     "mus_kinds": lambda: session.set_mus_kinds(None)}[unanswered]()  # fmt: skip
    assert session.recommendation is None
    assert session.live().routing is None
    assert session.held_back() and session.live().missing == session.held_back()
    assert session.effective_route is None
    assert session.resume_point() == unanswered


def test_the_resume_point_walks_the_form_in_order_the_risk_questions_before_the_risk_rating(ruleset: Ruleset) -> None:
    session = ScreeningSession(ruleset)
    assert session.resume_point() == "phq9.0"
    for item in range(9):
        session.set_answer("phq9", item, 1)
    assert session.resume_point() == "gad7.0"  # where Alt+2 goes after PHQ-9 (defect 3)
    assert session.resume_point("risk") == "risk_details.thoughts"
    session.update_risk_details({k: {"present": "no", "detail": ""} for k in ("thoughts", "intent", "plan", "history")})
    assert session.resume_point("risk") == "risk"


def test_no_conditions_is_an_answer_and_unanswered_is_not_none(ruleset: Ruleset) -> None:
    session = ScreeningSession(ruleset)
    matrix_answers(session)
    session.set_problem_descriptor("depression")
    assert session.recommendation is None  # today's page shows Core IAPT here
    session.set_long_term_conditions([])
    session.set_mus_kinds([])
    assert session.recommendation is not None and session.recommendation.key.route == "core_iapt"
    assert session.form.medically_unexplained_symptoms is False and session.form.mus_kinds == ()


def test_the_crisis_team_for_high_risk_shows_at_once(ruleset: Ruleset) -> None:
    session = ScreeningSession(ruleset)
    matrix_answers(session, risk="high")
    assert session.held_back() == []
    assert session.recommendation is not None and session.recommendation.key.route == "crisis_team"
    assert session.live().routing is not None
    # Section 6 is still part of the record: it cannot be confirmed unanswered.
    assert any("Long-term conditions" in p for p in session.problems())


# --- the high-risk alert: an event, once ---------------------------------------------------------


def test_the_high_risk_alert_is_drawn_once_when_risk_becomes_high(ruleset: Ruleset) -> None:
    session = ScreeningSession(ruleset)
    events = recorder(session)
    session.set_rating("risk", "high")
    session.set_rating("risk", "medium")
    session.set_rating("risk", "high")
    session.set_answer("phq9", 0, 2)
    assert [e for e in events if e[0] == "high_risk_drawn"] == [("high_risk_drawn", None)]


def test_no_alert_when_the_action_is_already_recorded_and_a_resumed_session_can_draw_it(ruleset: Ruleset) -> None:
    session = ScreeningSession(ruleset)
    session.update_risk_details(CONTACT)
    events = recorder(session)
    session.set_rating("risk", "high")
    assert not [e for e in events if e[0] == "high_risk_drawn"]
    resumed = ScreeningSession.from_draft(ruleset, {**session.draft(), "form": {**session.draft()["form"],
                                                                                 "risk_details": {}}})  # fmt: skip
    events = recorder(resumed)
    resumed.draw_pending_alert()
    resumed.draw_pending_alert()
    assert [e[0] for e in events].count("high_risk_drawn") == 1


# --- warnings, reasons, events, dirty ------------------------------------------------------------


def test_an_acknowledgement_covers_only_the_warnings_it_saw(ruleset: Ruleset) -> None:
    session = answered(ruleset)
    session.set_answer("phq9", 8, 1)  # item 9 above 0 with risk low: a warning
    assert session.recommendation is not None and session.recommendation.warnings
    session.acknowledge_warnings(True)
    assert not any(p.startswith("Warnings") for p in session.problems())
    assert session.decision.acknowledged_warnings == session.recommendation.warnings
    session.set_rating("risk", "medium")
    session.set_rating("substance_use", "high")  # another route, other warnings
    shown = set(session.recommendation.warnings) if session.recommendation else set()
    if not shown <= set(session.decision.acknowledged_warnings):
        assert any(p.startswith("Warnings") for p in session.problems())


def test_an_override_needs_a_reason_and_a_stepped_route_a_step(ruleset: Ruleset) -> None:
    session = answered(ruleset)
    session.choose_route("cmht")
    assert session.is_override and any(p.startswith("Reason") for p in session.problems())
    session.choose_route("integrated_iapt")
    assert any(p.startswith("Step") for p in session.problems())
    session.choose_step(3)
    session.set_override_reason("Known to the integrated team")
    assert session.problems() == []
    inputs = session.to_inputs()
    assert (inputs.decision.confirmed_route, inputs.decision.confirmed_step) == ("integrated_iapt", 3)
    assert inputs.decision.override_reason == "Known to the integrated team"


def test_any_choice_for_high_risk_needs_a_reason_and_carries_it(ruleset: Ruleset) -> None:
    """The crisis team is recommended for high risk; choosing it, not only the CMHT, needs a reason that
    the decision then carries (defect 6, the same rule the store applies)."""
    session = ScreeningSession(ruleset)
    matrix_answers(session, risk="high")
    session.update_risk_details(CONTACT)
    section6_none(session)
    session.choose_route("crisis_team")
    assert not session.is_override
    assert "Reason: say why you chose this route (required as risk is high)" in session.problems()
    session.set_override_reason("Plan and means; lives alone")
    assert session.problems() == []
    assert session.to_inputs().decision.override_reason == "Plan and means; lives alone"


def test_a_reason_typed_and_then_not_needed_is_not_recorded(ruleset: Ruleset) -> None:
    session = answered(ruleset)
    session.choose_route("cmht")
    session.set_override_reason("changed my mind")
    session.follow_recommendation()
    session.set_in_meeting(True)
    inputs = session.to_inputs()
    assert inputs.decision.override_reason is None and inputs.in_meeting
    assert not inputs.decision.warnings_acknowledged  # there were none to acknowledge


def test_events_and_the_dirty_flag(ruleset: Ruleset) -> None:
    session = ScreeningSession(ruleset)
    events = recorder(session)
    session.set_answer("phq9", 3, 2)
    session.set_answer("phq9", 3, 2)  # no change: no event
    assert events == [("dirty_changed", True), ("changed", "phq9.3")]
    session.mark_saved()
    assert not session.dirty and events[-1] == ("dirty_changed", False)
    matrix_answers(session)
    section6_none(session)
    assert [name for name, _ in events].count("recommendation_changed") == 1
    session.set_override_reason("x")
    assert events[-1] == ("changed", "decision.override_reason")


# --- defect 3's model side, and the resume point -------------------------------------------------


def test_an_overwritten_answer_is_reported_and_the_severity_resume_point_is_gad7(ruleset: Ruleset) -> None:
    session = ScreeningSession(ruleset)
    for item in range(9):
        assert session.set_answer("phq9", item, 3) is None
    # Alt+2 after PHQ-9 item 9 must land on GAD-7 item 1, not PHQ-9 item 1 (HAZ-010).
    assert session.resume_point("severity") == "gad7.0"
    assert session.set_answer("phq9", 0, 1) == 3  # the page can say an answer was replaced


def test_the_resume_point_walks_the_form_in_order(ruleset: Ruleset) -> None:
    session = ScreeningSession(ruleset)
    assert session.resume_point() == "phq9.0"
    matrix_answers(session, risk="high")
    assert session.resume_point() == "risk_details.contacted"
    session.update_risk_details(CONTACT)
    assert session.resume_point() == "problem_descriptor"
    section6_none(session)
    assert session.resume_point() == "decision"  # high risk: a person must choose
    session.choose_route("crisis_team")
    assert session.resume_point() == "decision"  # and for high risk, say why (defect 6)
    session.set_override_reason("Plan and means; lives alone")
    assert session.resume_point() is None and session.problems() == []
    assert session.to_inputs().decision.confirmed_route == "crisis_team"


def test_a_half_answered_wsas_blocks_the_record_and_is_not_dropped(ruleset: Ruleset) -> None:
    session = answered(ruleset)
    session.ask_wsas(True)
    session.set_answer("wsas", 0, 4)
    assert session.resume_point() == "wsas.1"
    assert any("WSAS" in p for p in session.screening_problems())
    for item in range(1, 5):
        session.set_answer("wsas", item, 8)
    assert session.to_inputs().screening.wsas == (4, 8, 8, 8, 8)
