"""The Routing: what the engine recommends for one screening, and why (the output of ``triage route``).

Plain frozen dataclasses rather than pydantic models: the engine builds them from data it has
already validated, thousands of times a second, and ``to_contract`` gives the JSON form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from triage.rules.vocabulary import DestinationCode, Level, RouteCode, VariableId


@dataclass(frozen=True, slots=True)
class RulesetRef:
    id: str
    version: str
    sha256: str
    status: Literal["draft", "active", "retired"]


@dataclass(frozen=True, slots=True)
class Scores:
    phq9: int
    gad7: int


@dataclass(frozen=True, slots=True)
class Ratings:
    """The seven matrix variables, in the matrix's order."""

    severity: Level
    chronicity: Level
    complexity: Level
    impairment: Level
    substance_use: Level
    risk: Level
    previous_unhelpful_interventions: Level


@dataclass(frozen=True, slots=True)
class FiredDestination:
    code: DestinationCode
    label: str
    triggered_by: tuple[VariableId, ...]


@dataclass(frozen=True, slots=True)
class MatchedRules:
    """Which named rules of the ruleset held: kept with a decision so it can be explained and replayed."""

    cells: tuple[str, ...]
    steps: tuple[str, ...]
    confirmation: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Routing:
    ruleset: RulesetRef
    scores: Scores
    ratings: Ratings
    destinations: tuple[FiredDestination, ...]
    route: RouteCode
    step: Literal[2, 3] | None
    needs_confirmation: bool
    warnings: tuple[str, ...]
    reasons: tuple[str, ...]
    matched: MatchedRules

    def to_contract(self) -> dict[str, Any]:
        """The stable JSON object documented in the README (lists, not tuples)."""
        data = asdict(self)
        del data["matched"]
        data["destinations"] = [
            {"code": d.code, "label": d.label, "triggered_by": list(d.triggered_by)} for d in self.destinations
        ]
        data["warnings"] = list(self.warnings)
        data["reasons"] = list(self.reasons)
        return data
