"""The routing semantics of docs/design.md ("Routing semantics"), case by case and over the whole matrix."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from triage.resources import resource_path
from triage.rules.engine import route
from triage.rules.golden import all_ratings, compare_golden, screening_for
from triage.rules.ruleset import load_ruleset
from triage.rules.screening import parse_screening
from triage.rules.vocabulary import ROUTES, VARIABLES

from .conftest import screening_data


def routed(ruleset, **overrides):
    return route(parse_screening(screening_data(**overrides)), ruleset)


def test_every_one_of_the_2187_combinations_gets_exactly_one_route(ruleset):
    seen = 0
    routes = Counter()
    for ratings in all_ratings():
        routing = route(screening_for(ratings, ruleset), ruleset)
        assert dict(zip(VARIABLES, (getattr(routing.ratings, v) for v in VARIABLES), strict=True)) == ratings
        assert routing.route in ROUTES
        routes[routing.route] += 1
        seen += 1
    assert seen == 3**7 == 2187
    # Counted by hand from the grid: IAPT only when none of the five leaving cells is high.
    assert routes == {"core_iapt": 3 * 3 * 2**5, "crisis_team": 3**6, "substance_misuse": 3 * 3 * 2**4, "cmht": 1026}


def test_the_whole_table_matches_the_committed_golden_file(ruleset):
    golden = resource_path("rules", "doncaster-2007.golden.tsv").read_text(encoding="utf-8")
    differences = compare_golden(ruleset, golden)
    assert not differences, "routing changed; review, then regenerate with `triage rules golden`:\n" + "\n".join(
        differences[:20]
    )


def test_a_routing_change_shows_up_against_the_golden_file(write_ruleset):
    golden = resource_path("rules", "doncaster-2007.golden.tsv").read_text(encoding="utf-8")
    changed = load_ruleset(
        write_ruleset(
            lambda d: d["precedence"].__setitem__(slice(None), ["cmht", "crisis_team", "substance_misuse", "iapt"])
        )
    )
    assert len(compare_golden(changed, golden)) == 729  # every high-risk row now recommends the CMHT first


def test_all_low_is_core_iapt_step_2(ruleset):
    r = routed(ruleset)
    assert (r.route, r.step, r.needs_confirmation, r.warnings) == ("core_iapt", 2, False, ())
    assert [d.code for d in r.destinations] == ["iapt"]
    assert r.destinations[0].triggered_by == tuple(VARIABLES)


@pytest.mark.parametrize(
    ("variable", "destination", "route_code"),
    [
        ("complexity", "cmht", "cmht"),
        ("impairment", "cmht", "cmht"),
        ("substance_use", "substance_misuse", "substance_misuse"),
        ("risk", "crisis_team", "crisis_team"),
    ],
)
def test_each_high_cell_that_leaves_iapt(ruleset, variable, destination, route_code):
    r = routed(ruleset, **{variable: "high"})
    assert r.route == route_code and r.step is None
    fired = {d.code: d.triggered_by for d in r.destinations}
    assert variable in fired[destination]
    assert variable not in fired["iapt"]


def test_high_severity_and_chronicity_stay_in_iapt(ruleset):
    r = routed(ruleset, phq9=27, gad7=21, chronicity="high")
    assert (r.ratings.severity, r.route, r.step) == ("high", "core_iapt", 3)


def test_three_previous_unhelpful_interventions_go_to_the_cmht(ruleset):
    r = routed(ruleset, previous_unhelpful_interventions=3)
    assert r.route == "cmht"
    assert {d.code: d.triggered_by for d in r.destinations}["cmht"] == ("previous_unhelpful_interventions",)


def test_high_risk_fires_both_crisis_team_and_cmht_and_needs_a_person(ruleset):
    r = routed(ruleset, risk="high")
    assert [d.code for d in r.destinations] == ["crisis_team", "cmht", "iapt"]
    assert r.route == "crisis_team" and r.needs_confirmation
    assert r.matched.confirmation == ("confirm-high-risk",)


def test_two_secondary_destinations_need_confirmation(ruleset):
    r = routed(ruleset, complexity="high", substance_use="high")
    assert r.route == "cmht" and r.needs_confirmation
    assert r.matched.confirmation == ("confirm-several-secondary",)
    assert not routed(ruleset, complexity="high", impairment="high").needs_confirmation  # one service, two reasons


@pytest.mark.parametrize(
    ("extra", "route_code"),
    [
        ({}, "core_iapt"),
        ({"long_term_conditions": ["Type 2 diabetes"]}, "integrated_iapt"),
        ({"medically_unexplained_symptoms": True}, "integrated_iapt"),
        ({"long_term_conditions": [], "medically_unexplained_symptoms": False}, "core_iapt"),
    ],
)
def test_integrated_iapt_for_a_long_term_condition_or_mus(ruleset, extra, route_code):
    assert routed(ruleset, **extra).route == route_code


def test_ltc_does_not_keep_someone_in_iapt_who_needs_secondary_care(ruleset):
    assert routed(ruleset, long_term_conditions=["COPD"], complexity="high").route == "cmht"


@pytest.mark.parametrize(
    ("overrides", "step", "rule"),
    [
        ({"phq9": 20}, 3, "step3-severity"),
        ({"gad7": 15}, 3, "step3-severity"),
        ({"problem_descriptor": "ptsd"}, 3, "step3-descriptor"),
        ({"problem_descriptor": "social_anxiety"}, 3, "step3-descriptor"),
        ({"previous_unhelpful_interventions": 1}, 3, "step3-previous"),
        ({"problem_descriptor": "depression", "phq9": 19, "gad7": 14}, 2, None),
        ({"problem_descriptor": "panic"}, 2, None),
    ],
)
def test_step_policy(ruleset, overrides, step, rule):
    r = routed(ruleset, **overrides)
    assert r.step == step
    assert r.matched.steps == ((rule,) if rule else ())
    assert any(reason.startswith(f"Step {step}") for reason in r.reasons)


@pytest.mark.parametrize(
    ("phq9", "gad7", "severity"),
    [
        (9, 0, "low"),
        (10, 0, "medium"),
        (19, 0, "medium"),
        (20, 0, "high"),
        (0, 9, "low"),
        (0, 10, "medium"),
        (0, 14, "medium"),
        (0, 15, "high"),
        (19, 14, "medium"),
        (9, 15, "high"),
    ],
)
def test_severity_band_boundaries_take_the_higher_band(ruleset, phq9, gad7, severity):
    assert routed(ruleset, phq9=phq9, gad7=gad7).ratings.severity == severity


@pytest.mark.parametrize(("count", "level"), [(0, "low"), (1, "medium"), (2, "medium"), (3, "high"), (12, "high")])
def test_previous_intervention_band_boundaries(ruleset, count, level):
    assert routed(ruleset, previous_unhelpful_interventions=count).ratings.previous_unhelpful_interventions == level


def test_phq9_item9_above_zero_with_low_risk_warns(ruleset):
    r = routed(ruleset, phq9=[0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert r.matched.warnings == ("phq9-item9-low-risk",)
    assert "item 9" in r.warnings[0]
    assert routed(ruleset, phq9=[0, 0, 0, 0, 0, 0, 0, 0, 1], risk="medium").warnings == ()
    assert routed(ruleset, phq9=[3, 3, 3, 3, 3, 3, 3, 3, 0]).warnings == ()


def test_a_phq9_total_warns_that_item9_was_not_seen(ruleset):
    r = routed(ruleset, phq9=4)
    assert r.matched.warnings == ("phq9-item9-not-seen",)


def test_reasons_name_the_answers_that_drove_the_route(ruleset):
    r = routed(ruleset, phq9=22, gad7=3, complexity="high", previous_unhelpful_interventions=4)
    text = "\n".join(r.reasons)
    assert "Severity high: PHQ-9 22 is high and GAD-7 3 is low" in text
    assert (
        "DaSH CMHT is indicated by Complexity high and Number of previous interventions with unhelpful outcomes high."
        in text
    )
    assert "Recommended route: DaSH CMHT" in text


def test_every_routing_records_the_ruleset_that_decided(ruleset):
    r = routed(ruleset)
    assert (r.ruleset.id, r.ruleset.version, r.ruleset.sha256, r.ruleset.status) == (
        "doncaster-2007",
        "1.1.0",
        ruleset.sha256,
        "active",
    )


def test_a_draft_ruleset_marks_every_output(write_ruleset):
    draft = load_ruleset(write_ruleset(lambda d: d.__setitem__("status", "draft")))
    for ratings in itertools.islice(all_ratings(), 0, 2187, 97):
        r = route(screening_for(ratings, draft), draft)
        assert r.ruleset.status == "draft"
        assert r.warnings[0].startswith("DRAFT ruleset doncaster-2007 1.1.0")


def test_the_contract_json_has_exactly_the_documented_keys(ruleset):
    data = routed(ruleset, risk="high").to_contract()
    assert set(data) == {
        "ruleset",
        "scores",
        "ratings",
        "destinations",
        "route",
        "step",
        "needs_confirmation",
        "warnings",
        "reasons",
    }
    assert set(data["ruleset"]) == {"id", "version", "sha256", "status"}
    assert data["destinations"][0] == {"code": "crisis_team", "label": "DaSH CRHTT", "triggered_by": ["risk"]}
