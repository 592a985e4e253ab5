"""Decisions: the computed routing kept as returned, confirmation and overrides, replay."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, text

from tests.store.conftest import referral_input
from tests.store.test_screenings import ANSWERS
from tests.users import PWP, as_pwp
from triage.resources import resource_path
from triage.rules.ruleset import load_ruleset
from triage.services import (
    DecisionInput,
    ScreeningInput,
    confirm_decision,
    create_referral,
    get_referral,
    recommend,
    replay_decision,
    save_screening,
)
from triage.store import RefusedError, Store
from triage.store.models import Decision

HIGH_COMPLEXITY = {**ANSWERS, "complexity": "high"}  # CMHT under the shipped matrix


def screened(store: Store, answers: dict = ANSWERS) -> str:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    save_screening(store, as_pwp("pwp"), referral.id, ScreeningInput.model_validate(answers))
    return referral.id


def test_confirming_the_recommendation_keeps_the_routing_as_returned(store: Store) -> None:
    referral_id = screened(store)
    routing = recommend(store, PWP, referral_id)
    decision_id = confirm_decision(
        store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route=routing.route, confirmed_step=routing.step)
    )
    referral = get_referral(store, PWP, referral_id)
    (decision,) = referral.decisions
    assert decision.id == decision_id and referral.status == "decided"
    assert decision.routing == routing.to_contract() | {"destinations": decision.routing["destinations"]}
    assert decision.routing["route"] == routing.route and decision.routing["reasons"] == list(routing.reasons)
    assert decision.matched_rules["cells"] == list(routing.matched.cells)
    assert (decision.ruleset_id, decision.ruleset_version, decision.ruleset_sha256) == (
        routing.ruleset.id, routing.ruleset.version, routing.ruleset.sha256)  # fmt: skip
    assert (decision.confirmed_route, decision.override_reason, decision.decided_by) == (routing.route, None, "lead")


def test_an_override_needs_a_reason_and_keeps_the_recommendation(store: Store) -> None:
    referral_id = screened(store, HIGH_COMPLEXITY)
    assert recommend(store, PWP, referral_id).route == "cmht"
    with pytest.raises(RefusedError, match="override_reason"):
        confirm_decision(
            store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route="core_iapt", confirmed_step=3)
        )
    confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route="core_iapt", confirmed_step=3, override_reason="CMHT declined, agreed at MDT"))  # fmt: skip
    (decision,) = get_referral(store, PWP, referral_id).decisions
    assert (decision.recommended_route, decision.confirmed_route) == ("cmht", "core_iapt")
    assert decision.override_reason == "CMHT declined, agreed at MDT"


def test_the_database_also_refuses_an_override_without_a_reason(store: Store) -> None:
    referral_id = screened(store, HIGH_COMPLEXITY)
    decision_id = confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route="cmht"))
    from triage.store import IntegrityProblem

    with pytest.raises(IntegrityProblem), store.write() as session:
        session.execute(text("UPDATE decision SET confirmed_route = 'core_iapt' WHERE id = :id"), {"id": decision_id})


def test_warnings_must_be_acknowledged(store: Store) -> None:
    referral_id = screened(store, {**ANSWERS, "phq9": (1, 2, 1, 0, 1, 2, 1, 0, 1)})  # item 9 > 0, risk low
    routing = recommend(store, PWP, referral_id)
    assert routing.warnings
    choice = {"confirmed_route": routing.route, "confirmed_step": routing.step}
    with pytest.raises(RefusedError, match="acknowledged"):
        confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput.model_validate(choice))
    confirm_decision(
        store, as_pwp("lead"), referral_id, DecisionInput.model_validate(choice | {"warnings_acknowledged": True})
    )


def test_a_referral_without_a_screening_cannot_be_decided(store: Store) -> None:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    with pytest.raises(RefusedError, match="cannot be decided"):
        confirm_decision(store, as_pwp("lead"), referral.id, DecisionInput(confirmed_route="cmht"))


def _decided(store: Store, ruleset_path: Path | None = None) -> str:
    referral_id = screened(store, HIGH_COMPLEXITY)
    ruleset = load_ruleset(ruleset_path) if ruleset_path else None
    return confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route="cmht"), ruleset=ruleset)


def test_a_decision_replays_to_the_stored_routing(store: Store) -> None:
    replay = replay_decision(store, PWP, _decided(store))
    assert replay.ruleset_available and replay.matches and replay.differences == ()


def test_a_decision_replays_under_its_own_ruleset_version(store: Store, tmp_path: Path) -> None:
    document = yaml.safe_load(resource_path("rules", "doncaster-2007.yaml").read_text(encoding="utf-8"))
    document["version"] = "9.9.9"
    document.pop("sha256", None)
    local = tmp_path / "local.yaml"
    local.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    decision_id = _decided(store, local)
    missing = replay_decision(store, PWP, decision_id)
    assert not missing.ruleset_available and not missing.matches
    assert "9.9.9" in missing.message and "not available" in missing.message
    found = replay_decision(store, PWP, decision_id, extra_rulesets=[local])
    assert found.matches and found.replayed is not None and found.replayed["ruleset"]["version"] == "9.9.9"


def test_a_stored_routing_that_no_longer_replays_is_reported(store: Store) -> None:
    decision_id = _decided(store)
    with store.write() as session:
        decision = session.get(Decision, decision_id)
        assert decision is not None
        decision.routing = decision.routing | {"route": "core_iapt"}
    replay = replay_decision(store, PWP, decision_id)
    assert replay.ruleset_available and not replay.matches
    assert replay.differences == ('route: stored "core_iapt", replayed "cmht"',)


HIGH_RISK = {**ANSWERS, "risk": "high", "risk_details": {
    **ANSWERS["risk_details"], "contacted": "Duty manager J. Smith", "contacted_at": "2026-11-23T10:05:00",
    "actions_taken": "Crisis team to assess at home today"}}  # fmt: skip


@pytest.mark.parametrize("route", ["crisis_team", "cmht"])
def test_a_high_risk_choice_needs_a_reason_whichever_route_and_keeps_it(store: Store, route: str) -> None:
    # Defect 6: for high risk, choosing the crisis team (the recommendation) needed no reason.
    referral_id = screened(store, HIGH_RISK)
    assert recommend(store, as_pwp("lead"), referral_id).route == "crisis_team"
    with pytest.raises(RefusedError, match="override_reason: required when") as caught:
        confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route=route))
    assert "Duty manager" not in str(caught.value)
    with store.read() as session:
        assert session.scalars(select(Decision).where(Decision.referral_id == referral_id)).all() == []
    reason = "Active plan for tonight; the crisis team can assess at home today"
    decision_id = confirm_decision(
        store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route=route, override_reason=reason)
    )
    with store.read() as session:
        decision = session.get(Decision, decision_id)
        assert decision is not None and (decision.confirmed_route, decision.override_reason) == (route, reason)


def test_a_reason_given_for_a_confirmed_low_risk_recommendation_is_not_kept(store: Store) -> None:
    # Only an override or a high-risk choice has a reason on record: a stray one is not evidence of anything.
    referral_id = screened(store)
    routing = recommend(store, as_pwp("lead"), referral_id)
    decision_id = confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(
        confirmed_route=routing.route, confirmed_step=routing.step, override_reason="no reason needed"))  # fmt: skip
    with store.read() as session:
        assert session.get(Decision, decision_id).override_reason is None  # type: ignore[union-attr]
