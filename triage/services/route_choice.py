"""The person's route choice as explicit state (live-call issue, defects 1 and 6's cause).

A screening's decision draft holds one of two choices: it *follows* the recommendation (whatever the
recommendation is now, so ticking a long-term condition moves Core IAPT to Integrated IAPT without
anyone touching the route), or the person *chose* a route and step, remembered together with the
recommendation they chose it against. When the recommendation later moves away from that one, the
choice is in conflict: it is neither kept silently nor dropped silently; the person is asked.

Acknowledged warnings are remembered as the set of warnings acknowledged, so a new warning is never
covered by an acknowledgement given before it appeared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from triage.rules.outcomes import OUTCOME_CODE
from triage.rules.routing import Routing
from triage.rules.vocabulary import RouteCode

# A matrix route or another outcome of the ruleset (a discharge, a local service; issue 15, item 2).
OutcomeCode = Annotated[str, StringConstraints(pattern=OUTCOME_CODE)]

Step = Literal[2, 3]
IAPT_ROUTES: frozenset[RouteCode] = frozenset({"core_iapt", "integrated_iapt"})
ReasonNeeded = Literal["override", "high_risk"]
# What the screener is told while a needed reason is missing (the services word their refusals by field).
REASON_PROBLEMS: dict[ReasonNeeded, str] = {
    "override": "Reason: say why you chose other than the recommendation",
    "high_risk": "Reason: say why you chose this route (required as risk is high)",
}


def reason_needed(routing: Routing, route: str, step: int | None) -> ReasonNeeded | None:
    """Why choosing ``route`` and ``step`` against ``routing`` must be written down, or None: any
    override; and any choice when risk is high, since the screener chooses between the crisis team and
    the CMHT "and records why" (live-call issue, defect 6; HAZ-013). The one rule for the screen, the
    session and the store."""
    if (route, step) != (routing.route, routing.step):
        return "override"
    if routing.ratings.risk == "high":
        return "high_risk"
    return None


def _config() -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class RouteKey(BaseModel):
    """A route and its step (None outside IAPT): what a recommendation and a choice are compared by."""

    model_config = _config()

    route: OutcomeCode
    step: Step | None = None


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The engine's routing as the session shows it: only once nothing that could still change it is
    missing (see ``ScreeningSession.recommendation``)."""

    routing: Routing

    @property
    def key(self) -> RouteKey:
        return RouteKey(route=self.routing.route, step=self.routing.step)

    @property
    def needs_confirmation(self) -> bool:
        return self.routing.needs_confirmation

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.routing.warnings


class FollowsRecommendation(BaseModel):
    """The person has not chosen: the effective route is the recommendation, unless the ruleset says
    a person must choose (then there is no effective route until they do)."""

    model_config = _config()

    kind: Literal["follows"] = "follows"


class Chosen(BaseModel):
    """The person chose ``route`` (and ``step`` for IAPT; None until they pick one) while
    ``against`` was recommended (None: nothing was recommended yet)."""

    model_config = _config()

    kind: Literal["chosen"] = "chosen"
    route: OutcomeCode
    step: Step | None = None
    against: RouteKey | None

    @property
    def key(self) -> RouteKey:
        return RouteKey(route=self.route, step=self.step)


RouteChoice = Annotated[FollowsRecommendation | Chosen, Field(discriminator="kind")]


class DecisionDraft(BaseModel):
    """The decision while it is being made: the draft's second half."""

    model_config = _config()

    route_choice: RouteChoice = FollowsRecommendation()
    override_reason: str = ""
    outcome_criterion: str = ""  # for an outcome with criteria (not suitable): the one that applied
    return_rationale: str = ""  # why the matrix points again to a service that returned the person before
    acknowledged_warnings: tuple[str, ...] = ()  # the warnings shown when the person ticked "reviewed"
    in_meeting: bool = False


def in_conflict(choice: FollowsRecommendation | Chosen, recommendation: Recommendation | None) -> bool:
    """A choice made against another recommendation than the one shown now (unless the new one is
    what the person chose: then there is nothing to ask)."""
    if not isinstance(choice, Chosen) or recommendation is None:
        return False
    return choice.against != recommendation.key and choice.key != recommendation.key


def effective_route(choice: FollowsRecommendation | Chosen, recommendation: Recommendation | None) -> RouteKey | None:
    """The route and step that confirming would record, or None while there is none yet: nothing
    recommended, a person must choose and has not, or a conflict is unresolved."""
    if recommendation is None or in_conflict(choice, recommendation):
        return None
    if isinstance(choice, Chosen):
        return choice.key
    return None if recommendation.needs_confirmation else recommendation.key


def is_override(choice: FollowsRecommendation | Chosen, recommendation: Recommendation | None) -> bool:
    chosen = effective_route(choice, recommendation)
    return chosen is not None and recommendation is not None and chosen != recommendation.key


def warnings_acknowledged(draft: DecisionDraft, recommendation: Recommendation | None) -> bool:
    """Every warning shown now was among those acknowledged (no warnings: nothing to acknowledge)."""
    shown = set(recommendation.warnings) if recommendation else set()
    return shown <= set(draft.acknowledged_warnings)


def decision_problems(
    draft: DecisionDraft, recommendation: Recommendation | None, criteria: Sequence[str] = ()
) -> list[str]:
    """What stops this decision being confirmed, in words for the screener (never patient data).
    ``criteria``: those of the chosen outcome, one of which must be chosen (none for a matrix route)."""
    if recommendation is None:
        return []  # the screening's own missing answers say why there is nothing to decide yet
    choice = draft.route_choice
    if in_conflict(choice, recommendation):
        return ["Route: the recommendation changed after you chose; keep your choice or follow the new one"]
    chosen = effective_route(choice, recommendation)
    problems = []
    if chosen is None:
        problems.append("Route: choose the route yourself (a person must decide here)")
    elif chosen.route in IAPT_ROUTES and chosen.step is None:
        problems.append("Step: choose step 2 or step 3")
    elif criteria and draft.outcome_criterion not in criteria:
        problems.append("Criterion: choose the criterion that applied")
    elif (needed := reason_needed(recommendation.routing, chosen.route, chosen.step)) and not (
        draft.override_reason.strip()
    ):
        problems.append(REASON_PROBLEMS[needed])
    if not warnings_acknowledged(draft, recommendation):
        problems.append("Warnings: tick that you have reviewed them")
    return problems
