"""Re-screening is checked before a single answer is typed (``check_rescreen``, defect 8 of the live-call
issue): what ``complete_screening`` would refuse at the end is refused at the start, in words, the
permission refusals audited, and an allowed check reads no patient data and records nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.store.conftest import referral_input
from tests.store.test_referral_record import HIGH_RISK, REASON
from tests.users import as_admin, as_leader, as_pwp
from triage.services import DecisionInput, ScreeningInput, change_status, complete_screening, create_referral
from triage.services.decisions import check_rescreen
from triage.services.permissions import PermissionDenied
from triage.store import RefusedError, Store
from triage.store.models import AuditEvent

DECIDER, OTHER, LEAD = as_pwp("pwp.one"), as_pwp("pwp.two"), as_leader("lead.one")


def decided(store: Store) -> str:
    referral_id = create_referral(store, DECIDER, referral_input(3)).id
    complete_screening(store, DECIDER, referral_id, ScreeningInput.model_validate(HIGH_RISK),
                       DecisionInput(confirmed_route="cmht", override_reason=REASON, warnings_acknowledged=True))  # fmt: skip
    return referral_id


def events(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def refusals(store: Store) -> list[tuple[str, str]]:
    with store.read() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "permission_denied"))
        return [(e.actor, e.summary) for e in rows]


def test_the_decider_and_a_team_leader_may_re_screen_and_nothing_is_recorded(store: Store) -> None:
    referral_id = decided(store)
    new = create_referral(store, OTHER, referral_input(4)).id
    before = events(store)
    check_rescreen(store, DECIDER, referral_id)
    check_rescreen(store, LEAD, referral_id)  # override_any
    check_rescreen(store, OTHER, new)  # nobody has decided it
    assert events(store) == before


def test_another_pwp_is_refused_as_the_decision_would_refuse_and_the_refusal_audited(store: Store) -> None:
    referral_id = decided(store)
    with pytest.raises(PermissionDenied) as refused:
        check_rescreen(store, OTHER, referral_id)
    assert refused.value.action == "override_any"
    assert refusals(store) == [("pwp.two", "refused: override_any")]


def test_a_role_that_may_not_screen_is_refused_before_anything_is_read(store: Store) -> None:
    referral_id = decided(store)
    with pytest.raises(PermissionDenied) as refused:
        check_rescreen(store, as_admin(), "no such referral")  # refused, not told whether it exists
    assert refused.value.action == "screen"
    check_rescreen(store, DECIDER, referral_id)
    assert refusals(store) == [("service.admin", "refused: screen")]


@pytest.mark.parametrize("status", ["letter_sent", "closed"])
def test_a_finished_referral_cannot_be_screened_again_whoever_asks(store: Store, status: str) -> None:
    referral_id = decided(store)
    change_status(store, LEAD, referral_id, status)
    for user in (DECIDER, LEAD):
        with pytest.raises(RefusedError, match=f"{status.replace('_', ' ')} cannot be screened again"):
            check_rescreen(store, user, referral_id)
