"""Everything on the screening form reaches the store and comes back (live-call issue, defect 7; HAZ-014):
the form's fields and ScreeningInput's correspond one to one, ``to_input`` sets every input field,
every input field has its column, and a form with every field set survives to_input, complete_screening
and the read-back unchanged. A high-risk choice keeps its reason and prints it (defect 6), and a
stored "." is never printed as an action taken (defect 5)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.store.conftest import referral_input
from tests.store.test_letters_store import PRACTICE, SCREENER
from tests.users import PWP, as_admin, as_pwp
from triage.letters import LetterInputError
from triage.rules.vocabulary import RATED_VARIABLES
from triage.services import (
    DecisionInput,
    InvalidInput,
    ScreeningInput,
    complete_screening,
    create_referral,
    get_referral,
    letter_for_decision,
    parse,
    save_gp_practice,
)
from triage.services.inputs import AS_STORED, GpPracticeInput
from triage.services.screening_form import FORM_ONLY_FIELDS, InterventionRow, ScreeningForm, condition_lists
from triage.services.screenings import screening_input
from triage.store import Store
from triage.store.models import Screening

MUS = condition_lists().medically_unexplained_symptoms
REASON = "Active plan for tonight; the crisis team can assess at home today"
# Every field set, none to its default (checked below), so a field dropped anywhere shows as a difference.
FULL_FORM = ScreeningForm(
    section="summary",
    phq9=[2, 1, 2, 1, 1, 1, 2, 1, 1],
    gad7=[2, 2, 2, 1, 1, 1, 0],
    wsas=[3, 4, 2, 1, 0],
    ratings={"chronicity": "high", "complexity": "medium", "impairment": "medium", "substance_use": "low",
             "risk": "high"},
    rating_notes={"risk": "Plan disclosed during the call", "chronicity": "two years"},
    risk_details={
        "thoughts": {"present": "yes", "detail": "most days"}, "intent": {"present": "yes", "detail": "tonight"},
        "plan": {"present": "yes", "detail": "tablets"}, "history": {"present": "no", "detail": ""},
        "protective_factors": "Sister nearby", "protective_level": "some", "contacted": "Duty manager J. Smith",
        "contacted_at": "2026-11-23T10:05:00", "actions_taken": "Crisis team to assess at home today",
    },
    long_term_conditions=[condition_lists().long_term_conditions[0], "Coeliac disease"],
    medically_unexplained_symptoms=True,
    mus_kinds=[MUS[0], MUS[2]],
    problem_descriptor="depression",
    previous_interventions=[InterventionRow(intervention="Guided self-help", outcome="unhelpful", step="iapt_step_2",
                                            year="2023")],
    secondary_descriptors=["ptsd", "social_anxiety"],
    discuss_in_supervision=True,
    assessment={
        "access_needs": {"interpreter_language": "Polish", "advocate": True, "information_format": "large_print",
                         "no_registered_gp": True, "no_fixed_address": True},
        "circumstances": {"employment_status": "employed_off_sick", "benefits": "no", "statutory_sick_pay": "yes",
                          "employment_support": "accepted", "concerns": ["debt", "carer"]},
        "goals": "Back to work by spring",
        "choice": {"options_offered": ["guided_self_help", "cbt"], "preferred_option": "cbt",
                   "modalities": ["one_to_one", "telephone"], "locations": ["gp_practice"],
                   "contact_times": "Mornings before 10"},
        "mus_confirmation": {"gp_confirmed": True, "confirmed_on": "2026-11-20"},
    },
)  # fmt: skip


def test_the_form_and_the_screening_input_have_the_same_fields() -> None:
    # The form's ``ratings`` holds the five rated variables; ``section`` is where the screener was.
    form_fields = (set(ScreeningForm.model_fields) - FORM_ONLY_FIELDS - {"ratings"}) | set(RATED_VARIABLES)
    assert form_fields == set(ScreeningInput.model_fields)
    assert set(ScreeningInput.model_fields) <= set(Screening.__table__.columns.keys())


def test_to_input_sets_every_screening_input_field() -> None:
    defaults = ScreeningForm()
    assert [name for name in ScreeningForm.model_fields if getattr(FULL_FORM, name) == getattr(defaults, name)] == []
    assert FULL_FORM.to_input().model_fields_set == set(ScreeningInput.model_fields)
    minimal = ScreeningForm(phq9=[0] * 9, gad7=[0] * 7, ratings=dict.fromkeys(RATED_VARIABLES, "low"))
    assert minimal.to_input().model_fields_set == set(ScreeningInput.model_fields)  # none left to a default


def test_mus_kinds_are_from_the_list_the_form_offers() -> None:
    with pytest.raises(InvalidInput, match=r"mus_kinds\.0: must be one of the kinds") as caught:
        ScreeningForm(**{**FULL_FORM.model_dump(), "mus_kinds": ["Made-up syndrome"]}).to_input()
    assert "Made-up" not in str(caught.value)
    with pytest.raises(InvalidInput, match="mus_kinds: only when medically_unexplained_symptoms"):
        parse(ScreeningInput, {**FULL_FORM.to_input().model_dump(), "medically_unexplained_symptoms": False})


def test_a_form_with_every_field_set_comes_back_from_the_store_unchanged(store: Store) -> None:
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(1)).id
    typed = FULL_FORM.to_input()
    complete_screening(store, as_pwp("lead"), referral_id, typed,
                       DecisionInput(confirmed_route="crisis_team", override_reason=REASON, warnings_acknowledged=True))  # fmt: skip
    stored = get_referral(store, PWP, referral_id).screenings[-1]
    assert stored.mus_kinds == [MUS[0], MUS[2]]
    read_back = screening_input(stored)
    assert read_back == typed
    assert ScreeningForm.from_input(read_back) == FULL_FORM


def test_a_high_risk_letter_prints_the_reason_and_never_a_stored_dot(store: Store) -> None:
    save_gp_practice(store, as_admin("admin"), parse(GpPracticeInput, PRACTICE))
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(1, gp_practice_code=PRACTICE["code"])).id
    complete_screening(store, as_pwp("lead"), referral_id, FULL_FORM.to_input(),
                       DecisionInput(confirmed_route="crisis_team", override_reason=REASON, warnings_acknowledged=True))  # fmt: skip
    decision_id = get_referral(store, PWP, referral_id).decisions[-1].id
    for kind in ("gp", "referral-on"):
        letter = letter_for_decision(store, PWP, decision_id, kind, screener=SCREENER, service=None,
                                     letter_date=date(2026, 11, 24))  # fmt: skip
        text = " ".join(letter.paragraphs)
        assert f"Why we chose the Crisis Resolution and Home Treatment Team: {REASON}" in text, kind
        assert "Contacted: Duty manager J. Smith, 23/11/2026" in text and "Crisis team to assess at home today" in text

    # A record saved before the rule, with "." as who was contacted and nothing agreed: its letter is
    # refused (no actions in words), never printed as "Contacted: .".
    old = FULL_FORM.to_input().model_dump(mode="json")
    old["risk_details"] |= {"contacted": ".", "actions_taken": ""}
    other = create_referral(store, as_pwp("pwp"), referral_input(2, gp_practice_code=PRACTICE["code"])).id
    complete_screening(store, as_pwp("lead"), other, ScreeningInput.model_validate(old, context=AS_STORED),
                       DecisionInput(confirmed_route="crisis_team", override_reason=REASON, warnings_acknowledged=True))  # fmt: skip
    with pytest.raises(LetterInputError, match="decision.risk_actions: required"):
        letter_for_decision(store, PWP, get_referral(store, PWP, other).decisions[-1].id, "gp", screener=SCREENER,
                            service=None, letter_date=date(2026, 11, 24))  # fmt: skip
