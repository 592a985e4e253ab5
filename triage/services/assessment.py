"""The assessment's content beyond the matrix (issue 15, item 7): access needs, work and social
circumstances, the patient's goals and the choice record, with the lists and words of
``resources/assessment.yaml``; and the two prompts the screening shows from them: the
anxiety-disorder-specific measure (ADSM) for the problems PHQ/GAD does not cover, and the self-help
caveat when pure self-help is the option chosen.

``Assessment`` is one field of ``ScreeningInput`` (stored as one JSON column, ``screening.assessment``),
so it is validated, stored, read back, shown and exported with every other answer. A code is checked
against the file's list when typed; one read back as stored (``AS_STORED``) stays readable after a
service edits the list. Messages name the field and the rule, never what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from triage.fields import UK_DATE_HELP, no_control_characters, parse_iso_date, parse_uk_date
from triage.resources import resource_path
from triage.rules.datafile import StrictModel, read_yaml
from triage.rules.vocabulary import ProblemDescriptor

ASSESSMENT_FILE = "assessment.yaml"
ProtectiveLevel = Literal["present", "some", "none_minimal"]
YesNo = Literal["yes", "no"]
EmploymentSupport = Literal["not_offered", "declined", "accepted"]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Labels = dict[str, Label]


class AdsmWords(StrictModel):
    source: Label
    prompt: Label
    measures: dict[ProblemDescriptor, Label]
    mus_prompt: Label
    warning: Label


class CaveatWords(StrictModel):
    source: Label
    text: Label
    evidence: Label


class AssessmentWords(StrictModel):
    """The schema of ``resources/assessment.yaml``."""

    version: Literal[1]
    adsm: AdsmWords
    self_help_caveat: CaveatWords
    protective_levels: dict[ProtectiveLevel, Label]
    information_formats: Labels
    employment_statuses: Labels
    yes_no: dict[YesNo, Label]
    employment_support: dict[EmploymentSupport, Label]
    concerns: Labels
    treatment_options: Labels
    modalities: Labels
    locations: Labels

    @model_validator(mode="after")
    def _closed_lists_labelled(self) -> AssessmentWords:
        # The three Literal lists are the code's; each needs a label for every code (a blank on screen
        # would read as "not recorded").
        for name, codes in (("protective_levels", ProtectiveLevel), ("yes_no", YesNo),
                            ("employment_support", EmploymentSupport)):  # fmt: skip
            missing = set(get_args(codes)) - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name}: no label for {', '.join(sorted(missing))}")
        if "pure_self_help" not in self.treatment_options:
            raise ValueError("treatment_options: must offer pure_self_help (the self-help caveat names it)")
        return self


@lru_cache(maxsize=1)
def assessment_words() -> AssessmentWords:
    return AssessmentWords.model_validate(read_yaml(resource_path(ASSESSMENT_FILE)))


def _one_of(list_name: str) -> AfterValidator:
    def check(value: str, info: ValidationInfo) -> str:
        if info.context and info.context.get("as_stored"):
            return value
        if value not in getattr(assessment_words(), list_name):
            raise ValueError(f"must be one of the {list_name.replace('_', ' ')} in resources/{ASSESSMENT_FILE}")
        return value

    return AfterValidator(check)


def _once_each(values: Sequence[str], field: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{field}: each only once")


def _config() -> ConfigDict:
    return ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True, frozen=True)


Code = Annotated[str, StringConstraints(min_length=1, max_length=40)]
InformationFormat = Annotated[Code, _one_of("information_formats")]
EmploymentStatus = Annotated[Code, _one_of("employment_statuses")]
Concern = Annotated[Code, _one_of("concerns")]
TreatmentOption = Annotated[Code, _one_of("treatment_options")]
Modality = Annotated[Code, _one_of("modalities")]
Location = Annotated[Code, _one_of("locations")]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), AfterValidator(no_control_characters)
]
ShortNote = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(no_control_characters)
]
Goals = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Flag = Annotated[bool, Field(strict=True)]


class AccessNeeds(BaseModel):
    """What the person needs to use the service (requirements.md 9 E.39)."""

    model_config = _config()

    interpreter_language: Language | None = None  # None: no interpreter needed
    advocate: Flag = False
    information_format: InformationFormat | None = None
    no_registered_gp: Flag = False
    no_fixed_address: Flag = False


class Circumstances(BaseModel):
    """Work and social circumstances (requirements.md 9 E.40); None: not asked."""

    model_config = _config()

    employment_status: EmploymentStatus | None = None
    benefits: YesNo | None = None
    statutory_sick_pay: YesNo | None = None
    employment_support: EmploymentSupport | None = None
    concerns: tuple[Concern, ...] = Field(default=(), max_length=20)

    @model_validator(mode="after")
    def _concerns_once(self) -> Circumstances:
        _once_each(self.concerns, "concerns")
        return self


class ChoiceRecord(BaseModel):
    """The options offered and the patient's preference (requirements.md 9 B.18)."""

    model_config = _config()

    options_offered: tuple[TreatmentOption, ...] = Field(default=(), max_length=30)
    preferred_option: TreatmentOption | None = None
    modalities: tuple[Modality, ...] = Field(default=(), max_length=20)
    locations: tuple[Location, ...] = Field(default=(), max_length=20)
    contact_times: ShortNote = ""

    @model_validator(mode="after")
    def _preference_offered(self) -> ChoiceRecord:
        for name in ("options_offered", "modalities", "locations"):
            _once_each(getattr(self, name), name)
        if self.preferred_option is not None and self.preferred_option not in self.options_offered:
            raise ValueError("preferred_option: must be one of the options offered")
        return self


def _confirmed_date(value: Any) -> Any:
    """A date as stored (ISO) or as the form's dates are typed (dd/mm/yyyy, triage.fields.parse_uk_date);
    blank is "not given"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and not re.fullmatch(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*", value):
        parsed = parse_uk_date(value)
        if parsed is None:
            raise ValueError(UK_DATE_HELP)
        return parsed
    return parse_iso_date(value)


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise ValueError("must not be in the future")
    return value


class MusConfirmation(BaseModel):
    """For medically unexplained symptoms: whether the GP has confirmed that no physical illness was
    missed (seed 003:197-205: treatment once the GP is happy none was), and optionally when. Not
    confirmed, the GP letter asks for it; confirmed, it thanks the GP instead."""

    model_config = _config()

    gp_confirmed: Flag = False  # False: not yet
    confirmed_on: Annotated[date | None, BeforeValidator(_confirmed_date), AfterValidator(_not_in_future)] = None

    @model_validator(mode="after")
    def _date_only_when_confirmed(self) -> MusConfirmation:
        if self.confirmed_on is not None and not self.gp_confirmed:
            raise ValueError("confirmed_on: only when the GP has confirmed that no physical illness was missed")
        return self


class Assessment(BaseModel):
    """The assessment's content beyond the matrix, one field of ScreeningInput."""

    model_config = _config()

    access_needs: AccessNeeds = AccessNeeds()
    circumstances: Circumstances = Circumstances()
    goals: Goals = ""
    choice: ChoiceRecord = ChoiceRecord()
    # Only with medically unexplained symptoms recorded (ScreeningInput checks it).
    mus_confirmation: MusConfirmation = MusConfirmation()


ASSESSMENT_MODELS: tuple[type[BaseModel], ...] = (AccessNeeds, Circumstances, ChoiceRecord, MusConfirmation,
                                                  Assessment)  # fmt: skip


# --- the prompts -----------------------------------------------------------------------------------


def measure_prompts(problems: Iterable[ProblemDescriptor | None], mus: bool) -> list[str]:
    """The ADSM prompts for the main and secondary problems (in that order), and the MUS scale's when
    medically unexplained symptoms are recorded; empty when PHQ-9 and GAD-7 cover them."""
    words = assessment_words().adsm
    measures = dict.fromkeys(words.measures[p] for p in problems if p in words.measures)
    prompts = [words.prompt.format(measure=measure) for measure in measures]
    return prompts + ([words.mus_prompt] if mus else [])


def avoidance_warning(prompts: Sequence[str]) -> str | None:
    """The seeds' warning, with any prompt: PHQ/GAD alone can lead to discharging too early."""
    return assessment_words().adsm.warning if prompts else None


def self_help_caveat(preferred_option: str | None) -> str | None:
    """The caveat and its evidence when pure self-help is the option the patient chose."""
    if preferred_option != "pure_self_help":
        return None
    caveat = assessment_words().self_help_caveat
    return f"{caveat.text} {caveat.evidence}"
