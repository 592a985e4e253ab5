"""The ping-pong record (issue 15, item 6; requirements.md section 9, item 36): a person the CMHT
returned to IAPT before is routed to the CMHT again. The decision is refused until the matrix
rationale is given; then it is stored, shown in the record and printed in the referral-on summary."""

from __future__ import annotations

from datetime import date

import pytest

from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.store.test_letters_store import PRACTICE, build
from tests.users import PWP, as_admin, as_pwp
from triage.services import (
    DecisionInput,
    ScreeningInput,
    confirm_decision,
    create_referral,
    parse,
    record_as_text,
    referral_record,
    save_gp_practice,
    save_screening,
)
from triage.services.inputs import GpPracticeInput
from triage.services.referral_record import returns_of
from triage.store import RefusedError, Store

RATIONALE = "Complexity is high again: three problems needing a care coordinator, not one clinician"


def returned_then_screened(store: Store) -> str:
    """An earlier referral of the person that the CMHT returned to us, then a new one screened with
    high complexity (the matrix points to the CMHT). Returns the new referral's id."""
    save_gp_practice(store, as_admin("admin"), parse(GpPracticeInput, PRACTICE))
    practice = {"gp_practice_code": PRACTICE["code"], "referring_gp": PRACTICE["gp_names"][0]}
    create_referral(store, as_pwp("pwp"), referral_input(7, received_on="2024-01-10", returned_from="cmht", **practice))
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(7, received_on="2024-05-01", **practice)).id
    save_screening(store, as_pwp("pwp"), referral_id, ScreeningInput.model_validate(HIGH_COMPLEXITY))
    return referral_id


def test_routing_back_to_a_service_that_returned_the_person_needs_the_matrix_rationale(store: Store) -> None:
    referral_id = returned_then_screened(store)
    record = referral_record(store, PWP, referral_id)
    assert returns_of(record) == [("cmht", date(2024, 1, 10))]  # who returned them, and when
    with pytest.raises(RefusedError, match="return_rationale: required: cmht has returned this person to us before"):
        confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route="cmht"))
    assert referral_record(store, PWP, referral_id).decision is None  # nothing written
    decision_id = confirm_decision(
        store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route="cmht", return_rationale=RATIONALE)
    )
    decision = referral_record(store, PWP, referral_id).decision
    assert decision is not None and decision.return_rationale == RATIONALE
    assert f"  Returned before; matrix rationale: {RATIONALE}" in record_as_text(
        referral_record(store, PWP, referral_id)
    )
    summary = " ".join(build(store, decision_id, "referral-on").paragraphs)
    assert "has been returned to our service by the" in summary and RATIONALE in summary


def test_a_route_to_a_service_that_never_returned_the_person_needs_no_rationale(store: Store) -> None:
    referral_id = returned_then_screened(store)
    confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route="core_iapt", confirmed_step=3,
                     override_reason="One clinician can manage this after all"))  # fmt: skip
    decision = referral_record(store, PWP, referral_id).decision
    assert decision is not None and decision.return_rationale is None
