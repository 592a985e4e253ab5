"""A screening field can never be dropped again (live-call issue 12; HAZ-014, the kinds of MUS that
vanished on save). Structurally: the session's form has ScreeningInput's fields, every input field is
a column of the screening table (checked against the migrated database's own columns) and every column
is an answer or one of the store's few own, and the record the record view shows carries every field.
And by example: a random complete form, stored with ``complete_screening`` on SQLite and PostgreSQL and
read back through ``referral_record`` (what the record view shows), is what went in."""

from __future__ import annotations

import itertools
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect

from tests.store.conftest import referral_input
from tests.users import as_pwp
from triage.rules.engine import route
from triage.rules.ruleset import default_ruleset
from triage.rules.vocabulary import LEVELS, PROBLEM_DESCRIPTORS, RATED_VARIABLES, VARIABLES
from triage.services import (
    DecisionInput,
    complete_screening,
    create_referral,
    get_referral,
    parse,
    record_as_json,
    record_as_text,
    referral_record,
    save_screening,
)
from triage.services.assessment import assessment_words
from triage.services.draft_format import AWAITING_INPUT_FIELDS, FORM_ONLY_FIELDS, SessionForm, exactly, screening_data
from triage.services.inputs import AS_STORED, RiskDetails, RiskItem, ScreeningInput
from triage.services.referral_record import RECORD_ONLY_FIELDS, RiskPart, ScreeningPart
from triage.services.route_choice import IAPT_ROUTES, reason_needed
from triage.services.screening_form import InterventionRow, condition_lists
from triage.services.screenings import screening_input
from triage.store import Store
from triage.store.models import SCREENING_STORE_COLUMNS, Screening, answer_columns, screening_answer_columns
from triage.store.vocabulary import INTERVENTION_OUTCOMES, INTERVENTION_STEPS, RISK_QUESTIONS

LISTS = condition_lists()
WORDS = assessment_words()
SCREENER = as_pwp("pwp.roundtrip")
# Where the screener was: the one field of the form that is not an answer.
DOCUMENTED_FORM_ONLY = {"section"}
# The screening table's own columns, not answers: which referral, when and by whom.
DOCUMENTED_STORE_ONLY = {"id", "referral_id", "screened_at", "screened_by"}


# --- structure ------------------------------------------------------------------------------------


def test_the_form_has_the_screening_inputs_fields_bar_the_documented_form_only_ones() -> None:
    assert FORM_ONLY_FIELDS == DOCUMENTED_FORM_ONLY
    assert not AWAITING_INPUT_FIELDS  # mus_kinds is an input field now: nothing waits for one
    assert set(SessionForm.model_fields) - FORM_ONLY_FIELDS == set(ScreeningInput.model_fields)


def test_every_input_field_is_a_column_and_every_column_an_answer_or_the_stores_own(store: Store) -> None:
    migrated = {column["name"] for column in inspect(store.engine).get_columns("screening")}
    assert migrated == set(Screening.__table__.columns.keys())  # the ORM's table is the migrated one
    assert SCREENING_STORE_COLUMNS == DOCUMENTED_STORE_ONLY
    assert migrated - SCREENING_STORE_COLUMNS == set(ScreeningInput.model_fields) == screening_answer_columns()


def test_the_records_screening_carries_every_input_field_and_every_risk_detail() -> None:
    part = {field.name for field in fields(ScreeningPart)}
    assert set(RECORD_ONLY_FIELDS) <= part and part - set(RECORD_ONLY_FIELDS) == set(ScreeningInput.model_fields)
    risk = {field.name for field in fields(RiskPart)} - {"answers"}
    assert risk | set(RISK_QUESTIONS) == set(RiskDetails.model_fields)
    assert all(RiskDetails.model_fields[q].annotation is RiskItem for q in RISK_QUESTIONS)


def test_an_answer_without_a_column_or_a_column_without_an_answer_fails_loudly() -> None:
    answers = full_input().model_dump(mode="json")
    assert answer_columns(answers) == answers
    with pytest.raises(TypeError, match="columns without an answer: mus_kinds"):
        answer_columns({k: v for k, v in answers.items() if k != "mus_kinds"})  # the column's default hid it
    with pytest.raises(TypeError, match="answers without a column: mus_types"):
        answer_columns({**answers, "mus_types": []})
    with pytest.raises(TypeError, match="not given by the session: mus_kinds"):
        exactly(ScreeningInput, {k: v for k, v in answers.items() if k != "mus_kinds"})  # the reading back


# --- the round trip -------------------------------------------------------------------------------

# Free text as typed: any letters, digits, punctuation, symbols and spaces in any script, starting with
# a letter or digit (a value that is only spaces is no value; the form never stores one).
chars = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"))
texts = st.tuples(st.characters(codec="utf-8", categories=("L", "N")), st.text(chars, max_size=30)).map("".join)
# Who was contacted and what was agreed must be words (two letters at least): high risk needs them.
words = st.text(st.characters(codec="utf-8", categories=("L",)), min_size=2, max_size=20)
moments = st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31))


@st.composite
def complete_forms(draw: st.DrawFn) -> SessionForm:
    """A complete, valid form, drawn field by field from the form's types."""
    phq9 = draw(st.tuples(*[st.integers(0, 3)] * 9))
    levels = {variable: draw(st.sampled_from(LEVELS)) for variable in RATED_VARIABLES}
    high = levels["risk"] == "high"
    item = st.builds(dict, present=st.sampled_from(("yes", "no", "not_asked")), detail=st.just("") | texts)
    risk = {question: draw(item) for question in RISK_QUESTIONS}
    if phq9[8] > 0 and risk["thoughts"]["present"] == "not_asked":  # item 9 above 0: the question is asked
        risk["thoughts"]["present"] = draw(st.sampled_from(("yes", "no")))
    risk |= {
        "protective_factors": draw(st.just("") | texts),
        "protective_level": draw(st.none() | st.sampled_from(("present", "some", "none_minimal"))),
        "contacted": draw(words if high else st.just("") | words),
        "contacted_at": draw(moments if high else st.none() | moments),
        "actions_taken": draw(words if high else st.just("") | words),
    }
    kinds = draw(st.lists(st.sampled_from(LISTS.medically_unexplained_symptoms), unique=True))
    conditions = st.sampled_from(LISTS.long_term_conditions) | texts  # from the list, or typed: "Coeliac", "Ménière's"
    rows = st.builds(InterventionRow, intervention=texts, outcome=st.sampled_from(INTERVENTION_OUTCOMES),
                     step=st.none() | st.sampled_from(INTERVENTION_STEPS),
                     year=st.just("") | st.integers(1950, date.today().year).map(str))  # fmt: skip
    problem = draw(st.none() | st.sampled_from(PROBLEM_DESCRIPTORS))
    others = [d for d in PROBLEM_DESCRIPTORS if d != problem]
    secondary = draw(st.lists(st.sampled_from(others), unique=True, max_size=3)) if problem else []
    return SessionForm(
        section=draw(st.sampled_from(("risk", "summary"))),
        phq9=phq9,
        gad7=draw(st.tuples(*[st.integers(0, 3)] * 7)),
        wsas=draw(st.none() | st.tuples(*[st.integers(0, 8)] * 5)),
        **levels,
        rating_notes=draw(st.dictionaries(st.sampled_from(VARIABLES), texts, max_size=len(VARIABLES))),
        risk_details=risk,
        long_term_conditions=tuple(draw(st.lists(conditions, max_size=4))),
        medically_unexplained_symptoms=bool(kinds),
        mus_kinds=tuple(kinds),
        problem_descriptor=problem,
        previous_interventions=tuple(draw(st.lists(rows, max_size=3))),
        secondary_descriptors=tuple(secondary),
        discuss_in_supervision=draw(st.booleans()),
        assessment={**draw(assessments()), **({"mus_confirmation": draw(mus_confirmations())} if kinds else {})},
    )


@st.composite
def mus_confirmations(draw: st.DrawFn) -> dict[str, Any]:
    """The GP's confirmation that no physical illness was missed: not yet, or yes with or without its date."""
    confirmed = draw(st.booleans())
    on = draw(st.none() | st.dates(date(2000, 1, 1), date.today())) if confirmed else None
    return {"gp_confirmed": confirmed, "confirmed_on": on.isoformat() if on else None}


def codes(list_name: str) -> st.SearchStrategy[list[str]]:
    """Some codes of one of resources/assessment.yaml's lists, each once."""
    return st.lists(st.sampled_from(sorted(getattr(WORDS, list_name))), unique=True, max_size=4)


def maybe(list_name: str) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(sorted(getattr(WORDS, list_name)))


# A language and contact times are printed on letters: letters their fonts have, as a screener types them.
printable = st.tuples(st.characters(codec="latin-1", categories=("L",)),
                      st.text(st.characters(codec="latin-1", categories=("L", "N", "P", "Zs")), max_size=20)).map("".join)  # fmt: skip


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, Any]:
    """The assessment's content (issue 15, item 7), any part of it left as not asked."""
    offered = draw(codes("treatment_options"))
    return {
        "access_needs": {
            "interpreter_language": draw(st.none() | printable), "advocate": draw(st.booleans()),
            "information_format": draw(maybe("information_formats")), "no_registered_gp": draw(st.booleans()),
            "no_fixed_address": draw(st.booleans()),
        },
        "circumstances": {
            "employment_status": draw(maybe("employment_statuses")), "benefits": draw(maybe("yes_no")),
            "statutory_sick_pay": draw(maybe("yes_no")), "employment_support": draw(maybe("employment_support")),
            "concerns": draw(codes("concerns")),
        },
        "goals": draw(st.just("") | texts),
        "choice": {
            "options_offered": offered, "preferred_option": draw(st.none() | st.sampled_from(offered or [None])),
            "modalities": draw(codes("modalities")), "locations": draw(codes("locations")),
            "contact_times": draw(st.just("") | printable),
        },
    }  # fmt: skip


def full_input() -> ScreeningInput:
    """One input with every field set, for the mapping's own checks."""
    return parse(ScreeningInput, screening_data(SessionForm(
        phq9=(1,) * 9, gad7=(1,) * 7, wsas=(1,) * 5, **dict.fromkeys(RATED_VARIABLES, "low"),
        rating_notes={"risk": "Calm"}, risk_details={"thoughts": {"present": "no"}}, long_term_conditions=("Asthma",),
        medically_unexplained_symptoms=True, mus_kinds=(LISTS.medically_unexplained_symptoms[0],),
        problem_descriptor="gad", previous_interventions=(InterventionRow(intervention="CBT", outcome="helpful"),),
        secondary_descriptors=("ptsd",), discuss_in_supervision=True,
        assessment={"access_needs": {"advocate": True}, "goals": "Sleep better"},
    )))  # fmt: skip


def as_input(part: ScreeningPart) -> ScreeningInput:
    """The record's screening in the input's shape, every field of it: the three it shows in parts of
    their own turned back, the rest as they are (``exactly``: one missing from the record fails)."""
    data: dict[str, Any] = {f.name: getattr(part, f.name) for f in fields(part) if f.name not in RECORD_ONLY_FIELDS}
    risk = part.risk_details
    data["rating_notes"] = {note.variable: note.note for note in part.rating_notes}
    data["risk_details"] = {
        **{answer.question: {"present": answer.present, "detail": answer.detail} for answer in risk.answers},
        **{f.name: getattr(risk, f.name) for f in fields(risk) if f.name != "answers"},
    }
    data["previous_interventions"] = tuple(asdict(row) for row in part.previous_interventions)
    return ScreeningInput.model_validate(exactly(ScreeningInput, data), context=AS_STORED)


def confirmation(screening: ScreeningInput) -> DecisionInput:
    """The recommendation confirmed, with the reason high risk asks for."""
    routing = route(screening.to_routing(), default_ruleset())
    reason = "Agreed with the duty worker" if reason_needed(routing, routing.route, routing.step) else None
    return DecisionInput(confirmed_route=routing.route, confirmed_step=routing.step, override_reason=reason,
                         warnings_acknowledged=True)  # fmt: skip


SERIALS = itertools.count(1)


# One store per test (SQLite, then PostgreSQL) and a fresh referral per example.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=complete_forms())
def test_a_complete_form_stored_and_read_back_through_the_record_is_what_went_in(
    store: Store, form: SessionForm
) -> None:
    typed = parse(ScreeningInput, screening_data(form))  # what the session hands complete_screening
    referral_id = create_referral(store, SCREENER, referral_input(next(SERIALS))).id
    decision = confirmation(typed)
    if decision.confirmed_route in IAPT_ROUTES and typed.problem_descriptor is None:
        save_screening(store, SCREENER, referral_id, typed)  # no IAPT decision without the main problem (HAZ-025)
    else:
        complete_screening(store, SCREENER, referral_id, typed, decision)

    record = referral_record(store, SCREENER, referral_id)
    assert record.screening is not None
    assert as_input(record.screening) == typed
    assert screening_input(get_referral(store, SCREENER, referral_id).screenings[-1]) == typed
    # The record's text and JSON forms (``triage referrals show``) carry the kinds of MUS as well.
    text = record_as_text(record)
    assert all(kind in text for kind in typed.mus_kinds)
    assert record_as_json(record)["screening"]["mus_kinds"] == list(typed.mus_kinds)
    # And the assessment's content (issue 15, item 7), in the JSON as it went in.
    shown = record_as_json(record)["screening"]
    assert shown["assessment"] == typed.assessment.model_dump(mode="json")
    assert shown["secondary_descriptors"] == list(typed.secondary_descriptors)
    assert shown["discuss_in_supervision"] is typed.discuss_in_supervision
    assert shown["risk_details"]["protective_level"] == typed.risk_details.protective_level
    if typed.assessment.goals:
        assert typed.assessment.goals in text
