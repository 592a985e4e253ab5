"""The ruleset: the referral matrix and the service policy around it, as a validated data file.

A ruleset is loaded from YAML, validated by pydantic (unknown keys are errors) and then checked as a
whole: every band partitions its scale, every (variable, level) cell is covered exactly once, and
every one of the 3^7 rating combinations yields exactly one recommended destination. Anything less
fails the load with a message naming the problem: an unreadable ruleset never routes anybody.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import string
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from triage.resources import resource_path
from triage.rules.datafile import DataFileError, StrictModel, UnusableDataFile, read_yaml, validation_problems
from triage.rules.routing import RulesetRef
from triage.rules.vocabulary import (
    DESTINATIONS,
    LEVELS,
    ROUTES,
    VARIABLES,
    DestinationCode,
    Level,
    Measure,
    ProblemDescriptor,
    VariableId,
)

SCHEMA_VERSION = 1
DEFAULT_RULESET = "doncaster-2007.yaml"
RULESET_ENV = "TRIAGE_RULESET"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Status = Literal["draft", "active", "retired"]
# Each band is an inclusive [min, max] range; max None means "or more".
Band = Annotated[
    tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)] | None],
    Field(strict=False),  # YAML gives lists; the items stay strict
]


class RulesetError(UnusableDataFile):
    """A ruleset that must not be used; ``problems`` lists every reason found."""


class Source(StrictModel):
    document: Text
    seed: Text | None = None
    lines: Text | None = None
    heading: Text | None = None
    author: Text | None = None
    dated: Text | None = None
    review: Text | None = None


class Variable(StrictModel):
    id: VariableId
    label: Text
    derived: bool = False
    note: Text | None = None
    source: Text | None = None
    definitions: dict[Level, Text]

    @model_validator(mode="after")
    def _every_level_defined(self) -> Variable:
        missing = [level for level in LEVELS if level not in self.definitions]
        if missing:
            raise ValueError(f"{self.id}: no definition for level {', '.join(missing)}")
        return self


class SeverityRule(StrictModel):
    combine: Literal["highest"]
    measures: dict[Measure, dict[Level, Band]]


class Destination(StrictModel):
    code: DestinationCode
    label: Text
    expanded: Text


class Cell(StrictModel):
    id: Text
    variable: VariableId
    levels: Annotated[list[Level], Field(min_length=1)]
    destinations: Annotated[list[DestinationCode], Field(min_length=1)]
    source: Text | None = None


class Condition(StrictModel):
    """All the given facts must hold. Used by confirmation, step and warning rules alike."""

    ratings: dict[VariableId, list[Level]] | None = None
    problem_descriptor: list[ProblemDescriptor] | None = None
    previous_unhelpful_interventions_min: Annotated[int, Field(ge=0)] | None = None
    phq9_item9_min: Annotated[int, Field(ge=0, le=3)] | None = None
    phq9_item9_recorded: bool | None = None
    # Different services outside IAPT pointed to; a cell naming alternatives counts once.
    non_iapt_destinations_min: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not self.model_dump(exclude_none=True):
            raise ValueError("a condition needs at least one fact to test")
        return self


class TextRule(StrictModel):
    id: Text
    when: Condition
    text: Text
    source: Text | None = None


class StepRule(TextRule):
    step: Literal[2, 3]


class Steps(StrictModel):
    default: Literal[2, 3]
    rules: list[StepRule]
    labels: dict[Literal[2, 3], Text]


class IaptRoute(StrictModel):
    label: Text
    when_any: list[Literal["long_term_condition", "medically_unexplained_symptoms"]] | None = None


class IaptRoutes(StrictModel):
    core: IaptRoute
    integrated: IaptRoute


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


class RulesetDocument(StrictModel):
    """The schema of a ruleset file."""

    schema_: Literal[1] = Field(alias="schema")
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    status: Status
    title: Text
    effective_from: dt.date = Field(strict=False)
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    source: Source
    abbreviations: dict[str, Text]
    levels: dict[Level, Text]
    variables: list[Variable]
    severity: SeverityRule
    previous_unhelpful_interventions: dict[Level, Band]
    destinations: list[Destination]
    cells: list[Cell]
    precedence: list[DestinationCode]
    confirmation: list[TextRule]
    iapt_routes: IaptRoutes
    steps: Steps
    reasons: dict[str, Text]
    warnings: list[TextRule]


@dataclass(frozen=True)
class Ruleset:
    """A validated ruleset with the lookup tables the engine needs precomputed."""

    document: RulesetDocument
    sha256: str
    origin: str
    cell_destinations: dict[tuple[VariableId, Level], tuple[DestinationCode, ...]] = field(repr=False)
    cell_ids: dict[tuple[VariableId, Level], str] = field(repr=False)
    variable_labels: dict[VariableId, str] = field(repr=False)
    destination_labels: dict[DestinationCode, str] = field(repr=False)
    # Every RouteCode by name, in ROUTES order: the IAPT routes by their own label, the others by their
    # destination's. Keyed by str, as the store and services hand routes on.
    route_labels: dict[str, str] = field(repr=False)
    level_words: dict[Level, str] = field(repr=False)
    precedence_text: str = field(repr=False)
    score_levels: dict[Measure, tuple[Level, ...]] = field(repr=False)
    intervention_bands: tuple[tuple[Level, int, int | None], ...] = field(repr=False)
    # Filled by the engine: the routing outcome of each of the 2,187 rating combinations, once met.
    outcomes: dict[tuple[Level, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ref(self) -> RulesetRef:
        return RulesetRef(self.document.id, self.document.version, self.sha256, self.document.status)

    @property
    def id(self) -> str:
        return self.document.id

    @property
    def version(self) -> str:
        return self.document.version

    @property
    def status(self) -> Status:
        return self.document.status

    @property
    def is_draft(self) -> bool:
        return self.document.status == "draft"

    def variable(self, variable_id: VariableId) -> Variable:
        return next(v for v in self.document.variables if v.id == variable_id)

    def destination(self, code: DestinationCode) -> Destination:
        return next(d for d in self.document.destinations if d.code == code)

    def score_level(self, measure: Measure, total: int) -> Level:
        return self.score_levels[measure][total]

    def interventions_level(self, count: int) -> Level:
        for level, low, high in self.intervention_bands:
            if count >= low and (high is None or count <= high):
                return level
        raise AssertionError("bands are validated to cover every count")  # pragma: no cover

    def recommended(self, fired: set[DestinationCode]) -> DestinationCode:
        return next(code for code in self.document.precedence if code in fired)


SCALE_MAX: dict[Measure, int] = {"phq9": 27, "gad7": 21}


def canonical_sha256(document: RulesetDocument) -> str:
    """The content hash: sha256 of the canonical JSON of the validated document, without its own
    declared hash. Comments, key order and YAML layout do not change it; any content change does."""
    content = document.model_dump(mode="json", by_alias=True, exclude={"sha256"})
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_ruleset(path: Path | str, *, allow_retired: bool = False) -> Ruleset:
    """Load and fully check a ruleset file. ``allow_retired`` is only for replaying old decisions."""
    path = Path(path)
    try:
        raw = read_yaml(path)
    except DataFileError as exc:
        raise RulesetError(str(path), [str(exc)]) from None
    return build_ruleset(raw, origin=str(path), allow_retired=allow_retired)


def build_ruleset(raw: object, *, origin: str = "<ruleset>", allow_retired: bool = False) -> Ruleset:
    if not isinstance(raw, dict):
        raise RulesetError(origin, ["the file must hold one mapping of ruleset fields"])
    try:
        document = RulesetDocument.model_validate(raw)
    except ValidationError as exc:
        raise RulesetError(origin, validation_problems(exc)) from None

    problems: list[str] = []
    sha256 = canonical_sha256(document)
    if document.sha256 is not None and document.sha256 != sha256:
        problems.append(
            f"sha256: the declared hash {document.sha256} does not match the content ({sha256}); "
            "the file was changed without review -- check it, then update sha256 and the version"
        )
    if document.status == "retired" and not allow_retired:
        problems.append(f"status: ruleset {document.id} {document.version} is retired and cannot route new screenings")
    problems += _check_variables(document)
    score_levels, band_problems = _score_levels(document)
    problems += band_problems
    intervention_bands, intervention_problems = _intervention_bands(document)
    problems += intervention_problems
    problems += _check_destinations(document)
    problems += _check_reasons(document)
    cell_index = _cell_index(document)
    if not problems:
        problems += _check_every_combination(document, cell_index)
    if problems:
        raise RulesetError(origin, problems)

    return Ruleset(
        document=document,
        sha256=sha256,
        origin=origin,
        cell_destinations={key: tuple(_ordered(cells[0].destinations, document)) for key, cells in cell_index.items()},
        cell_ids={key: cells[0].id for key, cells in cell_index.items()},
        variable_labels={v.id: v.label for v in document.variables},
        destination_labels={d.code: d.label for d in document.destinations},
        route_labels=_route_labels(document),
        level_words={level: name.lower() for level, name in document.levels.items()},
        precedence_text=" > ".join(
            next(d.label for d in document.destinations if d.code == c) for c in document.precedence
        ),
        score_levels=score_levels,
        intervention_bands=intervention_bands,
    )


def default_ruleset_path() -> Path:
    """The ruleset in force: ``TRIAGE_RULESET`` when a service points at its own file, else the shipped one."""
    configured = os.environ.get(RULESET_ENV)
    return Path(configured) if configured else resource_path("rules", DEFAULT_RULESET)


@lru_cache(maxsize=8)
def _cached_load(path: str, mtime_ns: int) -> Ruleset:
    return load_ruleset(path)


def default_ruleset() -> Ruleset:
    path = default_ruleset_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise RulesetError(str(path), ["the ruleset file does not exist or cannot be read"]) from None
    return _cached_load(str(path), mtime)


def _check_variables(document: RulesetDocument) -> list[str]:
    ids = [v.id for v in document.variables]
    problems = [f"variables: {name} is listed more than once" for name in sorted({i for i in ids if ids.count(i) > 1})]
    missing = [name for name in VARIABLES if name not in ids]
    if missing:
        problems.append(f"variables: the matrix variable(s) {', '.join(missing)} are missing")
    return problems


def _check_partition(where: str, bands: dict[Level, Band], top: int | None) -> list[str]:
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


def _score_levels(document: RulesetDocument) -> tuple[dict[Measure, tuple[Level, ...]], list[str]]:
    problems: list[str] = []
    levels: dict[Measure, tuple[Level, ...]] = {}
    for measure, top in SCALE_MAX.items():
        bands = document.severity.measures.get(measure)
        where = f"severity.measures.{measure}"
        if bands is None:
            problems.append(f"{where}: missing")
            continue
        found = _check_partition(where, bands, top)
        problems += found
        if not found:
            levels[measure] = tuple(
                next(level for level in LEVELS if bands[level][0] <= total <= (bands[level][1] or total))
                for total in range(top + 1)
            )
    return levels, problems


def _intervention_bands(document: RulesetDocument) -> tuple[tuple[tuple[Level, int, int | None], ...], list[str]]:
    bands = document.previous_unhelpful_interventions
    problems = _check_partition("previous_unhelpful_interventions", bands, None)
    if problems:
        return (), problems
    return tuple((level, bands[level][0], bands[level][1]) for level in LEVELS), []


def _check_destinations(document: RulesetDocument) -> list[str]:
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


def _route_labels(document: RulesetDocument) -> dict[str, str]:
    """Called once every destination is known to be defined (``_check_destinations``)."""
    labels: dict[str, str] = {
        "core_iapt": document.iapt_routes.core.label,
        "integrated_iapt": document.iapt_routes.integrated.label,
    }
    destinations: dict[str, str] = {d.code: d.label for d in document.destinations}
    for route in ROUTES:
        if route not in labels:
            labels[route] = destinations[route]  # the other routes are destination codes
    return labels


def _check_reasons(document: RulesetDocument) -> list[str]:
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


def _cell_index(document: RulesetDocument) -> dict[tuple[VariableId, Level], list[Cell]]:
    index: dict[tuple[VariableId, Level], list[Cell]] = defaultdict(list)
    for cell in document.cells:
        for level in cell.levels:
            index[(cell.variable, level)].append(cell)
    return index


def _ordered(codes: list[DestinationCode], document: RulesetDocument) -> list[DestinationCode]:
    return sorted(set(codes), key=document.precedence.index)


def _check_every_combination(document: RulesetDocument, index: dict[tuple[VariableId, Level], list[Cell]]) -> list[str]:
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
