"""The outcome list in the ruleset (issue 15, item 2): every destination a decision can record, the
matrix routes beside the discharges and the local services, validated at load and part of the hash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from triage.resources import resource_path
from triage.rules.ruleset import RulesetError, load_ruleset
from triage.rules.vocabulary import ROUTES
from triage.services.decisions import find_ruleset

OLD_SHA256 = "851f37a0248475225f5b2c84b96d9f1dc9bb4f83e0e512b3433b6e6a5c763038"  # doncaster-2007 1.0.0


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RulesetError) as refused:
        load_ruleset(path)
    return refused.value.problems


def test_the_shipped_ruleset_lists_the_routes_discharges_and_local_services(ruleset) -> None:  # type: ignore[no-untyped-def]
    kinds = {entry.code: entry.kind for entry in ruleset.decision_outcomes}
    assert [code for code, kind in kinds.items() if kind == "route"] == list(ROUTES)
    assert {code for code, kind in kinds.items() if kind == "discharge"} == {"not_suitable", "no_contact", "declined"}
    assert {"employment_support", "housing_advice", "debt_advice"} <= {c for c, k in kinds.items() if k == "refer_on"}
    not_suitable = ruleset.outcome("not_suitable")
    assert not_suitable is not None and not_suitable.criteria  # a criterion must be given
    assert ruleset.outcome_labels["cmht"] == "DaSH CMHT"  # a route keeps the one label it has
    assert ruleset.outcome("made_up") is None


def test_a_duplicate_outcome_code_is_refused_naming_the_entry(write_ruleset: Callable[..., Path]) -> None:
    def duplicate(document: dict[str, Any]) -> None:
        document["outcomes"].append(dict(document["outcomes"][-1]))

    problems = problems_of(write_ruleset(duplicate))
    assert any(p.startswith("outcomes[") and ".code: debt_advice is defined more than once" in p for p in problems)


def test_an_unknown_outcome_kind_is_refused_naming_the_field(write_ruleset: Callable[..., Path]) -> None:
    def bad_kind(document: dict[str, Any]) -> None:
        document["outcomes"][-1]["kind"] = "signpost"

    problems = problems_of(write_ruleset(bad_kind))
    assert "outcomes[10].kind: unknown value; input should be 'route', 'refer_on' or 'discharge'" in problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["outcomes"].pop(2), "outcomes: the matrix route cmht must be listed (kind: route)"),
        (lambda d: d["outcomes"][-1].pop("label"), "outcomes[10] (debt_advice).label: required"),
        (lambda d: d["outcomes"][-1].pop("letter"), "outcomes[10] (debt_advice).letter: required"),
        (lambda d: d["outcomes"][-1].__setitem__("kind", "route"), "outcomes[10] (debt_advice).kind: route is only"),
        (
            lambda d: d["outcomes"][-1].__setitem__("code", "Debt advice"),
            "outcomes[10].code: String should match pattern",
        ),
    ],
    ids=["route-missing", "label-missing", "letter-missing", "route-kind-not-a-route", "bad-code"],
)
def test_a_bad_outcome_list_is_refused(write_ruleset: Callable[..., Path], change: Any, expected: str) -> None:
    problems = problems_of(write_ruleset(change))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_local_service_is_added_in_the_ruleset_and_changes_its_hash(
    write_ruleset: Callable[..., Path], ruleset
) -> None:  # type: ignore[no-untyped-def]
    def add(document: dict[str, Any]) -> None:
        document["outcomes"].append({"code": "carers_centre", "kind": "refer_on", "label": "Carers' centre",
                                     "description": "Support for unpaid carers", "letter": "refer_on"})  # fmt: skip

    added = load_ruleset(write_ruleset(add))
    assert added.outcome_labels["carers_centre"] == "Carers' centre"
    assert added.sha256 != ruleset.sha256


def test_decisions_made_under_the_ruleset_before_the_outcome_list_still_find_it(ruleset) -> None:  # type: ignore[no-untyped-def]
    old = find_ruleset(OLD_SHA256)
    assert old is not None and (old.id, old.version) == ("doncaster-2007", "1.0.0")
    assert [entry.code for entry in old.decision_outcomes] == list(ROUTES)  # before the list: the routes only
    assert ruleset.sha256 != OLD_SHA256
    assert find_ruleset(ruleset.sha256) is not None
    assert (resource_path("rules", "retired") / "doncaster-2007-1.0.0.yaml").exists()
