"""Three pieces of the assessment's content (issue 15, item 7): the stepping history (each previous
intervention's step and year, the unhelpful ones counted whatever their step), the GP's confirmation
that no physical illness was missed for MUS (recorded, asked for in the GP letter while not given,
thanked for once it is), and the decision service's own refusal of an IAPT route with no main problem
(HAZ-025), on both databases, with nothing written. Messages name the field, never what was typed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.store.conftest import referral_input
from tests.store.test_letters_store import PRACTICE, SCREENER
from tests.store.test_meetings import accounts, meeting_input
from tests.store.test_screening_session_drafts import complete_session
from tests.store.test_screenings import ANSWERS
from tests.users import PWP, as_admin, as_leader, as_pwp
from triage.services import (
    DecisionInput,
    ScreeningInput,
    complete_screening,
    confirm_decision,
    create_referral,
    get_referral,
    letter_for_decision,
    parse,
    recommend,
    record_as_json,
    record_as_text,
    referral_record,
    save_gp_practice,
    save_screening,
)
from triage.services.decisions import DESCRIPTOR_REFUSAL
from triage.services.draft_format import dump_draft, load_draft
from triage.services.inputs import AS_STORED, GpPracticeInput, InvalidInput
from triage.services.meetings import decide_in_meeting, open_meeting
from triage.services.screening_form import InterventionRow, ScreeningForm, condition_lists
from triage.store import RefusedError, Store
from triage.store.models import Decision, Referral, Screening

MUS_KIND = condition_lists().medically_unexplained_symptoms[0]
NO_PROBLEM = {**ANSWERS, "problem_descriptor": None}


def row(**changes: Any) -> InterventionRow:
    return InterventionRow(**{"intervention": "Guided self-help", "outcome": "unhelpful", **changes})


# --- the stepping history: the form and the input --------------------------------------------------


def test_a_row_keeps_its_step_and_year_and_every_unhelpful_one_counts_whatever_its_step() -> None:
    session = complete_session()
    session.set_previous_interventions([
        row(step="iapt_step_2", year="2023"),
        row(intervention="CBT", step="iapt_step_3", year=" 2024 "),
        row(intervention="Counselling (private)", step="outside_iapt"),  # no year: optional
        row(intervention="Group", outcome="helpful", step="iapt_step_2", year="2019"),
    ])  # fmt: skip
    assert session.problems() == []
    screening = session.to_inputs().screening
    assert [(i.step, i.year) for i in screening.previous_interventions] == [
        ("iapt_step_2", 2023), ("iapt_step_3", 2024), ("outside_iapt", None), ("iapt_step_2", 2019)]  # fmt: skip
    # The matrix counts previous interventions with unhelpful outcomes, in IAPT or outside it (002:2594-2604).
    assert screening.previous_unhelpful_interventions == 3
    assert screening.to_routing().previous_unhelpful_interventions == 3


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("87", "must be a year of 4 digits, such as 2023"),
        ("2O23", "must be a year of 4 digits, such as 2023"),
        ("1949", "must be 1950 or later"),
        (str(date.today().year + 1), "must not be in the future"),
    ],
    ids=["two-digits", "a-letter", "before-1950", "next-year"],
)
def test_a_wrong_year_is_refused_naming_the_row_and_the_rule_never_the_value(year: str, message: str) -> None:
    session = complete_session()
    session.set_previous_interventions([row(year=year)])
    problems = session.problems()
    assert f"previous_interventions.0.year: {message}" in problems, problems
    assert year not in " ".join(problems)
    with pytest.raises(InvalidInput):
        session.to_inputs()


def test_a_row_stored_before_the_step_and_year_were_asked_still_reads_and_shows() -> None:
    old = {**ANSWERS, "previous_interventions": [{"intervention": "guided self-help", "outcome": "unhelpful"}]}
    screening = ScreeningInput.model_validate(old, context=AS_STORED)
    (item,) = screening.previous_interventions
    assert (item.step, item.year) == (None, None)
    assert ScreeningForm.from_input(screening).previous_interventions == [
        InterventionRow(intervention="guided self-help", outcome="unhelpful")
    ]


def test_a_draft_keeps_the_step_and_the_year_as_typed() -> None:
    session = complete_session()
    session.set_previous_interventions([row(step="iapt_step_3", year="20")])  # half typed: kept as it is
    payload = dump_draft(session.form, session.decision)
    assert load_draft(payload).form.previous_interventions == (row(step="iapt_step_3", year="20"),)


def test_the_form_round_trips_a_stepped_row_through_the_input() -> None:
    form = ScreeningForm.from_input(ScreeningInput.model_validate({
        **ANSWERS, "previous_interventions": [{"intervention": "CBT", "outcome": "unhelpful", "step": "iapt_step_3",
                                               "year": 2021}]}))  # fmt: skip
    assert form.previous_interventions == [row(intervention="CBT", step="iapt_step_3", year="2021")]
    assert form.to_input().previous_interventions[0].year == 2021


# --- MUS: the GP's confirmation -------------------------------------------------------------------


def mus_session() -> Any:
    session = complete_session()
    session.set_mus_kinds([MUS_KIND])
    return session


def test_the_gps_confirmation_is_recorded_with_its_date_typed_as_the_forms_dates_are() -> None:
    session = mus_session()
    assert session.to_inputs().screening.assessment.mus_confirmation.gp_confirmed is False  # not yet
    session.set_mus_confirmation(True, "20/11/2026")
    confirmation = session.to_inputs().screening.assessment.mus_confirmation
    assert (confirmation.gp_confirmed, confirmation.confirmed_on) == (True, date(2026, 11, 20))
    session.set_mus_confirmation(True, "")  # the date is optional
    assert session.to_inputs().screening.assessment.mus_confirmation.confirmed_on is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [("31/02/2026", "must be a date written dd/mm/yyyy"), ("next week", "must be a date written dd/mm/yyyy"),
     ("01/01/2999", "must not be in the future")],
    ids=["not-a-real-date", "words", "future"],
)  # fmt: skip
def test_a_wrong_confirmation_date_is_refused_naming_the_field(typed: str, message: str) -> None:
    session = mus_session()
    session.set_mus_confirmation(True, typed)
    problems = session.problems()
    assert any(p.startswith("assessment.mus_confirmation.confirmed_on: " + message) for p in problems), problems
    assert typed not in " ".join(problems)


def test_unticking_mus_forgets_the_confirmation_and_without_mus_none_is_accepted() -> None:
    session = mus_session()
    session.set_mus_confirmation(True, "20/11/2026")
    session.set_mus_kinds([])  # "No medically unexplained symptoms"
    assert "mus_confirmation" not in session.form.assessment
    assert session.to_inputs().screening.assessment.mus_confirmation.gp_confirmed is False
    with pytest.raises(InvalidInput) as refused:
        parse(ScreeningInput, {**ANSWERS, "assessment": {"mus_confirmation": {"gp_confirmed": True}}})
    assert refused.value.problems == [
        "assessment.mus_confirmation: only when medically_unexplained_symptoms is recorded"
    ]
    with pytest.raises(InvalidInput, match="confirmed_on: only when the GP has confirmed"):
        parse(ScreeningInput, {**ANSWERS, "medically_unexplained_symptoms": True,
                               "assessment": {"mus_confirmation": {"confirmed_on": "2026-11-20"}}})  # fmt: skip


# --- stored: the record, referrals show and the letters ----------------------------------------------

MUS_ANSWERS = {
    **ANSWERS,
    "medically_unexplained_symptoms": True,
    "mus_kinds": (MUS_KIND,),
    "previous_interventions": (
        {"intervention": "Guided self-help", "outcome": "unhelpful", "step": "iapt_step_2", "year": 2023},
        {"intervention": "Counselling", "outcome": "helpful", "step": "outside_iapt"},
        {"intervention": "Sertraline", "outcome": "partly_helpful"},
    ),
}


def decided(store: Store, answers: dict[str, Any]) -> str:
    save_gp_practice(store, as_admin("admin"), parse(GpPracticeInput, PRACTICE))
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(1, gp_practice_code=PRACTICE["code"])).id
    screening = ScreeningInput.model_validate(answers)
    save_screening(store, as_pwp("pwp"), referral_id, screening)
    routing = recommend(store, PWP, referral_id)
    assert routing.route == "integrated_iapt"
    return confirm_decision(store, as_pwp("lead"), referral_id,
                            DecisionInput(confirmed_route=routing.route, confirmed_step=routing.step,
                                          warnings_acknowledged=True))  # fmt: skip


def gp_letter(store: Store, decision_id: str) -> str:
    letter = letter_for_decision(store, PWP, decision_id, "gp", screener=SCREENER, service=None,
                                 letter_date=date(2026, 11, 24))  # fmt: skip
    return " ".join(letter.paragraphs)


def test_the_record_and_referrals_show_give_each_step_and_year_and_the_confirmation_not_yet(store: Store) -> None:
    decision_id = decided(store, MUS_ANSWERS)
    with store.read() as session:
        referral_id = session.scalars(select(Decision.referral_id).where(Decision.id == decision_id)).one()
    record = referral_record(store, PWP, referral_id)
    text = record_as_text(record)
    assert "    - Guided self-help: Unhelpful; IAPT step 2, 2023" in text
    assert "    - Counselling: Helpful; Outside IAPT (e.g. CMHT, private)" in text
    assert "    - Sertraline: Partly helpful" in text  # nothing recorded, nothing said
    assert "GP confirmed no physical illness missed: not yet" in text
    shown = record_as_json(record)["screening"]
    assert shown["previous_interventions"][0] == {"intervention": "Guided self-help", "outcome": "unhelpful",
                                                  "step": "iapt_step_2", "year": 2023}  # fmt: skip
    assert shown["assessment"]["mus_confirmation"] == {"gp_confirmed": False, "confirmed_on": None}
    letter = gp_letter(store, decision_id)
    assert "Please confirm that no new physical illness has been missed" in letter
    assert "Thank you for confirming" not in letter


def test_once_the_gp_has_confirmed_the_letter_thanks_instead_of_asking(store: Store) -> None:
    confirmed = {**MUS_ANSWERS, "assessment": {"mus_confirmation": {"gp_confirmed": True,
                                                                    "confirmed_on": "2026-11-20"}}}  # fmt: skip
    decision_id = decided(store, confirmed)
    letter = gp_letter(store, decision_id)
    assert "Thank you for confirming, on 20 November 2026, that no new physical illness has been missed" in letter
    assert "Please confirm that no new physical illness" not in letter
    with store.read() as session:
        referral_id = session.scalars(select(Decision.referral_id).where(Decision.id == decision_id)).one()
    assert "GP confirmed no physical illness missed: yes, on 20/11/2026" in record_as_text(
        referral_record(store, PWP, referral_id)
    )


# --- HAZ-025: the decision service refuses an IAPT route with no main problem -------------------------


def _decisions(store: Store, referral_id: str) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(Decision).where(Decision.referral_id == referral_id))


@pytest.mark.parametrize(("route", "step"), [("core_iapt", 2), ("core_iapt", 3), ("integrated_iapt", 2),
                                             ("integrated_iapt", 3)])  # fmt: skip
def test_the_decision_service_refuses_an_iapt_route_without_the_main_problem_and_writes_nothing(
    store: Store, route: str, step: int
) -> None:
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(1)).id
    save_screening(store, as_pwp("pwp"), referral_id, ScreeningInput.model_validate(NO_PROBLEM))
    with pytest.raises(RefusedError) as refused:  # as recommended or not: a reason does not stand for the problem
        confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(
            confirmed_route=route, confirmed_step=step, override_reason="Chosen with the person",
            warnings_acknowledged=True))  # fmt: skip
    assert str(refused.value) == DESCRIPTOR_REFUSAL
    assert str(refused.value).startswith("problem_descriptor: required before an IAPT route can be confirmed")
    assert _decisions(store, referral_id) == 0
    assert get_referral(store, PWP, referral_id).status == "screened"


def test_a_route_outside_iapt_is_confirmed_without_the_main_problem(store: Store) -> None:
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(1)).id
    save_screening(
        store, as_pwp("pwp"), referral_id, ScreeningInput.model_validate({**NO_PROBLEM, "complexity": "high"})
    )
    confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route="cmht"))
    assert _decisions(store, referral_id) == 1


def test_completing_a_screening_with_an_iapt_decision_and_no_main_problem_stores_neither(store: Store) -> None:
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(1)).id
    with pytest.raises(RefusedError, match="^problem_descriptor: required before an IAPT route can be confirmed"):
        complete_screening(store, as_pwp("lead"), referral_id, ScreeningInput.model_validate(NO_PROBLEM),
                           DecisionInput(confirmed_route="integrated_iapt", confirmed_step=2))  # fmt: skip
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Screening)) == 0
        assert session.get(Referral, referral_id).status == "received"  # type: ignore[union-attr]


def test_the_meeting_cannot_confirm_an_iapt_route_without_the_main_problem(store: Store) -> None:
    accounts(store)
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(1)).id
    save_screening(store, as_pwp("pwp"), referral_id, ScreeningInput.model_validate(NO_PROBLEM))
    leader = as_leader("lead")
    meeting_id = open_meeting(store, leader, meeting_input())
    with pytest.raises(RefusedError, match="^problem_descriptor: required before an IAPT route"):
        decide_in_meeting(store, leader, meeting_id, referral_id,
                          DecisionInput(confirmed_route="integrated_iapt", confirmed_step=2))  # fmt: skip
    assert _decisions(store, referral_id) == 0
