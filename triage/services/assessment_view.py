"""The assessment's content (issue 15, item 7) as labelled rows, in the form's order: the one reading
of it that the record's text (``triage referrals show``) and the record view both print, so the two
say the same. Codes become the labels of ``resources/assessment.yaml`` (a code since removed from the
list is shown as it is stored); what was not asked says so, never a guessed "no"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from triage.labels import labels
from triage.services.assessment import Assessment, assessment_words
from triage.services.inputs import AS_STORED

NOT_RECORDED = "none recorded"
NOT_ASKED = "not asked"


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _label(names: Mapping[Any, str], code: str | None, empty: str = NOT_ASKED) -> str:
    return names.get(code, code) if code else empty


def _labels(names: Mapping[Any, str], codes: Sequence[str]) -> str:
    return "; ".join(names.get(code, code) for code in codes) or NOT_RECORDED


class SteppedIntervention(Protocol):
    @property
    def intervention(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def step(self) -> str | None: ...
    @property
    def year(self) -> int | None: ...


def intervention_words(item: SteppedIntervention) -> str:
    """One episode of the stepping history: "Guided self-help: Unhelpful; IAPT step 2, 2023"; the step
    and the year only when recorded (an older record has neither)."""
    words = labels()
    where = [words.intervention_steps.get(item.step, item.step)] if item.step else []
    where += [str(item.year)] if item.year is not None else []
    said = f"{item.intervention}: {words.intervention_outcomes.get(item.outcome, item.outcome)}"
    return f"{said}; {', '.join(where)}" if where else said


def mus_confirmation_words(assessment: Mapping[str, Any]) -> str:
    """Whether the GP has confirmed that no physical illness was missed, and when if recorded."""
    confirmation = Assessment.model_validate(dict(assessment), context=AS_STORED).mus_confirmation
    if not confirmation.gp_confirmed:
        return "not yet"
    on = confirmation.confirmed_on
    return f"yes, on {_uk_date(on)}" if on else "yes"


def _uk_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def protective_level_words(level: str | None) -> str:
    return _label(assessment_words().protective_levels, level, "not rated")


def assessment_rows(
    assessment: Mapping[str, Any], secondary: Sequence[str], discuss_in_supervision: bool
) -> list[tuple[str, str]]:
    """(label, value) rows of a stored screening's assessment (``ScreeningPart.assessment``)."""
    words, problems = assessment_words(), labels().problem_descriptors
    a = Assessment.model_validate(dict(assessment), context=AS_STORED)
    access, work, choice = a.access_needs, a.circumstances, a.choice
    return [
        ("Secondary problems", _labels(problems, secondary)),
        ("Discuss in supervision", _yes_no(discuss_in_supervision)),
        ("Interpreter at the screening", access.interpreter_language or "not needed"),
        ("Advocate needed", _yes_no(access.advocate)),
        ("Format of information", _label(words.information_formats, access.information_format)),
        ("No registered GP", _yes_no(access.no_registered_gp)),
        ("No fixed address", _yes_no(access.no_fixed_address)),
        ("Employment status", _label(words.employment_statuses, work.employment_status)),
        ("Receiving benefits", _label(words.yes_no, work.benefits)),
        ("Statutory sick pay", _label(words.yes_no, work.statutory_sick_pay)),
        ("Employment support", _label(words.employment_support, work.employment_support)),
        ("Debt, housing, relationship or carer concerns", _labels(words.concerns, work.concerns)),
        ("Patient's goals", a.goals or NOT_RECORDED),
        ("Options offered", _labels(words.treatment_options, choice.options_offered)),
        ("Patient's preferred option", _label(words.treatment_options, choice.preferred_option, NOT_RECORDED)),
        ("Preferred way of working", _labels(words.modalities, choice.modalities)),
        ("Preferred location", _labels(words.locations, choice.locations)),
        ("Contact times", choice.contact_times or NOT_RECORDED),
    ]


def access_needs_lines(assessment: Mapping[str, Any]) -> list[str]:
    """The access needs recorded, one short line each (for a letter's access-needs line); none: []."""
    access = Assessment.model_validate(dict(assessment), context=AS_STORED).access_needs
    words = assessment_words()
    lines = [f"Needs an interpreter: {access.interpreter_language}"] if access.interpreter_language else []
    lines += ["Needs an advocate"] if access.advocate else []
    if access.information_format and access.information_format != "standard":
        fmt = words.information_formats.get(access.information_format, access.information_format)
        lines.append(f"Information in this format: {fmt}")
    lines += ["Has no registered GP"] if access.no_registered_gp else []
    lines += ["Has no fixed address"] if access.no_fixed_address else []
    return lines
