"""The closed vocabularies the rules and the routing contract speak in.

These are part of the public JSON contract of ``triage route``: a ruleset may relabel them but not
invent new ones, because the screening form, the store and the letters depend on them.
"""

from __future__ import annotations

from typing import Literal, get_args

Level = Literal["low", "medium", "high"]
LEVELS: tuple[Level, ...] = get_args(Level)

VariableId = Literal[
    "severity",
    "chronicity",
    "complexity",
    "impairment",
    "substance_use",
    "risk",
    "previous_unhelpful_interventions",
]
VARIABLES: tuple[VariableId, ...] = get_args(VariableId)

# Rated by the screener; the other two are derived from scores and counts.
RatedVariable = Literal["chronicity", "complexity", "impairment", "substance_use", "risk"]
RATED_VARIABLES: tuple[RatedVariable, ...] = get_args(RatedVariable)

DestinationCode = Literal["iapt", "cmht", "substance_misuse", "crisis_team"]
DESTINATIONS: tuple[DestinationCode, ...] = get_args(DestinationCode)

RouteCode = Literal["core_iapt", "integrated_iapt", "cmht", "crisis_team", "substance_misuse"]
ROUTES: tuple[RouteCode, ...] = get_args(RouteCode)

ProblemDescriptor = Literal[
    "depression",
    "gad",
    "panic",
    "agoraphobia",
    "social_anxiety",
    "specific_phobia",
    "ocd",
    "ptsd",
    "health_anxiety",
    "mixed_anxiety_depression",
    "eating_disorder",
    "other",
]
PROBLEM_DESCRIPTORS: tuple[ProblemDescriptor, ...] = get_args(ProblemDescriptor)

Measure = Literal["phq9", "gad7"]
MEASURES: tuple[Measure, ...] = get_args(Measure)
