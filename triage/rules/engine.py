"""The routing engine: a Screening and a Ruleset in, a Routing out. Pure and deterministic.

Semantics (docs/design.md, "Routing semantics"): rate the seven variables (severity and previous
interventions are derived), look up each rating's destinations in the grid, report every fired
destination with the variables that fired it, recommend the first fired destination in the
ruleset's precedence, choose integrated or core IAPT and the step for IAPT routes, and say when a
person must confirm and what must be looked at again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from triage.rules.routing import FiredDestination, MatchedRules, Ratings, Routing, Scores
from triage.rules.ruleset import Condition, Ruleset, StepRule
from triage.rules.screening import Screening
from triage.rules.vocabulary import (
    LEVELS,
    VARIABLES,
    DestinationCode,
    Level,
    ProblemDescriptor,
    RouteCode,
    VariableId,
)

DRAFT_WARNING = "DRAFT ruleset {id} {version}: not approved for clinical use; every decision needs review."


@dataclass(slots=True)
class Facts:
    """Everything a rule condition may test."""

    ratings: dict[VariableId, Level]
    problem_descriptor: ProblemDescriptor | None
    previous_unhelpful_interventions: int
    phq9_item9: int | None
    non_iapt_destinations: int


def holds(condition: Condition, facts: Facts) -> bool:
    if condition.ratings is not None and any(
        facts.ratings[variable] not in levels for variable, levels in condition.ratings.items()
    ):
        return False
    if condition.problem_descriptor is not None and facts.problem_descriptor not in condition.problem_descriptor:
        return False
    if (
        condition.previous_unhelpful_interventions_min is not None
        and facts.previous_unhelpful_interventions < condition.previous_unhelpful_interventions_min
    ):
        return False
    if condition.phq9_item9_min is not None and (
        facts.phq9_item9 is None or facts.phq9_item9 < condition.phq9_item9_min
    ):
        return False
    if condition.phq9_item9_recorded is not None and (facts.phq9_item9 is not None) != condition.phq9_item9_recorded:
        return False
    if (
        condition.non_iapt_destinations_min is not None
        and facts.non_iapt_destinations < condition.non_iapt_destinations_min
    ):
        return False
    return True


def rate(screening: Screening, ruleset: Ruleset) -> dict[VariableId, Level]:
    """The seven ratings: severity is the higher of the two measures' bands, previous interventions
    come from the count, the rest are as the screener rated them."""
    phq9 = ruleset.score_level("phq9", screening.phq9_total)
    gad7 = ruleset.score_level("gad7", screening.gad7_total)
    return {
        "severity": max(phq9, gad7, key=LEVELS.index),
        "chronicity": screening.chronicity,
        "complexity": screening.complexity,
        "impairment": screening.impairment,
        "substance_use": screening.substance_use,
        "risk": screening.risk,
        "previous_unhelpful_interventions": ruleset.interventions_level(screening.previous_unhelpful_interventions),
    }


def fire(ratings: dict[VariableId, Level], ruleset: Ruleset) -> dict[DestinationCode, list[VariableId]]:
    """Every destination the grid names for these ratings, with the variables that named it, most
    intensive first. Variables not rated yet (absent) name nothing: the live panel shows a partial
    screening this way."""
    fired: dict[DestinationCode, list[VariableId]] = {}
    for variable in VARIABLES:
        level = ratings.get(variable)
        if level is not None:
            for code in ruleset.cell_destinations[(variable, level)]:
                fired.setdefault(code, []).append(variable)
    return {code: fired[code] for code in ruleset.document.precedence if code in fired}


@dataclass(frozen=True, slots=True)
class MatrixOutcome:
    """The part of a routing that depends on the seven ratings alone (one of 2,187), worked out once
    per ruleset and combination and then reused."""

    destinations: tuple[FiredDestination, ...]
    recommended: DestinationCode
    reasons: tuple[str, ...]
    cells: tuple[str, ...]
    services_outside_iapt: int


def matrix_outcome(ratings: dict[VariableId, Level], ruleset: Ruleset) -> MatrixOutcome:
    key = tuple(ratings[v] for v in VARIABLES)
    outcome = ruleset.outcomes.get(key)
    if outcome is None:
        fired = fire(ratings, ruleset)
        ordered = list(fired)
        outcome = MatrixOutcome(
            destinations=tuple(
                FiredDestination(code, ruleset.destination_labels[code], tuple(fired[code])) for code in ordered
            ),
            recommended=ordered[0],
            reasons=tuple(_destination_reasons(ordered, fired, ratings, ruleset)),
            cells=tuple(ruleset.cell_ids[(v, ratings[v])] for v in VARIABLES),
            services_outside_iapt=_services_outside_iapt(ratings, ruleset),
        )
        ruleset.outcomes[key] = outcome
    return outcome


def route(screening: Screening, ruleset: Ruleset) -> Routing:
    """Route one screening under the given ruleset (passed explicitly: a decision must say which)."""
    doc = ruleset.document
    ratings = rate(screening, ruleset)
    outcome = matrix_outcome(ratings, ruleset)
    facts = Facts(
        ratings=ratings,
        problem_descriptor=screening.problem_descriptor,
        previous_unhelpful_interventions=screening.previous_unhelpful_interventions,
        phq9_item9=screening.phq9_item9,
        non_iapt_destinations=outcome.services_outside_iapt,
    )
    reasons = _rating_reasons(screening, ratings, ruleset) + list(outcome.reasons)

    route_code: RouteCode
    step: Literal[2, 3] | None = None
    step_rules: list[StepRule] = []
    if outcome.recommended == "iapt":
        route_code, label, why = _iapt_route(screening, ruleset)
        reasons.append(doc.reasons["iapt_route"].format(route=label, why=why))
        step_rules = [rule for rule in doc.steps.rules if holds(rule.when, facts)]
        iapt_step = max((rule.step for rule in step_rules), default=doc.steps.default)
        step = iapt_step
        reasons += _step_reasons(iapt_step, step_rules, ruleset)
    else:
        route_code = outcome.recommended

    confirmations = [rule for rule in doc.confirmation if holds(rule.when, facts)]
    reasons += [doc.reasons["confirmation"].format(why=rule.text) for rule in confirmations]
    warnings = [rule for rule in doc.warnings if holds(rule.when, facts)]
    draft = [DRAFT_WARNING.format(id=ruleset.id, version=ruleset.version)] if ruleset.is_draft else []

    return Routing(
        ruleset=ruleset.ref,
        scores=Scores(screening.phq9_total, screening.gad7_total),
        ratings=Ratings(**ratings),
        destinations=outcome.destinations,
        route=route_code,
        step=step,
        needs_confirmation=bool(confirmations),
        warnings=tuple(draft + [rule.text for rule in warnings]),
        reasons=tuple(reasons),
        matched=MatchedRules(
            cells=outcome.cells,
            steps=tuple(rule.id for rule in step_rules),
            confirmation=tuple(rule.id for rule in confirmations),
            warnings=tuple(rule.id for rule in warnings),
        ),
    )


def _services_outside_iapt(ratings: dict[VariableId, Level], ruleset: Ruleset) -> int:
    """How many different services outside IAPT the rated cells point to. A cell naming alternatives
    (the matrix's "CMHT/CRHTT") is one choice, counted by its first destination, so high risk alone
    is one service to decide on, not two."""
    firsts = {ruleset.cell_destinations[(v, ratings[v])][0] for v in VARIABLES}
    return len(firsts - {"iapt"})


def join_words(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _rating_reasons(screening: Screening, ratings: dict[VariableId, Level], ruleset: Ruleset) -> list[str]:
    words, text = ruleset.level_words, ruleset.document.reasons
    phq9, gad7 = screening.phq9_total, screening.gad7_total
    return [
        text["severity"].format(
            level=words[ratings["severity"]],
            phq9=phq9,
            phq9_level=words[ruleset.score_level("phq9", phq9)],
            gad7=gad7,
            gad7_level=words[ruleset.score_level("gad7", gad7)],
        ),
        text["previous_unhelpful_interventions"].format(
            level=words[ratings["previous_unhelpful_interventions"]],
            count=screening.previous_unhelpful_interventions,
        ),
    ]


def _destination_reasons(
    ordered: list[DestinationCode],
    fired: dict[DestinationCode, list[VariableId]],
    ratings: dict[VariableId, Level],
    ruleset: Ruleset,
) -> list[str]:
    text, labels = ruleset.document.reasons, ruleset.destination_labels
    reasons = [
        text["destination"].format(
            destination=labels[code],
            variables=join_words(
                [f"{ruleset.variable_labels[v]} {ruleset.level_words[ratings[v]]}" for v in fired[code]]
            ),
        )
        for code in ordered
    ]
    reasons.append(text["route"].format(route=labels[ordered[0]], order=ruleset.precedence_text))
    return reasons


def _step_reasons(step: Literal[2, 3], rules: list[StepRule], ruleset: Ruleset) -> list[str]:
    doc = ruleset.document
    label = doc.steps.labels[step]
    deciding = [rule for rule in rules if rule.step == step]
    if not deciding:
        return [doc.reasons["step_default"].format(step=label)]
    return [doc.reasons["step"].format(step=label, why=rule.text) for rule in deciding]


def _iapt_route(screening: Screening, ruleset: Ruleset) -> tuple[RouteCode, str, str]:
    """Integrated IAPT when any of its conditions is recorded, else core IAPT: code, label and why."""
    present = set()
    if screening.long_term_conditions:
        present.add("long_term_condition")
    if screening.medically_unexplained_symptoms:
        present.add("medically_unexplained_symptoms")
    routes, reasons = ruleset.document.iapt_routes, ruleset.document.reasons
    if present.intersection(routes.integrated.when_any or []):
        return "integrated_iapt", routes.integrated.label, reasons["integrated_why"]
    return "core_iapt", routes.core.label, reasons["core_why"]
