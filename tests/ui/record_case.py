"""A decided high-risk referral built with the services, for the record view's tests and scenarios: the
store tests' case (tests/store/test_referral_record.py), with a phone number and notes for the banner.

Decided by a PWP, pwp.one, against the recommended crisis team (the CMHT, with a reason), the risk
actions recorded; its GP letter generated and, unless ``letter_sent=False``, printed (which makes the
referral "letter sent"); and an earlier, closed referral of the same person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tests.store.conftest import referral_input
from tests.store.test_referral_record import HIGH_RISK, PRACTICE, REASON
from tests.users import as_admin, as_pwp
from triage.services import (
    DecisionInput,
    ScreeningInput,
    change_status,
    complete_screening,
    create_referral,
    letter_for_decision,
    record_letter,
    save_gp_practice,
)
from triage.services.letters import letter_signer
from triage.store import Store

DECIDER = as_pwp("pwp.one")
PHONE = "013025550101"  # as the services keep it (the spaces typed go)
NOTES = "Prefers calls after 4pm; hard of hearing, speak clearly"
FAMILY_NAME = "Testfamily1"
__all__ = ["DECIDER", "FAMILY_NAME", "HIGH_RISK", "NOTES", "PHONE", "REASON", "Case", "decided_high_risk"]


@dataclass
class Case:
    referral_id: str
    earlier_id: str


def decided_high_risk(store: Store, *, letter_sent: bool = True) -> Case:
    save_gp_practice(store, as_admin(), PRACTICE)
    earlier = create_referral(store, DECIDER, referral_input(1, received_on="2023-01-09", source="self")).id
    change_status(store, DECIDER, earlier, "closed")
    referral_id = create_referral(store, DECIDER, referral_input(
        1, gp_practice_code="C84001", interpreter_language="Polish", phone=PHONE, notes=NOTES)).id  # fmt: skip
    _screening_id, decision_id = complete_screening(
        store, DECIDER, referral_id, ScreeningInput.model_validate(HIGH_RISK),
        DecisionInput(confirmed_route="cmht", override_reason=REASON, warnings_acknowledged=True),
    )  # fmt: skip
    letter = letter_for_decision(store, DECIDER, decision_id, "gp", screener=letter_signer(DECIDER), service=None,
                                 letter_date=date(2025, 3, 3))  # fmt: skip
    record_letter(store, DECIDER, decision_id, letter, "generated")
    if letter_sent:
        record_letter(store, DECIDER, decision_id, letter, "printed")
    return Case(referral_id, earlier)
