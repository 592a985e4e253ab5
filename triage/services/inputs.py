"""What the services accept, validated by pydantic before anything is written.

Every model hides its input in errors (``hide_input_in_errors``), keeps identifying fields out of
its ``repr``, and raises messages that name the field and the rule, never the value: an NHS number
or a name must not reach a log, a traceback or a screen through an error.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from triage.fields import (
    check_nhs_number,
    has_words,
    no_control_characters,
    no_control_characters_but_line_breaks,
    normalise_nhs_number,
    normalise_postcode,
    parse_iso_date,
)
from triage.rules.conditions import ConditionLists as ConditionLists
from triage.rules.conditions import shipped_condition_lists
from triage.rules.outcomes import CRITERION_CODE, OUTCOME_CODE
from triage.rules.screening import Screening as RoutingScreening
from triage.rules.vocabulary import Level, ProblemDescriptor, VariableId
from triage.services.assessment import ASSESSMENT_MODELS, Assessment, ProtectiveLevel
from triage.store.vocabulary import InterventionOutcome, InterventionStep, ReferralSource, ReturnedFrom

MAX_AGE_YEARS = 120
# Validation context for reading a stored screening back: it was checked against the rules of the day
# it was saved, and a rule added since must not make an old record unreadable (or its letter unbuildable).
AS_STORED: dict[str, bool] = {"as_stored": True}
M = TypeVar("M", bound=BaseModel)
_ODS_PRACTICE = re.compile(r"^[A-Z][0-9]{5}$")


def _strict_config() -> ConfigDict:
    return ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True, frozen=True)


strict_config = _strict_config  # for the services' own input models (corrections.py)


# --- field types ---------------------------------------------------------------------------------


def not_in_future(value: date) -> date:
    if value > date.today():
        raise ValueError("must not be in the future")
    return value


def blank_to_none(value: Any) -> Any:
    """An empty CSV cell means "not given"."""
    return None if isinstance(value, str) and not value.strip() else value


def normalise_phone(value: Any) -> Any:
    # A line separator is whitespace to \s: refused before the spacing is removed, not removed with it.
    return re.sub(r"[\s\-().]", "", no_control_characters(value.strip())) if isinstance(value, str) else value


def check_phone(value: str) -> str:
    if not re.fullmatch(r"\+?[0-9]{10,15}", value):
        raise ValueError("must be a telephone number of 10 to 15 digits")
    return value


def normalise_practice_code(value: Any) -> Any:
    return no_control_characters(value.strip()).upper() if isinstance(value, str) else value


def check_practice_code(value: str) -> str:
    if not _ODS_PRACTICE.fullmatch(value):
        raise ValueError("must be a GP practice code: a letter and five digits")
    return value


NhsNumber = Annotated[str, BeforeValidator(normalise_nhs_number), AfterValidator(check_nhs_number)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(no_control_characters)
]
PastDate = Annotated[date, BeforeValidator(parse_iso_date), AfterValidator(not_in_future)]
Phone = Annotated[str, BeforeValidator(normalise_phone), AfterValidator(check_phone)]
Postcode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10), AfterValidator(normalise_postcode)]
PracticeCode = Annotated[str, BeforeValidator(normalise_practice_code), AfterValidator(check_practice_code)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), AfterValidator(no_control_characters)
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
AddressLine = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(no_control_characters)
]
# A service reference as another store gave it (PRE-000123): three capital letters, a dash, digits.
Reference = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{3}-[0-9]{6,9}$")]
Optional = BeforeValidator(blank_to_none)


# --- referrals -----------------------------------------------------------------------------------


class ReferralInput(BaseModel):
    """A new referral, as typed or imported (the import's CSV/JSON fields)."""

    model_config = _strict_config()

    nhs_number: NhsNumber = Field(repr=False)
    given_name: Name = Field(repr=False)
    family_name: Name = Field(repr=False)
    date_of_birth: PastDate = Field(repr=False)
    received_on: PastDate
    source: ReferralSource
    gp_practice_code: Annotated[PracticeCode | None, Optional] = None
    phone: Annotated[Phone | None, Optional] = Field(default=None, repr=False)
    postcode: Annotated[Postcode | None, Optional] = Field(default=None, repr=False)
    interpreter_language: Annotated[ShortText | None, Optional] = None
    notes: Annotated[Note | None, Optional] = Field(default=None, repr=False)
    returned_from: Annotated[ReturnedFrom | None, Optional] = None
    # The postal address (with ``postcode`` as its last line), for the patient copy (issue 14, item 5).
    address_line1: Annotated[AddressLine | None, Optional] = Field(default=None, repr=False)
    address_line2: Annotated[AddressLine | None, Optional] = Field(default=None, repr=False)
    address_line3: Annotated[AddressLine | None, Optional] = Field(default=None, repr=False)
    # Who the GP letter goes to: the referring GP, or the practice by an explicit choice (item 4).
    referring_gp: Annotated[Name | None, Optional] = None
    letter_to_practice: Annotated[bool, BeforeValidator(lambda v: False if blank_to_none(v) is None else v)] = False
    # Given only by an import from another store, which issued it; a new referral gets this store's.
    reference: Annotated[Reference | None, Optional] = None

    @model_validator(mode="after")
    def _dates_agree(self) -> ReferralInput:
        problems = address_problems((self.address_line1, self.address_line2, self.address_line3), self.postcode)
        if problems:
            raise ValueError(problems[0])
        if self.referring_gp and self.letter_to_practice:
            raise ValueError("letter_to_practice: only when no referring GP is named")
        if self.date_of_birth > self.received_on:
            raise ValueError("date_of_birth: must be before the referral was received")
        if self.received_on.year - self.date_of_birth.year > MAX_AGE_YEARS:
            raise ValueError(f"date_of_birth: gives an age over {MAX_AGE_YEARS} years")
        return self


class ReferralUpdate(BaseModel):
    """Changes to a referral's contact details, postal address and referring GP; only the fields given
    are changed (None clears one). The address is checked as a whole once merged with what is stored
    (``update_referral``): a first line and a UK postcode whenever it has any line."""

    model_config = _strict_config()

    phone: Annotated[Phone | None, Optional] = Field(default=None, repr=False)
    postcode: Annotated[Postcode | None, Optional] = Field(default=None, repr=False)
    interpreter_language: Annotated[ShortText | None, Optional] = None
    gp_practice_code: Annotated[PracticeCode | None, Optional] = None
    notes: Annotated[Note | None, Optional] = Field(default=None, repr=False)
    returned_from: Annotated[ReturnedFrom | None, Optional] = None
    address_line1: Annotated[AddressLine | None, Optional] = Field(default=None, repr=False)
    address_line2: Annotated[AddressLine | None, Optional] = Field(default=None, repr=False)
    address_line3: Annotated[AddressLine | None, Optional] = Field(default=None, repr=False)
    referring_gp: Annotated[Name | None, Optional] = None


def address_problems(lines: tuple[str | None, str | None, str | None], postcode: str | None) -> list[str]:
    """What is wrong with a postal address as a whole (the same rules for a new referral and an edit)."""
    problems = []
    if any(lines) and not lines[0]:
        problems.append("address_line1: required when the address has other lines (house and street)")
    if any(lines) and postcode is None:
        problems.append("postcode: required with a postal address (a UK postcode such as DN1 2AA)")
    return problems


class GpPracticeInput(BaseModel):
    model_config = _strict_config()

    code: PracticeCode
    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
        AfterValidator(no_control_characters),
    ]
    address: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=1000),
        AfterValidator(no_control_characters_but_line_breaks),
    ] = ""
    gp_names: tuple[Name, ...] = ()


# --- screenings ----------------------------------------------------------------------------------


def condition_lists() -> ConditionLists:
    """The shipped lists (resources/conditions.yaml); the form offers the service's own, which start
    as these (``ServiceSettings.long_term_conditions``, ``medically_unexplained_symptoms``)."""
    return shipped_condition_lists()


def check_mus_kind(value: str, info: ValidationInfo) -> str:
    """A kind of MUS must be one the form offered: the service's list, given as the validation context
    ``{"mus_kinds": (...)}`` by the screening session; the shipped list without one. A stored kind
    stays readable after a service edits its list (AS_STORED)."""
    if info.context and info.context.get("as_stored"):
        return value
    offered = (info.context or {}).get("mus_kinds") or condition_lists().medically_unexplained_symptoms
    if value not in offered:
        raise ValueError("must be one of the kinds of medically unexplained symptoms on the service's list (Settings)")
    return value


Item03 = Annotated[int, Field(ge=0, le=3, strict=True)]
Item08 = Annotated[int, Field(ge=0, le=8, strict=True)]


class RiskItem(BaseModel):
    model_config = _strict_config()

    present: Literal["yes", "no", "not_asked"] = "not_asked"
    detail: Note = ""


class RiskDetails(BaseModel):
    """Structured risk information, as the screener recorded it."""

    model_config = _strict_config()

    thoughts: RiskItem = RiskItem()
    intent: RiskItem = RiskItem()
    plan: RiskItem = RiskItem()
    history: RiskItem = RiskItem()
    protective_factors: Note = ""
    # Protective factors as a rating beside the text (requirements.md 9 D.27); None: not rated.
    protective_level: ProtectiveLevel | None = None
    # For high risk: who was contacted (duty manager, supervisor, crisis team) and when, and what was
    # agreed; all three required (ScreeningInput), the two texts with words in them, not punctuation.
    contacted: Note = ""
    contacted_at: datetime | None = None
    actions_taken: Note = ""

    def high_risk_problems(self) -> list[str]:
        """What a high-risk record still lacks, one ``field: rule`` line each (never the value)."""
        problems = []
        if not has_words(self.contacted):
            problems.append("risk_details.contacted: required as risk is high: who was contacted, a name or role "
                            "in words (such as duty manager J. Smith), not punctuation alone")  # fmt: skip
        if self.contacted_at is None:
            problems.append(
                "risk_details.contacted_at: required as risk is high: the date and time they were contacted"
            )
        if not has_words(self.actions_taken):
            problems.append("risk_details.actions_taken: required as risk is high: what was agreed, in words "
                            "(such as a same-day crisis team assessment), not punctuation alone")  # fmt: skip
        return problems


EARLIEST_INTERVENTION_YEAR = 1950  # an earlier year is a typing slip, not a treatment a referral would name


def check_year(value: Any) -> Any:
    """A year as typed or stored: four digits, from 1950 to this year; blank is "not given"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, bool) or not (
        (isinstance(text, int) and 1000 <= text <= 9999) or (isinstance(text, str) and re.fullmatch(r"[0-9]{4}", text))
    ):
        raise ValueError("must be a year of 4 digits, such as 2023")
    year = int(text)
    if year > date.today().year:
        raise ValueError("must not be in the future")
    if year < EARLIEST_INTERVENTION_YEAR:
        raise ValueError(f"must be {EARLIEST_INTERVENTION_YEAR} or later")
    return year


class PreviousIntervention(BaseModel):
    """One episode of the stepping history: what it was, where and at which step (optional: older
    records have none), the year (optional) and its outcome. Every unhelpful one counts."""

    model_config = _strict_config()

    intervention: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    outcome: InterventionOutcome
    step: InterventionStep | None = None
    year: Annotated[int | None, BeforeValidator(check_year)] = None


class ScreeningInput(BaseModel):
    """Every answer of a completed screening. Each questionnaire item must be answered: an unanswered
    item blocks saving (and routing), it is never taken as 0."""

    model_config = _strict_config()

    phq9: tuple[Item03, ...] = Field(min_length=9, max_length=9)
    gad7: tuple[Item03, ...] = Field(min_length=7, max_length=7)
    wsas: tuple[Item08, ...] | None = Field(default=None, min_length=5, max_length=5)
    chronicity: Level
    complexity: Level
    impairment: Level
    substance_use: Level
    risk: Level
    rating_notes: dict[VariableId, Note] = Field(default_factory=dict)
    risk_details: RiskDetails = RiskDetails()
    long_term_conditions: tuple[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)], ...
    ] = Field(default=(), max_length=50)
    medically_unexplained_symptoms: bool = Field(default=False, strict=True)
    # The kinds of MUS ticked on the form, from resources/conditions.yaml (live-call issue, defect 7).
    mus_kinds: tuple[Annotated[str, AfterValidator(check_mus_kind)], ...] = Field(default=(), max_length=20)
    problem_descriptor: ProblemDescriptor | None = None
    previous_interventions: tuple[PreviousIntervention, ...] = Field(default=(), max_length=50)
    # Issue 15, item 7: the other problems, a flag for supervision at any risk level, and the rest of
    # the assessment (access needs, circumstances, goals, the choice record; triage.services.assessment).
    secondary_descriptors: tuple[ProblemDescriptor, ...] = Field(default=(), max_length=12)
    discuss_in_supervision: bool = Field(default=False, strict=True)
    assessment: Assessment = Assessment()

    @model_validator(mode="after")
    def _risk_asked_when_item9(self, info: ValidationInfo) -> ScreeningInput:
        # PHQ-9 item 9 (thoughts of self-harm) above 0 makes the risk section mandatory (safety.md 4.1).
        if self.phq9[8] > 0 and self.risk_details.thoughts.present == "not_asked":
            raise ValueError("risk_details.thoughts: must be asked and recorded when PHQ-9 item 9 is above 0")
        if self.mus_kinds and not self.medically_unexplained_symptoms:
            raise ValueError("mus_kinds: only when medically_unexplained_symptoms is recorded")
        if len(set(self.mus_kinds)) != len(self.mus_kinds):
            raise ValueError("mus_kinds: each kind only once")
        if self.assessment.mus_confirmation.gp_confirmed and not self.medically_unexplained_symptoms:
            raise ValueError("assessment.mus_confirmation: only when medically_unexplained_symptoms is recorded")
        self._secondary_problems_agree()
        # High risk: who was contacted, when, and what was agreed are part of the record, never optional
        # (requirements.md 9 D.28). One line each (input_problems splits them); not re-checked on a
        # record read back as stored (AS_STORED), which met the rules of the day it was saved.
        as_stored = bool(info.context and info.context.get("as_stored"))
        if self.risk == "high" and not as_stored:
            problems = self.risk_details.high_risk_problems()
            if problems:
                raise ValueError("\n".join(problems))
        return self

    def _secondary_problems_agree(self) -> None:
        secondary = self.secondary_descriptors
        if len(set(secondary)) != len(secondary):
            raise ValueError("secondary_descriptors: each problem only once")
        if secondary and self.problem_descriptor is None:
            raise ValueError("secondary_descriptors: only with a main problem descriptor")
        if self.problem_descriptor in secondary:
            raise ValueError("secondary_descriptors: must not repeat the main problem")

    @property
    def previous_unhelpful_interventions(self) -> int:
        # Every unhelpful row, IAPT or not: the matrix's variable is the "Number of previous
        # interventions with unhelpful outcomes" (seed 002, Appendix D, 002:2594-2604, as
        # resources/rules/doncaster-2007.yaml cites it), not IAPT episodes only. The step is recorded
        # beside each row, never a filter of the count.
        return sum(1 for item in self.previous_interventions if item.outcome == "unhelpful")

    def to_routing(self) -> RoutingScreening:
        """The routing engine's input: the same answers, the unhelpful interventions counted."""
        return RoutingScreening.model_validate(
            {
                "phq9": list(self.phq9),
                "gad7": list(self.gad7),
                "chronicity": self.chronicity,
                "complexity": self.complexity,
                "impairment": self.impairment,
                "substance_use": self.substance_use,
                "risk": self.risk,
                "previous_unhelpful_interventions": self.previous_unhelpful_interventions,
                "long_term_conditions": list(self.long_term_conditions),
                "medically_unexplained_symptoms": self.medically_unexplained_symptoms,
                "problem_descriptor": self.problem_descriptor,
            }
        )


# --- decisions -----------------------------------------------------------------------------------


class DecisionInput(BaseModel):
    """What the person confirming chose. ``override_reason`` is the reason for the choice: required
    for an override (a route or step other than the recommendation) and, when risk is high, for
    whichever route is chosen (the crisis team or the CMHT; checked by ``record_decision``, which
    knows the risk). Warnings (e.g. PHQ-9 item 9 with low risk) must be acknowledged."""

    model_config = _strict_config()

    # A matrix route, or any other outcome of the ruleset in force (a discharge, a local service):
    # ``record_decision`` refuses a code that ruleset does not list.
    confirmed_route: Annotated[str, StringConstraints(pattern=OUTCOME_CODE)]
    confirmed_step: Literal[2, 3] | None = None
    # The ruleset's criterion that applied, for an outcome that lists criteria (not suitable).
    outcome_criterion: Annotated[str, StringConstraints(pattern=CRITERION_CODE)] | None = None
    override_reason: Annotated[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] | None, Optional
    ] = None
    warnings_acknowledged: bool = Field(default=False, strict=True)
    # Why the matrix points again to a service that returned this person before (record_decision requires it then).
    return_rationale: Annotated[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] | None, Optional
    ] = None

    @model_validator(mode="after")
    def _step_fits_route(self) -> DecisionInput:
        iapt = self.confirmed_route in ("core_iapt", "integrated_iapt")
        if iapt and self.confirmed_step is None:
            raise ValueError("confirmed_step: an IAPT route needs step 2 or 3")
        if not iapt and self.confirmed_step is not None:
            raise ValueError("confirmed_step: only IAPT routes have a step")
        return self


# --- errors --------------------------------------------------------------------------------------


class InvalidInput(ValueError):
    """Input that failed validation; ``problems`` holds one ``field: what is wrong`` line each, and
    neither they nor the message ever contain what was typed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse(model: type[M], data: object, context: dict[str, Any] | None = None) -> M:
    """Validate ``data`` (a mapping) as ``model``; raise InvalidInput with safe messages. ``context``:
    pydantic's validation context (the service's list of MUS kinds, for a screening)."""
    if not isinstance(data, dict):
        raise InvalidInput(["input: must be an object of named fields"])
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise InvalidInput(input_problems(exc)) from None


def input_problems(exc: ValidationError) -> list[str]:
    """``field: what is wrong`` lines for a ValidationError, never containing the input. An unknown
    field is not named: its name came from the input and could be anything, even an NHS number."""
    problems: list[str] = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        if error["type"] == "extra_forbidden":
            lines = ["input: has a field that is not one of " + ", ".join(_known_fields(exc.title))]
        else:
            where = ".".join(str(part) for part in error["loc"] if _our_name(part)) or "input"
            message = error["msg"].removeprefix("Value error, ")
            # A model's own check names its fields itself, one line each.
            lines = message.split("\n") if (not error["loc"] and ": " in message) else [f"{where}: {message}"]
        for line in lines:
            if line not in problems:
                problems.append(line)
    return problems


def _our_name(part: str | int) -> bool:
    # Only our own field names and list indexes: a dict key (rating_notes) came from the input.
    return isinstance(part, int) or part in _FIELD_NAMES


def _known_fields(title: str) -> list[str]:
    model = _MODELS.get(title)
    return list(model.model_fields) if model else []


_CHECKED: tuple[type[BaseModel], ...] = (ReferralInput, ReferralUpdate, GpPracticeInput, RiskItem, RiskDetails,
                                         PreviousIntervention, ScreeningInput, DecisionInput, *ASSESSMENT_MODELS)  # fmt: skip
_MODELS: dict[str, type[BaseModel]] = {model.__name__: model for model in _CHECKED}
_FIELD_NAMES = {name for model in _MODELS.values() for name in model.model_fields}


def register_input(model: type[M]) -> type[M]:
    """A services input model defined in a module of its own (corrections.py), whose field names its
    problems may then name, as the models above. Use as a class decorator."""
    _MODELS[model.__name__] = model
    _FIELD_NAMES.update(model.model_fields)
    return model
