"""The whole-ruleset checks a loaded file must pass before it may route anybody, and the lookup tables
built from a checked document: bands that partition their scales, destinations and precedence that
agree, reasons with known placeholders, and every one of the 3^7 rating combinations giving exactly
one recommendation. Each check returns its problems as messages naming the field; ``build_ruleset``
in ``triage.rules.ruleset`` gathers them and refuses the file if there are any.
"""

from __future__ import annotations

import itertools
import string
from collections import defaultdict
from typing import TYPE_CHECKING

from triage.rules.vocabulary import DESTINATIONS, LEVELS, ROUTES, VARIABLES, DestinationCode, Level, Measure, VariableId

if TYPE_CHECKING:  # the schema lives in ruleset.py, which imports this module to run the checks
    from triage.rules.ruleset import Band, Cell, RulesetDocument

# The top of each severity measure's scale, which its bands must reach.
SCALE_MAX: dict[Measure, int] = {"phq9": 27, "gad7": 21}

# The placeholders each reason sentence may use; checked at load so a typo fails there, not mid-call.
REASON_FIELDS: dict[str, set[str]] = {
    "severity": {"level", "phq9", "phq9_level", "gad7", "gad7_level"},
    "previous_unhelpful_interventions": {"level", "count"},
    "destination": {"destination", "variables"},
    "route": {"route", "order"},
    "iapt_route": {"route", "why"},
    "integrated_why": set(),
    "core_why": set(),
    "step": {"step", "why"},
    "step_default": {"step"},
    "confirmation": {"why"},
}


def check_variables(document: RulesetDocument) -> list[str]:
    ids = [v.id for v in document.variables]
    problems = [f"variables: {name} is listed more than once" for name in sorted({i for i in ids if ids.count(i) > 1})]
    missing = [name for name in VARIABLES if name not in ids]
    if missing:
        problems.append(f"variables: the matrix variable(s) {', '.join(missing)} are missing")
    return problems


def check_partition(where: str, bands: dict[Level, Band], top: int | None) -> list[str]:
    """Bands must run low, medium, high, start at 0, touch without gaps or overlaps, and end at ``top``."""
    missing = [level for level in LEVELS if level not in bands]
    if missing:
        return [f"{where}: no band for {', '.join(missing)}"]
    problems = []
    expected_start = 0
    for level in LEVELS:
        low, high = bands[level]
        if low != expected_start:
            kind = "overlaps the band before it" if low < expected_start else "leaves a gap before it"
            problems.append(f"{where}.{level}: starts at {low}, which {kind} (expected {expected_start})")
        if high is None:
            if level != "high":
                problems.append(f"{where}.{level}: only the high band may be open-ended")
                return problems
            if top is not None:
                problems.append(f"{where}.high: must end at {top}, the top of the scale")
            return problems
        if high < low:
            problems.append(f"{where}.{level}: ends at {high}, before it starts at {low}")
        expected_start = high + 1
    if top is not None and expected_start - 1 != top:
        problems.append(f"{where}.high: ends at {expected_start - 1}, but the scale ends at {top}")
    if top is None:
        problems.append(f"{where}.high: must be open-ended ([min, null]) so every count has a band")
    return problems


def score_levels(document: RulesetDocument) -> tuple[dict[Measure, tuple[Level, ...]], list[str]]:
    problems: list[str] = []
    levels: dict[Measure, tuple[Level, ...]] = {}
    for measure, top in SCALE_MAX.items():
        bands = document.severity.measures.get(measure)
        where = f"severity.measures.{measure}"
        if bands is None:
            problems.append(f"{where}: missing")
            continue
        found = check_partition(where, bands, top)
        problems += found
        if not found:
            levels[measure] = tuple(
                next(level for level in LEVELS if bands[level][0] <= total <= (bands[level][1] or total))
                for total in range(top + 1)
            )
    return levels, problems


def intervention_bands(document: RulesetDocument) -> tuple[tuple[tuple[Level, int, int | None], ...], list[str]]:
    bands = document.previous_unhelpful_interventions
    problems = check_partition("previous_unhelpful_interventions", bands, None)
    if problems:
        return (), problems
    return tuple((level, bands[level][0], bands[level][1]) for level in LEVELS), []


def check_destinations(document: RulesetDocument) -> list[str]:
    problems = []
    codes = [d.code for d in document.destinations]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"destinations: {code} is defined more than once")
    # Every destination, used by a cell or not: each is also a route a decision may name, and the
    # screens name routes by the ruleset's labels (Ruleset.route_labels), with no fallback.
    for code in DESTINATIONS:
        if code not in codes:
            problems.append(f"destinations: {code} must be defined")
    for index, cell in enumerate(document.cells):
        for code in cell.destinations:
            if code not in codes:
                problems.append(f"cells[{index}] ({cell.id}): destination {code} is not defined under destinations")
    order = document.precedence
    for code in sorted({c for c in order if order.count(c) > 1}):
        problems.append(f"precedence: {code} is listed more than once")
    for code in codes:
        if code not in order:
            problems.append(f"precedence: {code} is missing, so combinations firing it have no single outcome")
    for code in order:
        if code not in codes:
            problems.append(f"precedence: {code} is not defined under destinations")
    return problems


def route_labels(document: RulesetDocument) -> dict[str, str]:
    """Called once every destination is known to be defined (``check_destinations``)."""
    labels: dict[str, str] = {
        "core_iapt": document.iapt_routes.core.label,
        "integrated_iapt": document.iapt_routes.integrated.label,
    }
    destinations: dict[str, str] = {d.code: d.label for d in document.destinations}
    for route in ROUTES:
        if route not in labels:
            labels[route] = destinations[route]  # the other routes are destination codes
    return labels


def check_reasons(document: RulesetDocument) -> list[str]:
    problems = []
    for key in sorted(set(REASON_FIELDS) - set(document.reasons)):
        problems.append(f"reasons.{key}: missing")
    for key, text in document.reasons.items():
        if key not in REASON_FIELDS:
            problems.append(f"reasons.{key}: unknown key")
            continue
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            problems.append(f"reasons.{key}: {exc}")
            continue
        for name in sorted(used - REASON_FIELDS[key]):
            allowed = ", ".join(sorted(REASON_FIELDS[key])) or "none"
            problems.append(f"reasons.{key}: unknown placeholder {{{name}}} (allowed: {allowed})")
    return problems


def cell_index(document: RulesetDocument) -> dict[tuple[VariableId, Level], list[Cell]]:
    index: dict[tuple[VariableId, Level], list[Cell]] = defaultdict(list)
    for cell in document.cells:
        for level in cell.levels:
            index[(cell.variable, level)].append(cell)
    return index


def ordered(codes: list[DestinationCode], document: RulesetDocument) -> list[DestinationCode]:
    return sorted(set(codes), key=document.precedence.index)


def check_every_combination(document: RulesetDocument, index: dict[tuple[VariableId, Level], list[Cell]]) -> list[str]:
    """Enumerate all 3^7 rating combinations; each must find exactly one cell per variable and so
    exactly one recommended destination. Problems are grouped per cell with a first example."""
    failures: dict[str, tuple[int, tuple[Level, ...]]] = {}
    for combination in itertools.product(LEVELS, repeat=len(VARIABLES)):
        fired: set[DestinationCode] = set()
        for variable, level in zip(VARIABLES, combination, strict=True):
            cells = index.get((variable, level), [])
            if len(cells) != 1:
                if cells:
                    names = " and ".join(c.id for c in cells)
                    key = f"cells: {variable}={level} is covered by more than one cell ({names}), so the outcome conflicts"
                else:
                    key = f"cells: no cell gives a destination for {variable}={level}, so the outcome is uncovered"
                count, first = failures.get(key, (0, combination))
                failures[key] = (count + 1, first)
                continue
            fired.update(cells[0].destinations)
        recommended = [code for code in document.precedence if code in fired]
        if not recommended and not any(
            len(index.get((v, lvl), [])) != 1 for v, lvl in zip(VARIABLES, combination, strict=True)
        ):
            key = "precedence: some combinations fire no destination"
            count, first = failures.get(key, (0, combination))
            failures[key] = (count + 1, first)
    problems = []
    for message, (count, first) in failures.items():
        example = ", ".join(f"{v}={lvl}" for v, lvl in zip(VARIABLES, first, strict=True))
        problems.append(f"{message}: {count} of {3 ** len(VARIABLES)} combinations, e.g. ({example})")
    return problems
