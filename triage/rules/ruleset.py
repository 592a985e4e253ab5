"""The ruleset: the referral matrix and the service policy around it, as a validated data file.

A ruleset is loaded from YAML, validated by pydantic (unknown keys are errors) and then checked as a
whole: every band partitions its scale, every (variable, level) cell is covered exactly once, and
every one of the 3^7 rating combinations yields exactly one recommended destination. Anything less
fails the load with a message naming the problem: an unreadable ruleset never routes anybody.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from triage.resources import resource_path
from triage.rules import ruleset_checks as checks
from triage.rules.datafile import DataFileError, StrictModel, UnusableDataFile, read_yaml, validation_problems
from triage.rules.outcomes import OutcomeEntry, check_outcomes, outcome_entries
from triage.rules.routing import RulesetRef
from triage.rules.vocabulary import (
    LEVELS,
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
    # Left out (a ruleset written before issue 15): the five matrix routes only.
    outcomes: list[OutcomeEntry] | None = None


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
    # Every outcome a decision may record (the routes, discharges and local services), in order.
    decision_outcomes: tuple[OutcomeEntry, ...] = field(repr=False)
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

    def outcome(self, code: str) -> OutcomeEntry | None:
        """The outcome with this code in this ruleset, or None: a code it does not list."""
        return next((entry for entry in self.decision_outcomes if entry.code == code), None)

    @property
    def outcome_labels(self) -> dict[str, str]:
        return {entry.code: entry.label or entry.code for entry in self.decision_outcomes}

    def score_level(self, measure: Measure, total: int) -> Level:
        return self.score_levels[measure][total]

    def interventions_level(self, count: int) -> Level:
        for level, low, high in self.intervention_bands:
            if count >= low and (high is None or count <= high):
                return level
        raise AssertionError("bands are validated to cover every count")  # pragma: no cover

    def recommended(self, fired: set[DestinationCode]) -> DestinationCode:
        return next(code for code in self.document.precedence if code in fired)


def canonical_sha256(document: RulesetDocument) -> str:
    """The content hash: sha256 of the canonical JSON of the validated document, without its own
    declared hash. Comments, key order and YAML layout do not change it; any content change does."""
    # A ruleset without an outcome list hashes as it did before the list existed, so that decisions
    # made under it still find it (services.decisions.find_ruleset).
    exclude = {"sha256"} | ({"outcomes"} if document.outcomes is None else set())
    content = document.model_dump(mode="json", by_alias=True, exclude=exclude)
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
    problems += checks.check_variables(document)
    score_levels, band_problems = checks.score_levels(document)
    problems += band_problems
    intervention_bands, intervention_problems = checks.intervention_bands(document)
    problems += intervention_problems
    problems += checks.check_destinations(document)
    problems += checks.check_reasons(document)
    problems += check_outcomes(document)
    cell_index = checks.cell_index(document)
    if not problems:
        problems += checks.check_every_combination(document, cell_index)
    if problems:
        raise RulesetError(origin, problems)

    route_labels = checks.route_labels(document)
    return Ruleset(
        document=document,
        sha256=sha256,
        origin=origin,
        cell_destinations={
            key: tuple(checks.ordered(cells[0].destinations, document)) for key, cells in cell_index.items()
        },
        cell_ids={key: cells[0].id for key, cells in cell_index.items()},
        variable_labels={v.id: v.label for v in document.variables},
        destination_labels={d.code: d.label for d in document.destinations},
        route_labels=route_labels,
        decision_outcomes=outcome_entries(document, route_labels),
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
