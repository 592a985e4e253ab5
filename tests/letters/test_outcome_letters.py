"""The GP letters for outcomes other than a route (issue 15, item 2): each says the outcome, the
criterion that applied (not suitable) and what the service can and cannot help with; and what cannot
make such a letter is refused with the field named."""

from __future__ import annotations

import copy

import pytest

from tests.letters.cases import CASES, build
from triage.letters import LetterInputError, load_templates


@pytest.mark.parametrize("name", ["not-suitable-substance", "no-contact", "declined", "refer-on-debt-advice"])
def test_every_outcome_letter_teaches_what_the_service_can_and_cannot_help_with(name: str) -> None:
    text = " ".join(build(CASES[name], "gp").paragraphs)
    scope = load_templates().outcomes.scope  # type: ignore[union-attr]
    for line in [*scope.can_help, *scope.cannot_help]:
        assert line in text
    assert CASES[name]["decision"]["override_reason"] in text  # the reason typed, printed


def test_the_not_suitable_letter_gives_the_criterion_that_applied() -> None:
    text = " ".join(build(CASES["not-suitable-substance"], "gp").paragraphs)
    assert "The criterion that applied: Substance dependency is the main problem." in text
    assert "referring them back to you" in text


def test_a_not_suitable_letter_without_its_criterion_is_refused() -> None:
    data = copy.deepcopy(CASES["not-suitable-substance"])
    del data["decision"]["outcome_criterion"]
    with pytest.raises(LetterInputError) as refused:
        build(data, "gp")
    assert refused.value.problems[0].startswith("decision.outcome_criterion: required for not_suitable; one of")


@pytest.mark.parametrize("kind", ["patient", "referral-on"])
def test_an_outcome_other_than_a_route_has_a_gp_letter_only(kind: str) -> None:
    with pytest.raises(LetterInputError) as refused:
        build(CASES["declined"], kind)
    assert refused.value.problems == [f"kind: declined has a GP letter only; a {kind} letter is for the matrix routes"]


def test_an_outcome_the_ruleset_does_not_list_is_refused() -> None:
    data = copy.deepcopy(CASES["declined"])
    data["decision"]["confirmed_route"] = "astrology"
    with pytest.raises(LetterInputError) as refused:
        build(data, "gp")
    assert refused.value.problems == [
        "decision.confirmed_route: astrology is not an outcome of ruleset doncaster-2007 1.1.0"
    ]
