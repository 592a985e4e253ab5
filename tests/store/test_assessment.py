"""The assessment's missing content (issue 15, item 7), in the session and the input: an IAPT route is
never confirmed without the main problem, whichever way it was chosen; each new field is checked with
a message naming it (never what was typed); the ADSM prompt and the self-help caveat come from
resources/assessment.yaml in the seeds' words."""

from __future__ import annotations

import json

import pytest

from tests.store.test_screening_session_drafts import complete_session
from triage.services.assessment import assessment_words, avoidance_warning, measure_prompts, self_help_caveat
from triage.services.inputs import InvalidInput
from triage.services.screening_session import DESCRIPTOR_NEEDED, ScreeningSession


def cmht_session() -> ScreeningSession:
    """Complete, complexity high (the matrix says CMHT), no main problem recorded."""
    session = complete_session()
    session.set_problem_descriptor(None)
    session.set_rating("complexity", "high")
    assert session.recommendation is not None and session.recommendation.routing.route == "cmht"
    return session


def test_an_iapt_route_chosen_over_the_recommendation_needs_the_main_problem() -> None:
    session = cmht_session()
    session.choose_route("core_iapt", 2)
    session.set_override_reason("Prefers to start with guided self-help; CMHT declined last year")
    assert DESCRIPTOR_NEEDED in session.problems()
    with pytest.raises(InvalidInput) as refused:
        session.to_inputs()
    assert DESCRIPTOR_NEEDED in refused.value.problems
    session.set_problem_descriptor("depression")
    assert session.problems() == []
    assert session.to_inputs().decision.confirmed_route == "core_iapt"


def test_a_route_outside_iapt_does_not_wait_for_the_main_problem() -> None:
    session = cmht_session()
    session.follow_recommendation()
    assert DESCRIPTOR_NEEDED not in session.problems()


def test_a_recommended_iapt_route_is_held_back_until_the_main_problem_is_given() -> None:
    session = complete_session()
    session.set_problem_descriptor(None)
    assert session.recommendation is None
    assert "not yet recorded: Problem descriptor" in session.problems()
    session.set_problem_descriptor("gad")
    assert session.recommendation is not None and session.problems() == []


@pytest.mark.parametrize(
    ("part", "changes", "message"),
    [
        ("access_needs", {"information_format": "smoke signals"}, "assessment.access_needs.information_format: must be one of"),
        ("access_needs", {"interpreter_language": "Pol\x07ish"}, "assessment.access_needs.interpreter_language"),
        ("circumstances", {"employment_status": "astronaut"}, "assessment.circumstances.employment_status: must be one of"),
        ("circumstances", {"concerns": ["debt", "debt"]}, "concerns: each only once"),
        ("choice", {"options_offered": ["cbt"], "preferred_option": "ipt"}, "preferred_option: must be one of the options offered"),
    ],
)  # fmt: skip
def test_a_wrong_answer_is_refused_naming_the_field_and_nothing_is_completed(
    part: str, changes: dict[str, object], message: str
) -> None:
    session = complete_session()
    session.update_assessment(part, changes)
    problems = session.problems()
    assert any(message in problem for problem in problems), problems
    assert not any(value in " ".join(problems) for value in ("smoke", "astronaut", "Pol"))
    with pytest.raises(InvalidInput):
        session.to_inputs()


def test_secondary_problems_must_not_repeat_the_main_one() -> None:
    session = complete_session()  # main problem: gad
    session.set_secondary_descriptors(["gad"])
    assert "secondary_descriptors: must not repeat the main problem" in session.problems()
    session.set_secondary_descriptors(["ptsd", "ocd"])
    assert session.problems() == []
    assert session.to_inputs().screening.secondary_descriptors == ("ptsd", "ocd")


def test_the_new_answers_reach_the_input() -> None:
    session = complete_session()
    session.update_risk_details({"protective_level": "none_minimal"})
    session.set_discuss_in_supervision(True)
    session.update_assessment("access_needs", {"interpreter_language": "Urdu", "no_fixed_address": True})
    session.set_goals("To sleep through the night")
    screening = session.to_inputs().screening
    assert screening.risk_details.protective_level == "none_minimal"
    assert screening.discuss_in_supervision is True
    assert screening.assessment.access_needs.interpreter_language == "Urdu"
    assert screening.assessment.access_needs.no_fixed_address is True
    assert screening.assessment.goals == "To sleep through the night"


@pytest.mark.parametrize(
    ("problem", "measure"),
    [("ptsd", "IES-R"), ("agoraphobia", "Mobility Inventory"), ("social_anxiety", "SPIN"), ("ocd", "OCI")],
)
def test_the_adsm_prompt_names_the_measure_and_the_seeds_warning(problem: str, measure: str) -> None:
    prompts = measure_prompts([problem], mus=False)  # type: ignore[list-item]
    assert len(prompts) == 1 and measure in prompts[0]
    assert avoidance_warning(prompts) == (
        "For conditions with marked avoidance (social anxiety, agoraphobia) PHQ/GAD can lead you to discharge "
        "too early."
    )


def test_no_adsm_prompt_for_depression_or_gad_and_a_mus_scale_for_mus() -> None:
    assert measure_prompts(["depression", "gad", None], mus=False) == []
    assert avoidance_warning([]) is None
    assert measure_prompts(["depression"], mus=True) == [assessment_words().adsm.mus_prompt]
    assert len(measure_prompts(["ptsd", "ptsd"], mus=False)) == 1  # main and secondary the same measure: once


def test_the_self_help_caveat_only_for_pure_self_help() -> None:
    caveat = self_help_caveat("pure_self_help")
    assert caveat is not None and caveat.startswith(
        "Pure self-help is likely to be of benefit only in milder recent onset cases and in most instances guided "
        "self-help is to be preferred."
    )
    assert "50%" in caveat and "36%" in caveat
    assert self_help_caveat("guided_self_help") is None and self_help_caveat(None) is None


def test_a_draft_saved_before_the_assessment_fields_opens_with_none_of_them_recorded() -> None:
    session = complete_session()
    payload = session.draft()
    older = {**payload, "form": {k: v for k, v in payload["form"].items()
                                 if k not in {"secondary_descriptors", "discuss_in_supervision", "assessment"}}}  # fmt: skip
    reopened = ScreeningSession.from_draft(session.ruleset, json.loads(json.dumps(older)))
    assert reopened.form.secondary_descriptors == () and reopened.form.discuss_in_supervision is False
    assert reopened.form.assessment == {} and reopened.problems() == []


def test_the_assessment_answers_survive_the_draft_as_json() -> None:
    session = complete_session()
    session.update_assessment("choice", {"options_offered": ["cbt", "ipt"], "preferred_option": "ipt"})
    session.update_assessment("access_needs", {"interpreter_language": "Tigrinya", "advocate": True})
    session.set_secondary_descriptors(["ocd"])
    session.set_discuss_in_supervision(True)
    reopened = ScreeningSession.from_draft(session.ruleset, json.loads(json.dumps(session.draft())))
    assert reopened.to_inputs().screening == session.to_inputs().screening
    assert reopened.to_inputs().screening.assessment.choice.preferred_option == "ipt"
