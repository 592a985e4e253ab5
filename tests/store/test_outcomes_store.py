"""Outcomes other than a route in the store (issue 15, item 2): the decision service accepts exactly the
outcomes of the ruleset in force, the database's foreign keys follow the ``destination`` table it
fills, and migration 0013 keeps every record of a store at 0009, on SQLite (plain and encrypted) and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select, text

from tests.store.conftest import referral_input
from tests.store.test_decisions import screened
from tests.store.test_migrations import snapshot, table_columns
from tests.users import PWP, as_pwp
from triage.resources import resource_path
from triage.rules.ruleset import build_ruleset
from triage.services import DecisionInput, confirm_decision, create_referral, get_referral
from triage.store import IntegrityProblem, RefusedError, Store, open_store, schema_revision, verify_database
from triage.store.database import SCHEMA_HEAD, downgrade_schema
from triage.store.models import Decision, Destination

NOT_SUITABLE = {"confirmed_route": "not_suitable", "outcome_criterion": "substance_primary",
                "override_reason": "Alcohol dependency is the main problem"}  # fmt: skip


def decide(store: Store, referral_id: str, **data: Any) -> str:
    return confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput.model_validate(data))


def test_not_suitable_is_stored_with_its_criterion_and_kept_on_the_referral(store: Store) -> None:
    referral_id = screened(store)
    decision_id = decide(store, referral_id, **NOT_SUITABLE)
    referral = get_referral(store, PWP, referral_id)
    (decision,) = referral.decisions
    assert decision.id == decision_id and referral.current_route == "not_suitable"
    with store.read() as session:
        stored = session.get(Decision, decision_id)
        assert stored is not None and (stored.confirmed_route, stored.outcome_criterion) == (
            "not_suitable",
            "substance_primary",
        )
        kinds = {row.code: row.kind for row in session.scalars(select(Destination))}
    assert kinds["not_suitable"] == "discharge" and kinds["debt_advice"] == "refer_on" and kinds["cmht"] == "route"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"confirmed_route": "astrology", "override_reason": "x"},
         "confirmed_route: astrology is not an outcome of the ruleset in force (doncaster-2007 1.1.0); allowed: core_iapt"),
        ({"confirmed_route": "not_suitable", "override_reason": "x"},
         "outcome_criterion: required for not_suitable; one of no_common_mental_health_problem"),
        ({**NOT_SUITABLE, "outcome_criterion": "made_up"}, "outcome_criterion: not a criterion of not_suitable"),
        ({"confirmed_route": "declined", "outcome_criterion": "substance_primary", "override_reason": "x"},
         "outcome_criterion: declined has no criteria; leave it out"),
        ({"confirmed_route": "declined"}, "override_reason: required"),
    ],
    ids=["unknown-code", "criterion-missing", "criterion-unknown", "criterion-not-wanted", "reason-missing"],
)  # fmt: skip
def test_an_outcome_the_ruleset_does_not_allow_is_refused_and_nothing_is_written(
    store: Store, data: dict[str, Any], message: str
) -> None:
    referral_id = screened(store)
    with pytest.raises(RefusedError) as refused:
        decide(store, referral_id, **data)
    assert str(refused.value).startswith(message)
    referral = get_referral(store, PWP, referral_id)
    assert referral.decisions == () or list(referral.decisions) == []
    assert referral.status == "screened" and referral.current_route is None


def test_a_local_service_the_configured_ruleset_adds_is_accepted(store: Store) -> None:
    document = yaml.safe_load(resource_path("rules", "doncaster-2007.yaml").read_text(encoding="utf-8"))
    document.pop("sha256")
    document["outcomes"].append({"code": "carers_centre", "kind": "refer_on", "label": "Carers' centre",
                                 "description": "Support for unpaid carers", "letter": "refer_on"})  # fmt: skip
    local = build_ruleset(document)
    referral_id = screened(store)
    confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route="carers_centre",
                     override_reason="Caring for a parent is the main strain"), ruleset=local)  # fmt: skip
    assert get_referral(store, PWP, referral_id).current_route == "carers_centre"
    with pytest.raises(RefusedError, match="carers_centre is not an outcome"):  # not in the shipped ruleset
        decide(store, screened_again(store), confirmed_route="carers_centre", override_reason="x")


def screened_again(store: Store) -> str:
    from tests.store.test_screenings import ANSWERS
    from triage.services import ScreeningInput, save_screening

    referral = create_referral(store, as_pwp("pwp"), referral_input(2))
    save_screening(store, as_pwp("pwp"), referral.id, ScreeningInput.model_validate(ANSWERS))
    return referral.id


def test_the_database_refuses_a_code_no_ruleset_gave(store: Store) -> None:
    referral_id = screened(store)
    decide(store, referral_id, confirmed_route="integrated_iapt", confirmed_step=3)
    with pytest.raises(IntegrityProblem), store.write() as session:
        session.execute(text("UPDATE referral SET current_route = 'astrology' WHERE id = :id"), {"id": referral_id})


def test_a_store_at_0009_is_migrated_with_its_decisions_and_guards_kept(database_url: str) -> None:
    with open_store(database_url) as store:
        referral_id = screened(store)
        decide(store, referral_id, confirmed_route="cmht", override_reason="Needs a care coordinator")
        downgrade_schema(store.engine, "0009")
        assert schema_revision(store.engine) == "0009"
    old_columns = table_columns(database_url)
    before = snapshot(database_url, old_columns)
    with open_store(database_url) as store:
        assert schema_revision(store.engine) == SCHEMA_HEAD
        assert verify_database(store) == []
        assert get_referral(store, PWP, referral_id).current_route == "cmht"
        decide(store, referral_id, **NOT_SUITABLE)  # the new outcome, on the migrated store
        assert get_referral(store, PWP, referral_id).current_route == "not_suitable"
        with pytest.raises(IntegrityProblem), store.write() as session:  # the never-deleted guard survived
            session.execute(text("DELETE FROM decision"))
        with pytest.raises(RuntimeError, match="cannot be downgraded"):  # a one-way step once used
            downgrade_schema(store.engine, "0009")
    after = snapshot(database_url, old_columns)
    for table in ("decision", "person", "screening"):  # every old row kept as it was (the referral moved on)
        assert set(map(repr, before[table])) <= set(map(repr, after[table])), table
    assert before["person"] == after["person"]


def test_an_encrypted_store_is_migrated(tmp_path: Path) -> None:
    key = bytes(range(32))
    path = tmp_path / "store.db"
    with open_store(str(path), key=key) as store:
        referral_id = screened(store)
        decide(store, referral_id, confirmed_route="integrated_iapt", confirmed_step=3)
        downgrade_schema(store.engine, "0009")
    with open_store(str(path), key=key) as store:
        assert schema_revision(store.engine) == SCHEMA_HEAD and verify_database(store) == []
        decide(store, referral_id, **NOT_SUITABLE)
        assert get_referral(store, PWP, referral_id).current_route == "not_suitable"
