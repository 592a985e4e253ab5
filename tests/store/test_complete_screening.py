"""Screen and decide in one transaction (complete_screening): all of it is stored, or none of it."""

from __future__ import annotations

import pytest

from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.store.test_migrations import snapshot
from tests.store.test_screenings import ANSWERS
from tests.users import PWP, as_leader, as_pwp
from triage.services import (
    DecisionInput,
    ScreeningInput,
    complete_screening,
    create_referral,
    get_referral,
    load_draft,
    save_draft,
)
from triage.services.permissions import PermissionDenied
from triage.store import RefusedError, Store, verify_database
from triage.store.audit import events_for


def test_the_screening_the_decision_and_the_draft_removal_commit_together(store: Store) -> None:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    save_draft(store, as_pwp("pwp"), referral.id, {"phq9": [1, 2]})
    screening_id, decision_id = complete_screening(
        store,
        as_pwp("pwp"),
        referral.id,
        ScreeningInput.model_validate(HIGH_COMPLEXITY),
        DecisionInput(confirmed_route="cmht"),
    )
    stored = get_referral(store, PWP, referral.id)
    assert [s.id for s in stored.screenings] == [screening_id]
    assert [(d.id, d.screening_id, d.confirmed_route) for d in stored.decisions] == [
        (decision_id, screening_id, "cmht")
    ]
    assert [c.status for c in stored.status_changes] == ["received", "contacted", "screened", "decided"]
    assert (stored.status, stored.current_route, stored.current_step) == ("decided", "cmht", None)
    assert load_draft(store, PWP, referral.id) is None
    with store.read() as session:
        assert [e.action for e in events_for(session, "draft", referral.id)] == ["create", "delete"]
        assert [e.action for e in events_for(session, "decision", decision_id)] == ["decision"]
    assert verify_database(store) == []


@pytest.mark.parametrize(
    ("decision", "refusal"),
    [
        (DecisionInput(confirmed_route="core_iapt", confirmed_step=2, warnings_acknowledged=True), "override_reason"),
        (DecisionInput(confirmed_route="cmht", warnings_acknowledged=False), "warnings_acknowledged"),
    ],
)
def test_a_refused_decision_leaves_the_referral_exactly_as_it_was(
    store: Store, database_url: str, decision: DecisionInput, refusal: str
) -> None:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    save_draft(store, as_pwp("pwp"), referral.id, {"phq9": [1, 2]})
    answers = {**HIGH_COMPLEXITY, "phq9": (1, 2, 1, 0, 1, 2, 1, 0, 1)}  # item 9 > 0 with low risk: a warning
    before = snapshot(database_url)
    with pytest.raises(RefusedError, match=refusal):
        complete_screening(store, as_pwp("pwp"), referral.id, ScreeningInput.model_validate(answers), decision)
    assert snapshot(database_url) == before  # not screened-but-undecided: nothing at all was written
    assert load_draft(store, as_pwp("pwp"), referral.id) is not None


def test_a_decided_referral_can_be_screened_and_decided_again(store: Store) -> None:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    complete_screening(store, as_pwp("pwp"), referral.id, ScreeningInput.model_validate(HIGH_COMPLEXITY), DecisionInput(confirmed_route="cmht"))  # fmt: skip
    again = ScreeningInput.model_validate(ANSWERS), DecisionInput(confirmed_route="integrated_iapt", confirmed_step=3)
    with pytest.raises(PermissionDenied):  # another PWP may not replace a colleague's decision...
        complete_screening(store, as_pwp("other"), referral.id, *again)
    complete_screening(store, as_pwp("pwp"), referral.id, *again)  # the screener may redo their own...
    complete_screening(store, as_leader("lead"), referral.id, *again)  # ...and a team leader anyone's
    stored = get_referral(store, PWP, referral.id)
    assert len(stored.screenings) == len(stored.decisions) == 3
    assert (stored.status, stored.current_route, stored.current_step) == ("decided", "integrated_iapt", 3)
    assert verify_database(store) == []
