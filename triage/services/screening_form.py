"""The screening form's state while a screening is in progress: every answer, any of them still
missing. It is the draft's payload, what the live panel is computed from, and what becomes a
validated ScreeningInput when complete. Plain Python: the Qt form only shows and edits it.

Nothing missing is ever guessed: an unanswered item is not 0, an unrated variable is not low, and no
recommendation is shown until every answer the matrix needs is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.fields import has_words
from triage.rules.engine import fire, route
from triage.rules.questionnaires import questionnaire, score
from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset
from triage.rules.screening import Screening as RoutingScreening
from triage.rules.vocabulary import (
    LEVELS,
    RATED_VARIABLES,
    DestinationCode,
    Level,
    ProblemDescriptor,
    RatedVariable,
    VariableId,
)
from triage.services.inputs import ConditionLists as ConditionLists  # re-exported: the form offers these
from triage.services.inputs import InvalidInput, PreviousIntervention, ScreeningInput, input_problems
from triage.services.inputs import condition_lists as condition_lists
from triage.store.vocabulary import InterventionOutcome, InterventionStep

Answer = Annotated[int, Field(ge=0, le=8)] | None

# The form's sections in the matrix's order; the draft remembers where the screener was.
SECTIONS = ("details", "severity", "ratings", "risk", "history", "conditions", "summary")
# The form's fields that are not answers: where the screener was. Every other field becomes a field of
# ScreeningInput in to_input (``ratings`` becomes the five rated variables); a test holds this.
FORM_ONLY_FIELDS = frozenset({"section"})


class InterventionRow(BaseModel):
    """A previous intervention as typed: either field may still be empty."""

    model_config = ConfigDict(extra="ignore")

    intervention: str = ""
    outcome: InterventionOutcome | None = None
    step: InterventionStep | None = None  # where and at which step; optional (older drafts have none)
    year: str = ""  # as typed; checked as a year (PreviousIntervention) when the screening is completed

    @classmethod
    def of(cls, item: PreviousIntervention) -> InterventionRow:
        return cls(intervention=item.intervention, outcome=item.outcome, step=item.step,
                   year="" if item.year is None else str(item.year))  # fmt: skip


def _unanswered(items: int) -> list[int | None]:
    return [None] * items


class ScreeningForm(BaseModel):
    """The draft. Lenient on load (a draft from an older version still opens), strict on completion."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True, hide_input_in_errors=True)

    section: str = "details"
    phq9: list[Answer] = Field(default_factory=lambda: _unanswered(9), min_length=9, max_length=9)
    gad7: list[Answer] = Field(default_factory=lambda: _unanswered(7), min_length=7, max_length=7)
    wsas: list[Answer] | None = None
    ratings: dict[RatedVariable, Level] = Field(default_factory=dict)
    rating_notes: dict[VariableId, str] = Field(default_factory=dict)
    risk_details: dict[str, Any] = Field(default_factory=dict)
    long_term_conditions: list[str] = Field(default_factory=list)
    medically_unexplained_symptoms: bool = False
    mus_kinds: list[str] = Field(default_factory=list)
    problem_descriptor: ProblemDescriptor | None = None
    previous_interventions: list[InterventionRow] = Field(default_factory=list)
    secondary_descriptors: list[ProblemDescriptor] = Field(default_factory=list)
    discuss_in_supervision: bool = False
    assessment: dict[str, Any] = Field(default_factory=dict)

    def missing(self) -> list[str]:
        """What the matrix still needs, in the form's order, in words a screener would use."""
        needed = []
        for name, answers in (("PHQ-9", self.phq9), ("GAD-7", self.gad7)):
            items = [str(n) for n, value in enumerate(answers, 1) if value is None]
            if items:
                needed.append(f"{name} item{'s' if len(items) > 1 else ''} {', '.join(items)}")
        needed += [
            variable.replace("_", " ").capitalize() for variable in RATED_VARIABLES if variable not in self.ratings
        ]
        for row_number, row in enumerate(self.previous_interventions, 1):
            if not row.intervention.strip() or row.outcome is None:
                needed.append(f"previous intervention {row_number}: what it was and its outcome")
        return needed

    def previous_unhelpful_interventions(self) -> int:
        # Every unhelpful row, whatever its step: as ScreeningInput counts them (the matrix's variable).
        return sum(1 for row in self.previous_interventions if row.outcome == "unhelpful")

    def to_routing(self) -> RoutingScreening:
        """The routing engine's input, from the matrix answers alone: the recommendation shows as
        soon as those are in, before what completing the record also needs (e.g. the high-risk
        action) is recorded."""
        if self.missing():
            raise InvalidInput([f"not yet recorded: {item}" for item in self.missing()])
        return RoutingScreening(
            phq9=list(self.phq9),  # type: ignore[arg-type]
            gad7=list(self.gad7),  # type: ignore[arg-type]
            previous_unhelpful_interventions=self.previous_unhelpful_interventions(),
            long_term_conditions=tuple(c for c in self.long_term_conditions if c.strip()),
            medically_unexplained_symptoms=self.medically_unexplained_symptoms,
            problem_descriptor=self.problem_descriptor,
            **self.ratings,
        )

    def to_input(self) -> ScreeningInput:
        """The completed screening, validated; ``InvalidInput`` lists what is missing or wrong."""
        if self.missing():
            raise InvalidInput([f"not yet recorded: {item}" for item in self.missing()])
        data: dict[str, Any] = {
            "phq9": tuple(self.phq9),
            "gad7": tuple(self.gad7),
            "wsas": tuple(self.wsas) if self.wsas and all(v is not None for v in self.wsas) else None,
            **{str(variable): level for variable, level in self.ratings.items()},
            "rating_notes": {k: v for k, v in self.rating_notes.items() if v.strip()},
            "risk_details": self.risk_details,
            "long_term_conditions": tuple(self.long_term_conditions),
            "medically_unexplained_symptoms": self.medically_unexplained_symptoms,
            "mus_kinds": tuple(self.mus_kinds),
            "problem_descriptor": self.problem_descriptor,
            "previous_interventions": tuple(
                {"intervention": row.intervention, "outcome": row.outcome, "step": row.step, "year": row.year}
                for row in self.previous_interventions
            ),
            "secondary_descriptors": tuple(self.secondary_descriptors),
            "discuss_in_supervision": self.discuss_in_supervision,
            "assessment": self.assessment,
        }
        try:
            return ScreeningInput.model_validate(data)
        except ValidationError as exc:
            raise InvalidInput(input_problems(exc)) from None

    @classmethod
    def from_input(cls, screening: ScreeningInput, *, section: str = "summary") -> ScreeningForm:
        """The form showing a completed screening (one read back from the store): the inverse of
        ``to_input``, so that nothing recorded is lost between the form and the record."""
        return cls(
            section=section,
            phq9=list(screening.phq9),
            gad7=list(screening.gad7),
            wsas=list(screening.wsas) if screening.wsas is not None else None,
            ratings={variable: getattr(screening, variable) for variable in RATED_VARIABLES},
            rating_notes=dict(screening.rating_notes),
            risk_details=screening.risk_details.model_dump(mode="json"),
            long_term_conditions=list(screening.long_term_conditions),
            medically_unexplained_symptoms=screening.medically_unexplained_symptoms,
            mus_kinds=list(screening.mus_kinds),
            problem_descriptor=screening.problem_descriptor,
            previous_interventions=[InterventionRow.of(item) for item in screening.previous_interventions],
            secondary_descriptors=list(screening.secondary_descriptors),
            discuss_in_supervision=screening.discuss_in_supervision,
            assessment=screening.assessment.model_dump(mode="json"),
        )  # fmt: skip


@dataclass(frozen=True)
class ScoreView:
    name: str
    answered: int
    items: int
    total: int  # of the answered items
    complete: bool
    matrix_level: Level | None  # the ruleset's band, when complete
    standard_band: str | None  # the questionnaire's own band, when complete
    flags: tuple[str, ...]


@dataclass(frozen=True)
class LiveView:
    """What the side panel shows at any moment of a screening."""

    phq9: ScoreView
    gad7: ScoreView
    ratings: dict[VariableId, Level | None]
    indicated: dict[DestinationCode, list[VariableId]]  # from the ratings made so far
    routing: Routing | None  # only when nothing the matrix needs is missing
    missing: list[str]
    problems: list[str]  # what still blocks completing the record (e.g. the high-risk action)
    risk_contact: str | None  # who was contacted about high risk, once recorded in words (not ".")


def _score_view(name: str, measure: str, answers: list[int | None], ruleset: Ruleset) -> ScoreView:
    given = [value for value in answers if value is not None]
    complete = len(given) == len(answers)
    if complete:
        result = score(questionnaire(measure), given)
        return ScoreView(
            name,
            len(given),
            len(answers),
            result.total,
            True,
            ruleset.score_level(measure, result.total),  # type: ignore[arg-type]
            result.band,
            result.flags,
        )
    flags = ("Item 9 answered above 0",) if measure == "phq9" and (answers[8] or 0) > 0 else ()
    return ScoreView(name, len(given), len(answers), sum(given), False, None, None, flags)


def live_view(form: ScreeningForm, ruleset: Ruleset) -> LiveView:
    phq9 = _score_view("PHQ-9", "phq9", form.phq9, ruleset)
    gad7 = _score_view("GAD-7", "gad7", form.gad7, ruleset)
    severity = None
    if phq9.matrix_level and gad7.matrix_level:
        severity = max(phq9.matrix_level, gad7.matrix_level, key=LEVELS.index)
    ratings: dict[VariableId, Level | None] = {"severity": severity}
    ratings.update({variable: form.ratings.get(variable) for variable in RATED_VARIABLES})
    ratings["previous_unhelpful_interventions"] = ruleset.interventions_level(form.previous_unhelpful_interventions())
    known = {variable: level for variable, level in ratings.items() if level is not None}
    indicated = fire(known, ruleset)
    missing = form.missing()
    routing, problems = None, []
    if not missing:
        routing = route(form.to_routing(), ruleset)
        try:
            form.to_input()
        except InvalidInput as exc:
            problems = exc.problems
    typed = str(form.risk_details.get("contacted") or "").strip()
    contacted = typed if has_words(typed) else None  # "." is not an action recorded (defect 5)
    return LiveView(phq9, gad7, ratings, indicated, routing, missing, problems, contacted)
