"""What fills a template's ``{placeholders}``: every value for one case (``placeholder_values``),
in the letter's own words: dates, lists, score ranges (``score_range``) and the GP's name
(``gp_name``). Text the person typed is protected from template markup.
"""

from __future__ import annotations

from datetime import date

from triage.letters.case import Case, other_destinations
from triage.letters.content import protect
from triage.letters.outcome import Step
from triage.letters.templates import IAPT_ROUTES, Common
from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import DESTINATIONS, Level


def gp_name(case: Case) -> str:
    return case.particulars.gp.name or case.common.words.gp_unnamed


def score_range(ruleset: Ruleset, measure: str, level: Level) -> str:
    low, high = ruleset.document.severity.measures[measure][level]  # type: ignore[index]
    return f"{low}–{high}"


def written_date(value: date, common: Common) -> str:
    """A date as the letters write it: 3 March 2025 (the minutes write theirs the same way)."""
    return f"{value.day} {common.words.months[value.month - 1]} {value.year}"


def _join(items: list[str], common: Common) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + common.words.list_and + items[-1]


def placeholder_values(case: Case) -> dict[str, str]:
    """Every placeholder's value. Text the person typed is protected from template markup."""
    common, words, labels = case.common, case.common.words, case.common.labels
    p, routing, ruleset, outcome = case.particulars, case.routing, case.ruleset, case.outcome
    phq9, gad7 = routing.scores.phq9, routing.scores.gad7
    phq9_band, gad7_band = ruleset.score_level("phq9", phq9), ruleset.score_level("gad7", gad7)
    risk = routing.ratings.risk
    service_name = p.service.name if p.service else common.default_service

    def route_words(route: str) -> str:  # an outcome other than a route is called by its ruleset label
        return words.routes.get(route) or ruleset.outcome_labels.get(route, route)  # type: ignore[call-overload]

    def route_with_step(route: str, step: Step | None) -> str:
        if route in IAPT_ROUTES and step is not None:
            return labels.route_with_step.format(route=route_words(route), step_offer=words.step_offer[step])
        return route_words(route)

    values = {
        "patient_name": protect(p.patient.full_name),
        "given_name": protect(p.patient.given_name),
        "family_name": protect(p.patient.family_name),
        "date_of_birth": written_date(p.patient.date_of_birth, common),
        "nhs_number": p.patient.nhs_number_display,
        "gp_name": protect(gp_name(case)),
        "practice_name": protect(p.gp.practice_name),
        "service_name": protect(service_name),
        "screener_name": protect(p.screener.name),
        "screener_role": protect(p.screener.role),
        "letter_date": written_date(case.letter_date, common),
        "received_on": written_date(p.referral.received_on, common),
        "source": words.sources[p.referral.source],
        "phq9": str(phq9),
        "gad7": str(gad7),
        "phq9_band": words.levels[phq9_band],
        "gad7_band": words.levels[gad7_band],
        "phq9_range": score_range(ruleset, "phq9", phq9_band),
        "gad7_range": score_range(ruleset, "gad7", gad7_band),
        "severity": words.levels[routing.ratings.severity],
        "risk": words.levels[risk],
        "risk_definition": ruleset.variable("risk").definitions[risk],
        "route_name": route_words(outcome.route),
        "route_plain": words.routes_plain.get(outcome.route) or route_words(outcome.route),  # type: ignore[call-overload]
        "ruleset_title": ruleset.document.title,
        "ruleset_id": ruleset.id,
        "ruleset_version": ruleset.version,
        "interventions_count": str(case.screening.previous_unhelpful_interventions),
        "recommended_route_name": route_with_step(outcome.recommended_route, outcome.recommended_step),
        "decided_name": route_with_step(outcome.route, outcome.step),
    }
    if outcome.iapt and outcome.step is not None:
        values["step"] = str(outcome.step)
        values["step_offer"] = words.step_offer[outcome.step]
    elif outcome.route in DESTINATIONS:
        code = outcome.route  # outside IAPT a route code is its destination's code
        values["destination"] = ruleset.destination(code).expanded
        values["destination_short"] = words.destinations_short[code]
        values["destination_plain"] = words.destinations_plain[code]
    optional = {
        "override_reason": outcome.override_reason,
        "choice_reason": outcome.choice_reason,
        "return_rationale": outcome.return_rationale,
        "risk_actions": outcome.risk_actions,
        "risk_formulation": p.details.risk_formulation,
        "protective_factors": p.details.protective_factors,
        "service_phone": p.service.phone if p.service else None,
        "referral_id": p.referral.id,
    }
    values.update({name: protect(text) for name, text in optional.items() if text})
    values.update(_outcome_values(case))
    if case.screening.problem_descriptor:
        values["problem"] = words.problems[case.screening.problem_descriptor]
    if case.screening.long_term_conditions:
        values["long_term_conditions"] = _join([protect(c) for c in case.screening.long_term_conditions], common)
    others = other_destinations(case)
    if others:
        values["other_destinations"] = _join([words.routes[code] for code in others], common)  # type: ignore[index]
    if case.screening.phq9_item9 is not None:
        values["phq9_item9"] = str(case.screening.phq9_item9)
    if p.details.mus_confirmed_on is not None:
        values["mus_confirmed_on"] = written_date(p.details.mus_confirmed_on, common)
    return values


def _outcome_values(case: Case) -> dict[str, str]:
    """An outcome letter's own placeholders: the outcome's label and description, and the criterion
    that applied (its label and its sentence) when the outcome has criteria."""
    entry = case.ruleset.outcome(case.outcome.route)
    if entry is None or entry.kind == "route":
        return {}
    values = {"outcome_label": entry.label or entry.code, "outcome_description": entry.description.rstrip(".")}
    criterion = next((c for c in entry.criteria or () if c.code == case.outcome.criterion), None)
    if criterion is not None:
        values |= {"criterion_label": criterion.label, "criterion": criterion.text.rstrip(".")}
    return values
