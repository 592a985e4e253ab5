"""The Screening: what a screener records that the routing needs (the input of ``triage route``).

Errors never echo the input and always name the field and what it accepts, e.g.
``phq9[3]: must be an integer 0-3``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
)
from pydantic_core import ErrorDetails

from triage.rules.vocabulary import PROBLEM_DESCRIPTORS, Level, ProblemDescriptor


def _shape(value: Any) -> str:
    return "items" if isinstance(value, (list, tuple)) else "total"


# A questionnaire given item by item (each 0-3) or as its total: tagged so errors name the shape. Spelled out
# for each questionnaire (not made by a function) so the type checker sees them.
_Item = Annotated[int, Field(ge=0, le=3)]
Phq9Answers = Annotated[
    Annotated[list[_Item], Field(min_length=9, max_length=9), Tag("items")]
    | Annotated[int, Field(ge=0, le=27), Tag("total")],
    Discriminator(_shape),
]
Gad7Answers = Annotated[
    Annotated[list[_Item], Field(min_length=7, max_length=7), Tag("items")]
    | Annotated[int, Field(ge=0, le=21), Tag("total")],
    Discriminator(_shape),
]


ConditionName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


# A count of earlier treatments, so two digits are plenty. Unbounded, a mistyped or pasted identifier
# (an NHS number) was accepted as the count and repeated in the reasons ("9994564056 recorded").
MAX_PREVIOUS_INTERVENTIONS = 99


class Screening(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, hide_input_in_errors=True)

    phq9: Phq9Answers
    gad7: Gad7Answers
    chronicity: Level
    complexity: Level
    impairment: Level
    substance_use: Level
    risk: Level
    previous_unhelpful_interventions: Annotated[int, Field(ge=0, le=MAX_PREVIOUS_INTERVENTIONS)]
    long_term_conditions: tuple[ConditionName, ...] = Field(default=(), strict=False)
    medically_unexplained_symptoms: bool = False
    problem_descriptor: ProblemDescriptor | None = None

    @property
    def phq9_total(self) -> int:
        return self.phq9 if isinstance(self.phq9, int) else sum(self.phq9)

    @property
    def gad7_total(self) -> int:
        return self.gad7 if isinstance(self.gad7, int) else sum(self.gad7)

    @property
    def phq9_item9(self) -> int | None:
        """The self-harm item, or None when only a total was given (then it was not seen)."""
        return None if isinstance(self.phq9, int) else self.phq9[8]


_LEVEL = 'one of "low", "medium" or "high"'

# What each field accepts, as told to the person who got it wrong.
ALLOWED: dict[str, str] = {
    "phq9": "a list of 9 integers 0-3, or an integer total 0-27",
    "gad7": "a list of 7 integers 0-3, or an integer total 0-21",
    "chronicity": _LEVEL,
    "complexity": _LEVEL,
    "impairment": _LEVEL,
    "substance_use": _LEVEL,
    "risk": _LEVEL,
    "previous_unhelpful_interventions": f"an integer 0-{MAX_PREVIOUS_INTERVENTIONS}",
    "long_term_conditions": "a list of condition names (strings)",
    "medically_unexplained_symptoms": "true or false",
    "problem_descriptor": "one of " + ", ".join(PROBLEM_DESCRIPTORS),
}
ITEM_ALLOWED: dict[str, str] = {
    "phq9": "an integer 0-3",
    "gad7": "an integer 0-3",
    "long_term_conditions": "a non-empty string of at most 200 characters",
}


class ScreeningError(ValueError):
    """Invalid screening input; ``problems`` holds one ``field: what is allowed`` line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_screening(data: object) -> Screening:
    if not isinstance(data, dict):
        raise ScreeningError(["input: must be a JSON object of screening fields"])
    # An unknown key is named by its position, never repeated: it could be patient data.
    unknown = [position for position, key in enumerate(data, start=1) if key not in Screening.model_fields]
    try:
        return Screening.model_validate(data)
    except ValidationError as exc:
        problems = [p for p in screening_problems(exc) if p != _UNKNOWN]
        raise ScreeningError(problems + [f"(field {n}): unknown field; the fields are {', '.join(ALLOWED)}"
                                         for n in unknown]) from None  # fmt: skip


def screening_problems(exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        message = _describe(error)
        if message not in problems:
            problems.append(message)
    return problems


_UNKNOWN = "unknown field"


def _describe(error: ErrorDetails) -> str:
    loc = error["loc"]
    field = loc[0] if loc and isinstance(loc[0], str) else None
    kind = error["type"]
    if kind == "model_type" or field is None:
        return "input: must be a JSON object of screening fields"
    if kind == "extra_forbidden":
        return _UNKNOWN  # reported by position in parse_screening
    if kind == "missing":
        return f"{field}: required; must be {ALLOWED[field]}"
    # The tag of a questionnaire's shape ("items"/"total") is ours, not the caller's.
    rest = [part for i, part in enumerate(loc[1:]) if not (i == 0 and part in ("items", "total"))]
    item = [part for part in rest if isinstance(part, int)]
    if item and field in ITEM_ALLOWED:
        return f"{field}[{item[0]}]: must be {ITEM_ALLOWED[field]}"
    if kind in ("too_short", "too_long") and field in ("phq9", "gad7"):
        count = 9 if field == "phq9" else 7
        return f"{field}: must have exactly {count} items, or be an integer total (allowed: {ALLOWED[field]})"
    return f"{field}: must be {ALLOWED[field]}"
