"""The access needs recorded at the screening reach the referral-on summary's contact lines (issue 15,
item 7): an interpreter the screening found is needed is printed even when the referral had none."""

from __future__ import annotations

from datetime import date

from tests.store.conftest import referral_input
from tests.store.test_form_to_store import FULL_FORM, REASON
from tests.store.test_letters_store import PRACTICE, SCREENER
from tests.users import PWP, as_admin, as_pwp
from triage.services import (
    DecisionInput,
    complete_screening,
    create_referral,
    get_referral,
    letter_for_decision,
    parse,
    save_gp_practice,
)
from triage.services.inputs import GpPracticeInput
from triage.store import Store


def test_the_screenings_interpreter_need_is_in_the_referral_on_summary(store: Store) -> None:
    save_gp_practice(store, as_admin("admin"), parse(GpPracticeInput, PRACTICE))
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(1, gp_practice_code=PRACTICE["code"])).id
    assert get_referral(store, PWP, referral_id).interpreter_language is None  # the referral did not say
    complete_screening(store, as_pwp("lead"), referral_id, FULL_FORM.to_input(),
                       DecisionInput(confirmed_route="crisis_team", override_reason=REASON, warnings_acknowledged=True))  # fmt: skip
    decision_id = get_referral(store, PWP, referral_id).decisions[-1].id
    letter = letter_for_decision(store, PWP, decision_id, "referral-on", screener=SCREENER, service=None,
                                 letter_date=date(2026, 11, 24))  # fmt: skip
    assert "Needs an interpreter: Polish" in " ".join(letter.paragraphs)
