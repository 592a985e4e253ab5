"""Questionnaire scoring (PHQ-9, GAD-7, WSAS) from data files under ``resources/questionnaires``.

The standard severity bands here are for showing beside a score; they carry their source and are
kept apart from the matrix's severity bands, which live in the ruleset and drive routing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from triage.resources import resource_path
from triage.rules.datafile import DataFileError, StrictModel, loc_to_path, read_yaml

QuestionnaireId = Literal["phq9", "gad7", "wsas"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class QuestionnaireError(Exception):
    """A questionnaire data file that cannot be used."""


class BandRange(StrictModel):
    min: Annotated[int, Field(ge=0)]
    max: Annotated[int, Field(ge=0)]
    label: Text


class Bands(StrictModel):
    source: Text
    citation: Text  # the source in short, shown beside each band: "Kroenke et al. 2001"
    ranges: Annotated[list[BandRange], Field(min_length=1)]


class Questionnaire(StrictModel):
    id: QuestionnaireId
    name: Text
    title: Text
    stem: Text
    answer_range: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]] = Field(strict=False)
    answers: dict[int, Text]
    items: Annotated[list[Text], Field(min_length=1)]
    flag_items: dict[int, Text]
    bands: Bands

    @property
    def max_total(self) -> int:
        return len(self.items) * self.answer_range[1]

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        low, high = self.answer_range
        if any(not low <= key <= high for key in self.answers):
            raise ValueError(f"answers: keys must lie within answer_range {low}-{high}")
        if any(not 1 <= item <= len(self.items) for item in self.flag_items):
            raise ValueError(f"flag_items: item numbers run 1-{len(self.items)}")
        expected = 0
        for band in self.bands.ranges:
            if band.min != expected or band.max < band.min:
                raise ValueError(f"bands: {band.label} must start at {expected} and not end before it starts")
            expected = band.max + 1
        if expected - 1 != self.max_total:
            raise ValueError(f"bands: must end at {self.max_total}, the highest possible total")
        return self

    def band(self, total: int) -> str:
        for band in self.bands.ranges:
            if band.min <= total <= band.max:
                return band.label
        raise ValueError(f"{self.id}: total must be an integer 0-{self.max_total}")


@dataclass(frozen=True)
class Score:
    questionnaire: QuestionnaireId
    total: int
    band: str
    items: tuple[int, ...] | None
    flags: tuple[str, ...]


def score(questionnaire: Questionnaire, answers: Sequence[int]) -> Score:
    """Total, band and flags for a full set of item answers; a wrong answer names its item."""
    low, high = questionnaire.answer_range
    if len(answers) != len(questionnaire.items):
        raise ValueError(f"{questionnaire.id}: must have exactly {len(questionnaire.items)} answers")
    for index, answer in enumerate(answers):
        if type(answer) is not int or not low <= answer <= high:
            raise ValueError(f"{questionnaire.id}[{index}]: must be an integer {low}-{high}")
    total = sum(answers)
    flags = tuple(text for item, text in sorted(questionnaire.flag_items.items()) if answers[item - 1] > 0)
    return Score(questionnaire.id, total, questionnaire.band(total), tuple(answers), flags)


def score_total(questionnaire: Questionnaire, total: int) -> Score:
    """Band for a total given without its items; item flags are then unknown, not absent."""
    if type(total) is not int or not 0 <= total <= questionnaire.max_total:
        raise ValueError(f"{questionnaire.id}: total must be an integer 0-{questionnaire.max_total}")
    return Score(questionnaire.id, total, questionnaire.band(total), None, ())


@cache
def questionnaire(questionnaire_id: QuestionnaireId) -> Questionnaire:
    path = resource_path("questionnaires", f"{questionnaire_id}.yaml")
    try:
        return Questionnaire.model_validate(read_yaml(path))
    except DataFileError as exc:
        raise QuestionnaireError(str(exc)) from None
    except ValidationError as exc:
        problems = "; ".join(f"{loc_to_path(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
        raise QuestionnaireError(f"{path}: {problems}") from None
