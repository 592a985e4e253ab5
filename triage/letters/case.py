"""The case one letter is made from (``Case``: the inputs, with what they imply worked out once),
and what a template's ``when`` conditions see of it: the ratings that drove the outcome
(``drivers_of``), the other services pointed to (``other_destinations``), the ``facts_of`` the
case, and whether a condition ``holds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from triage.letters.outcome import Outcome
from triage.letters.particulars import Helpline, Particulars
from triage.letters.templates import Common, Condition, KindTemplate, LetterKind
from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset
from triage.rules.screening import Screening
from triage.rules.vocabulary import VARIABLES, VariableId
from triage.settings import NATIONAL_CONTACTS


@dataclass(frozen=True)
class Case:
    """Everything a letter is made from, with the words and facts derived once."""

    kind: LetterKind
    template: KindTemplate
    common: Common
    screening: Screening
    routing: Routing
    particulars: Particulars
    outcome: Outcome
    ruleset: Ruleset
    letter_date: date
    drivers: tuple[VariableId, ...]
    step_reasons: tuple[str, ...]
    in_meeting: bool = False  # the decision was taken in the referral meeting
    # What the service can and cannot help with (outcomes/scope.yaml), for an outcome letter.
    scope_can: tuple[str, ...] = ()
    scope_cannot: tuple[str, ...] = ()


def drivers_of(routing: Routing, outcome: Outcome, ruleset: Ruleset) -> tuple[tuple[VariableId, ...], tuple[str, ...]]:
    """The ratings that drove the confirmed outcome, and (for step 3) the step rules that held.

    Outside IAPT: the variables whose cells named the confirmed destination. For IAPT at step 3: the
    variables the matched step 3 rules test. Nothing for step 2, or when a person chose a route or
    step the matrix did not point to (the override reason then carries the decision)."""
    if not outcome.iapt:
        # Keyed by str so that the confirmed route can look itself up: outside IAPT a route's code is its destination's.
        fired: dict[str, tuple[VariableId, ...]] = {d.code: d.triggered_by for d in routing.destinations}
        return tuple(fired.get(outcome.route, ())), ()
    if outcome.step != 3 or routing.step != 3:
        return (), ()
    rules = [rule for rule in ruleset.document.steps.rules if rule.id in routing.matched.steps and rule.step == 3]
    variables: list[VariableId] = []
    for rule in rules:
        tested = list(rule.when.ratings or {})
        if rule.when.previous_unhelpful_interventions_min is not None:
            tested.append("previous_unhelpful_interventions")
        variables += [v for v in tested if v not in variables]
    ordered = tuple(v for v in VARIABLES if v in variables)
    return ordered, tuple(rule.text for rule in rules)


def other_destinations(case: Case) -> list[str]:
    """Services outside IAPT the ratings pointed to, other than the one decided on."""
    return [d.code for d in case.routing.destinations if d.code not in ("iapt", case.outcome.route)]


def facts_of(case: Case) -> dict[str, Any]:
    """What a template's conditions test, by the names ``Condition`` gives them."""
    p, routing, outcome, screening = case.particulars, case.routing, case.outcome, case.screening
    d = p.details
    return {
        "route": outcome.route,
        "recommended_route": outcome.recommended_route,
        "step": outcome.step,
        "risk": routing.ratings.risk,
        "severity": routing.ratings.severity,
        "phq9_band": case.ruleset.score_level("phq9", routing.scores.phq9),
        "source": p.referral.source,
        "problem": screening.problem_descriptor,
        "phq9_item9": screening.phq9_item9,
        "iapt": outcome.iapt,
        "overridden": outcome.overridden,
        "long_term_conditions": bool(screening.long_term_conditions),
        "several_long_term_conditions": len(screening.long_term_conditions) > 1,
        "medically_unexplained_symptoms": screening.medically_unexplained_symptoms,
        "mus_confirmed": d.mus_gp_confirmed,
        "mus_confirmed_on_given": d.mus_confirmed_on is not None,
        "phq9_item9_recorded": screening.phq9_item9 is not None,
        "service_phone_given": bool(p.service and p.service.phone),
        "risk_actions_given": bool(outcome.risk_actions),
        "risk_formulation_given": bool(p.details.risk_formulation),
        "referral_id_given": bool(p.referral.id),
        "problem_given": screening.problem_descriptor is not None,
        "previous_interventions_given": bool(p.details.previous_interventions),
        "signposting_given": bool(p.details.signposting),
        "other_destinations": bool(other_destinations(case)),
        "drivers_given": bool(case.drivers),
        "step_reasons_given": bool(case.step_reasons),
        "choice_reason_given": bool(outcome.choice_reason),
        "return_rationale_given": bool(outcome.return_rationale),
        "phq9": routing.scores.phq9,
        "risk_answers_given": any(a.present != "not_asked" for a in d.risk_answers),
        "protective_factors_given": bool(d.protective_factors),
        "agreed_given": bool(d.agreed),
        "patient_contact_given": bool(d.patient_phone or d.interpreter_language or case.particulars.patient.postcode),
        "local_lines_given": bool(helplines(case)[0]),
        "patient_copy_sent": d.patient_copy_sent,
        "gp_letter_sent": d.gp_letter_sent,
        "referral_on_sent": d.referral_on_sent,
        "in_meeting": case.in_meeting,
    }


def helplines(case: Case) -> tuple[tuple[Helpline, ...], tuple[Helpline, ...]]:
    """The local crisis and duty numbers, and the national ones (the settings' defaults when none are
    given). A local number that is also a national one is printed once, with the national ones."""
    service = case.particulars.service
    national = service.national_lines if service and service.national_lines is not None else None
    if national is None:
        national = tuple(Helpline(name=c.name, phone=c.phone, hours=c.hours or None) for c in NATIONAL_CONTACTS)
    numbers = {_digits(line.phone) for line in national}
    local = tuple(line for line in (service.local_lines if service else ()) if _digits(line.phone) not in numbers)
    return local, national


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


_CONDITION_FIELDS = tuple(Condition.model_fields)


def holds(condition: Condition, facts: dict[str, Any], shown: set[str]) -> bool:
    """Whether a block's condition holds, given the facts and the ids of the blocks shown so far."""
    for name in _CONDITION_FIELDS:
        wanted = getattr(condition, name)
        if wanted is None:
            continue
        if name == "none_shown":
            if shown.intersection(wanted):
                return False
        elif name == "phq9_min":
            if facts["phq9"] < wanted:
                return False
        elif name == "phq9_item9_min":
            item9 = facts["phq9_item9"]
            if item9 is None or item9 < wanted:
                return False
        elif isinstance(wanted, list):
            if facts[name] not in wanted:
                return False
        elif facts[name] != wanted:
            return False
    return True
