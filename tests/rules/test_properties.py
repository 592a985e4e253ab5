"""Properties of the routing that must hold for every input, checked with hypothesis."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.resources import resource_path
from triage.rules.engine import route
from triage.rules.ruleset import load_ruleset
from triage.rules.screening import Screening
from triage.rules.vocabulary import LEVELS, PROBLEM_DESCRIPTORS, RATED_VARIABLES

RULESET = load_ruleset(resource_path("rules", "doncaster-2007.yaml"))
# Intensity of a route by the destination behind it, least intensive first.
INTENSITY = {"core_iapt": 0, "integrated_iapt": 0, "substance_misuse": 1, "cmht": 2, "crisis_team": 3}

levels = st.sampled_from(LEVELS)
phq9_items = st.lists(st.integers(0, 3), min_size=9, max_size=9)
gad7_items = st.lists(st.integers(0, 3), min_size=7, max_size=7)


@st.composite
def screenings(draw, risk=levels) -> Screening:
    return Screening(
        phq9=draw(st.one_of(phq9_items, st.integers(0, 27))),
        gad7=draw(st.one_of(gad7_items, st.integers(0, 21))),
        chronicity=draw(levels),
        complexity=draw(levels),
        impairment=draw(levels),
        substance_use=draw(levels),
        risk=draw(risk),
        previous_unhelpful_interventions=draw(st.integers(0, 12)),
        long_term_conditions=draw(st.lists(st.sampled_from(["Diabetes", "COPD", "Chronic pain"]), max_size=2)),
        medically_unexplained_symptoms=draw(st.booleans()),
        problem_descriptor=draw(st.one_of(st.none(), st.sampled_from(PROBLEM_DESCRIPTORS))),
    )


def raised(screening: Screening, variable: str) -> Screening | None:
    level = getattr(screening, variable)
    if level == "high":
        return None
    return screening.model_copy(update={variable: LEVELS[LEVELS.index(level) + 1]})


@given(screenings(risk=st.just("high")))
def test_high_risk_recommends_the_crisis_team_and_needs_a_person(screening):
    routing = route(screening, RULESET)
    assert routing.route == "crisis_team"
    assert routing.needs_confirmation
    assert {"crisis_team", "cmht"} <= {d.code for d in routing.destinations}


@given(screenings(), st.sampled_from(RATED_VARIABLES))
def test_raising_any_rating_never_gives_a_less_intensive_route(screening, variable):
    higher = raised(screening, variable)
    if higher is None:
        return
    before, after = route(screening, RULESET), route(higher, RULESET)
    assert INTENSITY[after.route] >= INTENSITY[before.route]
    if INTENSITY[after.route] == INTENSITY[before.route] == 0:
        assert after.step >= before.step


@given(screenings(), st.integers(0, 12))
def test_more_previous_unhelpful_interventions_never_lower_intensity(screening, extra):
    more = screening.model_copy(
        update={"previous_unhelpful_interventions": screening.previous_unhelpful_interventions + extra}
    )
    before, after = route(screening, RULESET), route(more, RULESET)
    assert INTENSITY[after.route] >= INTENSITY[before.route]


@given(screenings(), phq9_items, gad7_items)
def test_higher_scores_never_lower_severity_or_step(screening, phq9, gad7):
    low = screening.model_copy(update={"phq9": phq9, "gad7": gad7})
    high = low.model_copy(update={"phq9": [min(3, x + 1) for x in phq9], "gad7": [min(3, x + 1) for x in gad7]})
    a, b = route(low, RULESET), route(high, RULESET)
    assert LEVELS.index(b.ratings.severity) >= LEVELS.index(a.ratings.severity)
    assert a.route == b.route
    if a.step is not None:
        assert b.step >= a.step


@given(screenings(), phq9_items, gad7_items)
def test_severity_from_items_equals_severity_from_totals(screening, phq9, gad7):
    by_items = route(screening.model_copy(update={"phq9": phq9, "gad7": gad7}), RULESET)
    by_totals = route(screening.model_copy(update={"phq9": sum(phq9), "gad7": sum(gad7)}), RULESET)
    assert by_items.ratings == by_totals.ratings
    assert by_items.scores == by_totals.scores
    assert (by_items.route, by_items.step, by_items.destinations) == (
        by_totals.route,
        by_totals.step,
        by_totals.destinations,
    )


@given(screenings())
def test_exactly_one_route_and_the_step_only_for_iapt(screening):
    routing = route(screening, RULESET)
    is_iapt = routing.route in ("core_iapt", "integrated_iapt")
    assert (routing.step in (2, 3)) if is_iapt else routing.step is None
    assert routing.destinations[0].code == ("iapt" if is_iapt else routing.route)
    # Every variable appears among the triggers of exactly the destinations its cell names.
    triggers = [v for d in routing.destinations for v in d.triggered_by]
    assert set(triggers) == set(RULESET.variable_labels)


@given(screenings())
def test_routing_is_deterministic(screening):
    assert route(screening, RULESET) == route(screening, RULESET)


@given(screenings())
def test_item9_above_zero_with_low_risk_always_warns(screening):
    flagged = screening.model_copy(update={"phq9": [0] * 8 + [2], "risk": "low"})
    assert "phq9-item9-low-risk" in route(flagged, RULESET).matched.warnings


def test_a_routing_cannot_be_edited_after_the_fact():
    routing = route(
        Screening(
            phq9=0,
            gad7=0,
            chronicity="low",
            complexity="low",
            impairment="low",
            substance_use="low",
            risk="low",
            previous_unhelpful_interventions=0,
        ),
        RULESET,
    )
    with pytest.raises(FrozenInstanceError):
        routing.route = "cmht"  # type: ignore[misc]
