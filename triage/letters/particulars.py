"""What a letter needs besides the routing: who it is about, who it goes to, who wrote it, what was decided.

These are the ``patient``, ``gp``, ``referral``, ``screener``, ``service``, ``decision`` and ``details``
objects of the ``triage letter`` input (the ``triage route`` object plus these). Every model forbids
unknown keys, hides its input in errors and keeps identifying fields out of its ``repr``: a name, a
date of birth or an NHS number must never reach a log, a traceback or an error line.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from triage.fields import (
    check_nhs_number,
    no_control_characters,
    normalise_nhs_number,
    normalise_postcode,
    parse_iso_date,
)
from triage.rules.outcomes import CRITERION_CODE, OUTCOME_CODE

# The store's closed vocabularies (triage/store/vocabulary.py), repeated here so that the letters do
# not import the store; tests/letters checks the two stay equal.
ReferralSource = Literal[
    "gp", "self", "other_health_professional", "jobcentre", "occupational_health", "voluntary_sector", "other"
]
REFERRAL_SOURCES: tuple[ReferralSource, ...] = get_args(ReferralSource)
InterventionOutcome = Literal["helpful", "partly_helpful", "unhelpful", "not_completed", "unknown"]
INTERVENTION_OUTCOMES: tuple[InterventionOutcome, ...] = get_args(InterventionOutcome)
InterventionStep = Literal["iapt_step_2", "iapt_step_3", "outside_iapt"]
INTERVENTION_STEPS: tuple[InterventionStep, ...] = get_args(InterventionStep)


def _config() -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True, strict=True, str_strip_whitespace=True, hide_input_in_errors=True)


def _phone(value: str) -> str:
    digits = re.sub(r"[\s\-().]", "", no_control_characters(value))
    if not re.fullmatch(r"\+?[0-9]{10,15}", digits):
        raise ValueError("must be a telephone number of 10 to 15 digits")
    return value  # printed as the service wrote it


# One line of text, at most 100 or 200 characters: spelled out (not made by a function) so the type checker sees them.
Text100 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(no_control_characters),
]
Text200 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(no_control_characters),
]
Name = Text100
Line = Text100
NhsNumber = Annotated[str, BeforeValidator(normalise_nhs_number), AfterValidator(check_nhs_number)]
IsoDate = Annotated[date, BeforeValidator(parse_iso_date)]
Postcode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10), AfterValidator(normalise_postcode)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=30), AfterValidator(_phone)]
AddressLines = Annotated[tuple[Line, ...], Field(min_length=1, max_length=6, strict=False)]
# Free text written for the reader of the letter: line breaks allowed, other control characters not.
Prose = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(lambda v: no_control_characters(v.replace("\n", " ").replace("\r", " "))),
]
ReferralId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}$")]


class Patient(BaseModel):
    model_config = _config()

    given_name: Name = Field(repr=False)
    family_name: Name = Field(repr=False)
    date_of_birth: IsoDate = Field(repr=False)
    nhs_number: NhsNumber = Field(repr=False)
    # The postal address, for the patient copy: without both lines and a postcode it cannot be posted.
    address_lines: Annotated[tuple[Line, ...], Field(max_length=6, strict=False)] = Field(default=(), repr=False)
    postcode: Postcode | None = Field(default=None, repr=False)

    @property
    def postal_lines(self) -> tuple[str, ...]:
        """The address to post to (its lines, then the postcode), or () when there is none to post to."""
        if not self.address_lines or self.postcode is None:
            return ()
        return (*self.address_lines, self.postcode)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        """3-3-4, the form printed on NHS documents."""
        n = self.nhs_number
        return f"{n[:3]} {n[3:6]} {n[6:]}"


class Gp(BaseModel):
    """Who the GP letter goes to: the referring GP named on the referral (``name``), or, with no GP
    named, the practice ("The GP"): the app asks for a GP, or a recorded choice, before it goes."""

    model_config = _config()

    name: Name | None = None  # None: no GP named; the letter goes to "The GP" at the practice
    practice_name: Text200
    address_lines: AddressLines
    postcode: Postcode


class Referral(BaseModel):
    model_config = _config()

    received_on: IsoDate
    source: ReferralSource
    # "Our reference": the service reference a person reads on the telephone (DON-000123), never the
    # store's internal id.
    id: ReferralId | None = None


class Screener(BaseModel):
    model_config = _config()

    name: Name
    role: Text100


class Helpline(BaseModel):
    """A number the patient copy prints for help in a crisis (from Settings)."""

    model_config = _config()

    name: Text200
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40)]
    hours: Text200 | None = None


Helplines = Annotated[tuple[Helpline, ...], Field(max_length=20, strict=False)]


class Service(BaseModel):
    model_config = _config()

    name: Text200
    address_lines: Annotated[tuple[Line, ...], Field(max_length=6, strict=False)] = ()
    phone: Phone | None = None
    # The service's own crisis and duty numbers, printed first; then the national ones (None: the
    # defaults in triage.settings, each with its source).
    local_lines: Helplines = ()
    national_lines: Helplines | None = None


class PreviousIntervention(BaseModel):
    """One episode of the stepping history; the step and the year when recorded."""

    model_config = _config()

    intervention: Text200
    outcome: InterventionOutcome
    step: InterventionStep | None = None
    year: Annotated[int, Field(ge=1950, le=9999)] | None = None


class RiskAnswer(BaseModel):
    """One of the four risk questions (triage.store.vocabulary.RISK_QUESTIONS) as the screener recorded it."""

    model_config = _config()

    question: Literal["thoughts", "intent", "plan", "history"]
    present: Literal["yes", "no", "not_asked"]
    detail: Prose | None = Field(default=None, repr=False)


class Details(BaseModel):
    """What the screening and the referral recorded beyond the routing input, and what has already
    left the service for this decision (a letter claims only what happened)."""

    model_config = _config()

    previous_interventions: Annotated[tuple[PreviousIntervention, ...], Field(max_length=20, strict=False)] = ()
    risk_formulation: Prose | None = Field(default=None, repr=False)
    signposting: Annotated[tuple[Text200, ...], Field(max_length=10, strict=False)] = ()
    risk_answers: Annotated[tuple[RiskAnswer, ...], Field(max_length=4, strict=False)] = ()
    protective_factors: Prose | None = Field(default=None, repr=False)
    agreed: bool = False  # the actions taken about risk (what was agreed) are in decision.risk_actions
    patient_phone: Phone | None = Field(default=None, repr=False)
    interpreter_language: Text100 | None = None
    patient_copy_sent: bool = False  # the patient copy was printed or saved for this decision
    gp_letter_sent: bool = False  # the GP letter was printed or saved for this decision
    referral_on_sent: bool = False  # the referral-on summary was printed or saved for this decision
    # Medically unexplained symptoms: the GP has confirmed that no physical illness was missed (and
    # when, if recorded). Not confirmed, the GP letter asks for it; confirmed, it thanks the GP.
    mus_gp_confirmed: bool = False
    mus_confirmed_on: IsoDate | None = None


class Decision(BaseModel):
    """What the person confirming chose. Leave ``confirmed_route`` out to confirm the recommendation;
    a route or step other than the recommendation is an override and needs ``override_reason``, and
    when risk is high any choice needs it (printed as why that route was chosen).
    ``risk_actions`` (the actions taken and the safety advice given) is required for medium or high risk."""

    model_config = _config()

    # A matrix route, or another outcome of the ruleset (a discharge, a local service; compose.py checks it).
    confirmed_route: Annotated[str, StringConstraints(pattern=OUTCOME_CODE)] | None = None
    confirmed_step: Literal[2, 3] | None = None
    outcome_criterion: Annotated[str, StringConstraints(pattern=CRITERION_CODE)] | None = None
    override_reason: Prose | None = Field(default=None, repr=False)
    risk_actions: Prose | None = Field(default=None, repr=False)
    # Why the matrix points again to a service that returned this person before (printed in the referral-on summary).
    return_rationale: Prose | None = Field(default=None, repr=False)
    in_meeting: bool = False  # taken by the team in the referral meeting


class Particulars(BaseModel):
    """Everything about the letter that is not the screening or the decision."""

    model_config = _config()

    patient: Patient
    gp: Gp
    referral: Referral
    screener: Screener
    service: Service | None = None
    details: Details = Details()


# What each field accepts, as told to the person who got it wrong (never what they typed).
_NAME = "text of 1 to 100 characters on one line"
ALLOWED: dict[str, str] = {
    "patient": "an object with given_name, family_name, date_of_birth, nhs_number and optionally address_lines "
    "and postcode",
    "patient.given_name": _NAME,
    "patient.family_name": _NAME,
    "patient.date_of_birth": "a date written YYYY-MM-DD, before the referral was received",
    "patient.nhs_number": "a valid 10-digit NHS number (spaces or dashes allowed)",
    "patient.address_lines": "a list of up to 6 address lines, each 1 to 100 characters",
    "patient.postcode": "a UK postcode",
    "gp": "an object with practice_name, address_lines, postcode and optionally name",
    "gp.name": _NAME,
    "gp.practice_name": "text of 1 to 200 characters on one line",
    "gp.address_lines": "a list of 1 to 6 address lines, each 1 to 100 characters",
    "gp.postcode": "a UK postcode",
    "referral": "an object with received_on, source and optionally id",
    "referral.received_on": "a date written YYYY-MM-DD, not after the letter date",
    "referral.source": "one of " + ", ".join(REFERRAL_SOURCES),
    "referral.id": "1 to 40 letters, digits or / _ . -, starting with a letter or digit",
    "screener": "an object with name and role",
    "screener.name": _NAME,
    "screener.role": _NAME,
    "service": "an object with name and optionally address_lines, phone, local_lines and national_lines",
    "service.name": "text of 1 to 200 characters on one line",
    "service.address_lines": "a list of up to 6 address lines, each 1 to 100 characters",
    "service.phone": "a telephone number of 10 to 15 digits",
    "service.local_lines": "a list of up to 20 objects with name, phone and optionally hours",
    "service.national_lines": "a list of up to 20 objects with name, phone and optionally hours",
    "service.local_lines.name": "text of 1 to 200 characters on one line",
    "service.local_lines.phone": "a telephone number of 3 to 40 characters",
    "service.local_lines.hours": "text of 1 to 200 characters on one line",
    "service.national_lines.name": "text of 1 to 200 characters on one line",
    "service.national_lines.phone": "a telephone number of 3 to 40 characters",
    "service.national_lines.hours": "text of 1 to 200 characters on one line",
    "details": "an object with optional previous_interventions, risk_formulation, signposting, risk_answers,"
    " protective_factors, agreed, patient_phone, interpreter_language, patient_copy_sent,"
    " gp_letter_sent, referral_on_sent, mus_gp_confirmed and mus_confirmed_on",
    "details.previous_interventions": "a list of up to 20 objects with intervention, outcome and optionally step "
    "and year",
    "details.previous_interventions.intervention": "text of 1 to 200 characters on one line",
    "details.previous_interventions.outcome": "one of " + ", ".join(INTERVENTION_OUTCOMES),
    "details.previous_interventions.step": "one of " + ", ".join(INTERVENTION_STEPS),
    "details.previous_interventions.year": "a year from 1950, written as a number such as 2023",
    "details.risk_formulation": "text of 1 to 2000 characters",
    "details.signposting": "a list of up to 10 texts, each 1 to 200 characters on one line",
    "details.risk_answers": "a list of up to 4 objects with question, present and optionally detail",
    "details.risk_answers.question": "one of thoughts, intent, plan, history",
    "details.risk_answers.present": "one of yes, no, not_asked",
    "details.risk_answers.detail": "text of 1 to 2000 characters",
    "details.protective_factors": "text of 1 to 2000 characters",
    "details.agreed": "true or false",
    "details.patient_phone": "a telephone number of 10 to 15 digits",
    "details.interpreter_language": _NAME,
    "details.patient_copy_sent": "true or false",
    "details.gp_letter_sent": "true or false",
    "details.referral_on_sent": "true or false",
    "details.mus_gp_confirmed": "true or false",
    "details.mus_confirmed_on": "a date written YYYY-MM-DD",
    "decision": "an object with optional confirmed_route, confirmed_step, override_reason, risk_actions and in_meeting",
    "decision.confirmed_route": "one of core_iapt, integrated_iapt, cmht, crisis_team, substance_misuse",
    "decision.confirmed_step": "2 or 3 for an IAPT route, left out otherwise",
    "decision.override_reason": "text of 1 to 2000 characters",
    "decision.risk_actions": "text of 1 to 2000 characters",
    "decision.in_meeting": "true or false",
    "letter_date": "a date written YYYY-MM-DD",
}


class LetterInputError(ValueError):
    """Letter input that cannot make a letter; ``problems`` holds one ``field.path: what is allowed``
    line each. Neither they nor the message ever contain what was typed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))
