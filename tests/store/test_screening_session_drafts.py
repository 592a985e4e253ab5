"""The session's form is generated from the input model, not hand-mapped (defect 7's cause), and its
drafts round-trip and open from today's format (triage/services/draft_format.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.rules.ruleset import default_ruleset
from triage.rules.vocabulary import LEVELS, PROBLEM_DESCRIPTORS, RATED_VARIABLES, ROUTES
from triage.services.draft_format import (
    AWAITING_INPUT_FIELDS,
    FORM_ONLY_FIELDS,
    V1_FIELDS,
    DraftFormatError,
    Section,
    SessionForm,
    exactly,
    load_draft,
    screening_data,
    to_v1,
)
from triage.services.inputs import DecisionInput, RiskDetails, ScreeningInput
from triage.services.screening_form import SECTIONS, InterventionRow, ScreeningForm, condition_lists
from triage.services.screening_session import ScreeningSession
from triage.store.vocabulary import INTERVENTION_OUTCOMES, INTERVENTION_STEPS

RULESET = default_ruleset()
LISTS = condition_lists()

# --- generated, not hand-mapped -------------------------------------------------------------------


def test_the_form_has_the_screening_inputs_fields_and_only_the_documented_others() -> None:
    form_fields, input_fields = set(SessionForm.model_fields), set(ScreeningInput.model_fields)
    assert {"section"} == FORM_ONLY_FIELDS
    # Holds before and after the MUS-storage fix adds ScreeningInput.mus_kinds: then AWAITING is empty.
    assert {"mus_kinds"} >= AWAITING_INPUT_FIELDS
    assert form_fields - FORM_ONLY_FIELDS == input_fields | AWAITING_INPUT_FIELDS
    assert get_args(Section) == SECTIONS


def test_a_field_missing_on_either_side_fails_loudly() -> None:
    data = screening_data(SessionForm())
    with pytest.raises(TypeError, match="not given by the session"):
        exactly(ScreeningInput, {k: v for k, v in data.items() if k != "wsas"})  # a default would hide it
    with pytest.raises(ValueError, match="Extra inputs"):
        ScreeningInput.model_validate({**data, "not_a_field": 1})


@pytest.mark.skipif("mus_kinds" not in ScreeningInput.model_fields,
                    reason="waits for ScreeningInput.mus_kinds (the MUS-storage fix, HAZ-014)")  # fmt: skip
def test_the_kind_of_mus_reaches_the_screening_input() -> None:
    session = complete_session()
    session.set_mus_kinds([LISTS.medically_unexplained_symptoms[0]])
    session.follow_recommendation()
    screening = session.screening_input()
    assert screening.mus_kinds == (LISTS.medically_unexplained_symptoms[0],)  # type: ignore[attr-defined]


def complete_session() -> ScreeningSession:
    session = ScreeningSession(RULESET)
    for item in range(9):
        session.set_answer("phq9", item, 1 if item < 8 else 0)
    for item in range(7):
        session.set_answer("gad7", item, 1)
    for variable in RATED_VARIABLES:
        session.set_rating(variable, "low")
    session.set_problem_descriptor("gad")
    session.set_long_term_conditions([])
    session.set_mus_kinds([])
    return session


# --- hypothesis: complete sessions and drafts round-trip ------------------------------------------

from tests.store.test_screening_round_trip import assessments  # noqa: E402  (the one strategy for it)

texts = st.text(st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=20)
# Who was contacted and what was agreed must be words (two letters at least), not a digit or a dot.
words = st.text(st.characters(codec="utf-8", categories=("L",)), min_size=2, max_size=20)


@st.composite
def sessions(draw: st.DrawFn, complete: bool = True) -> ScreeningSession:
    session = ScreeningSession(RULESET)
    for measure, items in (("phq9", 9), ("gad7", 7)):
        for item in range(items):
            session.set_answer(measure, item, draw(st.integers(0, 3) if complete else st.none() | st.integers(0, 3)))  # type: ignore[arg-type]
    if draw(st.booleans()):
        session.ask_wsas(True)
        for item in range(5):
            session.set_answer("wsas", item, draw(st.integers(0, 8)))
    for variable in RATED_VARIABLES:
        session.set_rating(variable, draw(st.sampled_from(LEVELS) if complete else st.none() | st.sampled_from(LEVELS)))
        if draw(st.booleans()):
            session.set_rating_note(variable, draw(texts))
    present = st.sampled_from(("yes", "no"))
    risk = RiskDetails.model_validate({
        "thoughts": {"present": draw(present), "detail": draw(texts)}, "intent": {"present": draw(present)},
        "protective_factors": draw(texts), "contacted": draw(words), "contacted_at": datetime(2026, 1, 5, 10, 42),
        "actions_taken": draw(words),
    })  # fmt: skip
    session.update_risk_details(risk.model_dump(mode="json"))
    maybe_none = (lambda s: s) if complete else (lambda s: st.none() | s)
    session.set_long_term_conditions(
        draw(maybe_none(st.lists(st.sampled_from(LISTS.long_term_conditions), unique=True)))
    )
    session.set_mus_kinds(
        draw(maybe_none(st.lists(st.sampled_from(LISTS.medically_unexplained_symptoms), unique=True)))
    )
    session.set_problem_descriptor(draw(st.sampled_from(PROBLEM_DESCRIPTORS)))
    rows = st.builds(InterventionRow, intervention=texts, outcome=st.sampled_from(INTERVENTION_OUTCOMES),
                     step=st.none() | st.sampled_from(INTERVENTION_STEPS),
                     year=st.just("") | st.integers(1950, date.today().year).map(str))  # fmt: skip
    session.set_previous_interventions(draw(st.lists(rows, max_size=3)))
    assessment = draw(assessments())
    for part in ("access_needs", "circumstances", "choice"):
        session.update_assessment(part, assessment[part])
    session.set_goals(assessment["goals"])
    session.set_discuss_in_supervision(draw(st.booleans()))
    session.update_risk_details({"protective_level": draw(st.sampled_from(("present", "some", "none_minimal")))})
    decide(session, draw)
    return session


def decide(session: ScreeningSession, draw: st.DrawFn) -> None:
    recommendation = session.recommendation
    if recommendation is None:
        return
    if recommendation.needs_confirmation or draw(st.booleans()):
        route = draw(st.sampled_from(ROUTES))
        session.choose_route(route, draw(st.sampled_from((2, 3))) if "iapt" in route else None)
        session.set_override_reason(draw(texts))
    session.acknowledge_warnings(True)
    session.set_in_meeting(draw(st.booleans()))


@given(sessions())
def test_a_complete_session_gives_inputs_that_round_trip(session: ScreeningSession) -> None:
    assert session.problems() == []
    inputs = session.to_inputs()
    assert ScreeningInput.model_validate(inputs.screening.model_dump()) == inputs.screening
    assert DecisionInput.model_validate(inputs.decision.model_dump()) == inputs.decision
    # Every answer of the form is in the input, as it was: nothing copied by hand, nothing lost.
    expected = session.form.model_dump(exclude=set(FORM_ONLY_FIELDS | AWAITING_INPUT_FIELDS))
    assert inputs.screening.model_dump() == ScreeningInput.model_validate(expected).model_dump()
    # The nested parts the form holds as typed and the input has every default of, or reads (a year typed
    # as text is a number in the input): the first check above covers them.
    nested = {"risk_details", "assessment", "previous_interventions"}
    assert inputs.screening.model_dump(include=set(expected) - nested) == {
        k: v for k, v in expected.items() if k not in nested
    }
    assert (inputs.decision.confirmed_route, inputs.decision.confirmed_step) == (
        session.effective_route.route,  # type: ignore[union-attr]
        session.effective_route.step,  # type: ignore[union-attr]
    )


@given(sessions(complete=False))
def test_a_draft_dumped_and_loaded_is_the_same_session(session: ScreeningSession) -> None:
    payload = json.loads(json.dumps(session.draft()))
    resumed = ScreeningSession.from_draft(RULESET, payload)
    assert (resumed.form, resumed.decision) == (session.form, session.decision)
    assert resumed.problems() == session.problems()
    assert resumed.effective_route == session.effective_route


# --- today's drafts (format 1) still open, nothing lost -------------------------------------------


def todays_draft() -> dict[str, Any]:
    """A draft as today's page saves it: ``ScreeningForm(...).model_dump(mode="json")``, every field set."""
    form = ScreeningForm(
        section="conditions",
        phq9=[1, 2, 3, 0, 1, 2, 3, 0, None],
        gad7=[0, 1, 2, 3, None, None, 1],
        wsas=[1, 8, None, 0, 2],
        ratings={"chronicity": "medium", "risk": "high"},
        rating_notes={"chronicity": "since 2019"},
        risk_details={
            "thoughts": {"present": "yes", "detail": "fleeting"},
            "contacted": "Duty manager",
            "contacted_at": "2026-01-05T10:42:00",
            "actions_taken": "Crisis team called",
        },  # fmt: skip
        long_term_conditions=[LISTS.long_term_conditions[1], "Psoriasis"],
        medically_unexplained_symptoms=True,
        mus_kinds=[LISTS.medically_unexplained_symptoms[0]],
        problem_descriptor="ptsd",
        previous_interventions=[InterventionRow(intervention="CBT, 2021", outcome="unhelpful"), InterventionRow()],
    )
    return form.model_dump(mode="json")


def test_migration_covers_every_field_of_todays_draft() -> None:
    assert set(ScreeningForm.model_fields) == V1_FIELDS


def test_todays_draft_opens_with_nothing_lost() -> None:
    payload = todays_draft()
    session = ScreeningSession.from_draft(RULESET, json.loads(json.dumps(payload)))
    assert to_v1(session.form).model_dump(mode="json") == payload
    assert session.form.mus_kinds == (LISTS.medically_unexplained_symptoms[0],)
    assert session.form.risk == "high" and session.form.chronicity == "medium"
    assert session.resume_point() == "phq9.8"


def test_an_empty_section_6_in_todays_draft_is_asked_again() -> None:
    payload = {**todays_draft(), "long_term_conditions": [], "medically_unexplained_symptoms": False, "mus_kinds": []}
    form = load_draft(payload).form
    # Format 1 could not tell "none" from "not asked": the screener is asked, never assumed "none".
    assert form.long_term_conditions is None and form.mus_kinds is None
    assert form.medically_unexplained_symptoms is None


def test_an_unreadable_or_newer_draft_is_refused_not_dropped() -> None:
    with pytest.raises(DraftFormatError, match="newer version"):
        load_draft({"format": 99, "form": {}})
    with pytest.raises(DraftFormatError, match="cannot be read") as caught:
        load_draft({**todays_draft(), "phq9": ["9434765919"] * 9})
    assert "9434765919" not in str(caught.value)  # never the value typed
