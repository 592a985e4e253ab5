"""The outcome a letter reports: the route and step a person confirmed, beside the recommendation
(``Outcome``), and ``decide``, which checks a decision against its routing and makes the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from triage.fields import has_words
from triage.letters.particulars import Decision, LetterInputError
from triage.letters.templates import IAPT_ROUTES
from triage.rules.routing import Routing
from triage.rules.vocabulary import RouteCode

Step = Literal[2, 3]


@dataclass(frozen=True)
class Outcome:
    """What the letter reports: the confirmed route and step, beside the recommendation."""

    route: str  # a matrix route, or another outcome of the ruleset (a discharge, a local service)
    step: Step | None
    recommended_route: RouteCode
    recommended_step: Step | None
    override_reason: str | None
    risk_actions: str | None
    criterion: str | None = None  # the ruleset's criterion that applied, for an outcome with criteria
    return_rationale: str | None = None  # why the matrix points again to a service that returned the person

    @property
    def overridden(self) -> bool:
        return (self.route, self.step) != (self.recommended_route, self.recommended_step)

    @property
    def choice_reason(self) -> str | None:
        """Why the recommended route was chosen, when a person had to choose (high risk) and it was not
        an override: an override's reason is printed as the override."""
        return None if self.overridden else self.override_reason

    @property
    def iapt(self) -> bool:
        return self.route in IAPT_ROUTES


def decide(routing: Routing, decision: Decision | None) -> Outcome:
    """The confirmed outcome, or LetterInputError when the decision does not fit the routing: a
    routing that needs a person's confirmation has none, a step is missing or misplaced, an
    override or a high-risk choice has no reason, or medium or high risk has no record of the actions
    taken (in words: "." is not a record)."""
    decision = decision or Decision()
    problems: list[str] = []
    route = decision.confirmed_route or routing.route
    if decision.confirmed_route is None and routing.needs_confirmation:
        problems.append(
            "decision.confirmed_route: required, because this recommendation needs a person's confirmation"
            " (high risk, or more than one service outside IAPT); give the route decided on"
        )
    step = decision.confirmed_step
    if route in IAPT_ROUTES:
        if step is None and routing.route in IAPT_ROUTES:
            step = routing.step
        if step is None:
            problems.append("decision.confirmed_step: required for an IAPT route; must be 2 or 3")
    elif step is not None:
        problems.append("decision.confirmed_step: must be left out for a route outside IAPT")
    outcome = Outcome(route, step, routing.route, routing.step, decision.override_reason, decision.risk_actions,
                      decision.outcome_criterion, decision.return_rationale)  # fmt: skip
    if outcome.overridden and not decision.override_reason:
        problems.append(
            "decision.override_reason: required when the confirmed route or step differs from the recommendation"
        )
    elif routing.ratings.risk == "high" and not decision.override_reason:
        problems.append(
            "decision.override_reason: required when risk is high: why this route was chosen (the crisis team or "
            "the CMHT), whichever it is"
        )
    if routing.ratings.risk in ("medium", "high") and not has_words(decision.risk_actions):
        problems.append(
            "decision.risk_actions: required when risk is medium or high: the actions taken and the safety advice given"
        )
    if problems:
        raise LetterInputError(problems)
    return outcome
