"""What a record still lacks (issue 15, item 8; services/completeness.py), as both record views say it."""

from __future__ import annotations

from datetime import datetime

from tests.store.conftest import referral_input
from tests.store.test_screenings import ANSWERS
from tests.users import PWP
from triage.services import ScreeningInput, create_referral, save_screening
from triage.services.completeness import NOT_SCREENED, missing, missing_line
from triage.services.journey import ContactInput, record_contact
from triage.services.record_output import record_as_json, record_as_text
from triage.services.referral_record import referral_record
from triage.store import Store

NOT_ASKED = {**ANSWERS, "problem_descriptor": None,
             "risk_details": {"protective_factors": "", "contacted": "", "actions_taken": ""}}  # fmt: skip
COMPLETE = {**ANSWERS, "assessment": {"circumstances": {"employment_status": "employed"}}}


def test_before_a_screening_the_screenings_parts_are_missing(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    assert missing(referral_record(store, PWP, referral_id)) == NOT_SCREENED


def test_a_screening_without_its_optional_parts_names_each_one(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(2)).id
    save_screening(store, PWP, referral_id, ScreeningInput.model_validate(NOT_ASKED))
    record = referral_record(store, PWP, referral_id)
    assert missing(record) == ("problem descriptor", "risk questions", "employment status")
    assert "Still missing: problem descriptor, risk questions, employment status" in record_as_text(record)
    assert record_as_json(record)["missing"] == ["problem descriptor", "risk questions", "employment status"]


def test_a_complete_record_says_so(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(3)).id
    record_contact(store, PWP, referral_id, ContactInput(kind="attempt", occurred_at=datetime(2024, 5, 2, 9, 0),
                                                         channel="telephone", outcome="reached"))  # fmt: skip
    save_screening(store, PWP, referral_id, ScreeningInput.model_validate(COMPLETE))
    record = referral_record(store, PWP, referral_id)
    assert missing(record) == () and missing_line(record) == "nothing (complete)"
