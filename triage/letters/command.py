"""The ``triage letter`` input, checked: the ``triage route`` JSON object plus ``patient``, ``gp``,
``referral`` and ``screener`` objects and the optional ``service``, ``decision``, ``details`` and
``letter_date``. ``parse_letter_input`` validates it (every problem named by field path, never by
what was typed) and ``letter_from_request`` routes it and builds the letter.

The command itself (its arguments, files and exit status) is triage/cli/letter.py; the app's
services and the self-test use this module directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from triage.letters.particulars import (
    ALLOWED,
    Decision,
    Details,
    Gp,
    IsoDate,
    LetterInputError,
    Particulars,
    Patient,
    Referral,
    Screener,
    Service,
)
from triage.letters.templates import LetterKind
from triage.rules.engine import route
from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset
from triage.rules.screening import Screening, ScreeningError, parse_screening

if TYPE_CHECKING:
    from triage.letters.letter import Letter


class LetterParts(BaseModel):
    """The letter's own fields of the input object (the rest are the screening's)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, hide_input_in_errors=True)

    patient: Patient
    gp: Gp
    referral: Referral
    screener: Screener
    service: Service | None = None
    details: Details = Details()
    decision: Decision | None = None
    letter_date: IsoDate | None = None


SCREENING_FIELDS: tuple[str, ...] = tuple(Screening.model_fields)
LETTER_FIELDS: tuple[str, ...] = tuple(LetterParts.model_fields)


@dataclass(frozen=True)
class LetterRequest:
    """A validated ``triage letter`` input."""

    screening: Screening
    particulars: Particulars
    decision: Decision | None
    letter_date: date | None

    def __repr__(self) -> str:
        return "LetterRequest(...)"  # holds identifiers


def parse_letter_input(data: object) -> LetterRequest:
    """Validate a ``triage letter`` input object; LetterInputError lists every problem found."""
    if not isinstance(data, dict):
        raise LetterInputError(
            ["input: must be a JSON object: the triage route fields plus patient, gp, referral and screener"]
        )
    problems: list[str] = []
    if any(key not in SCREENING_FIELDS and key not in LETTER_FIELDS for key in data):
        # The unknown name is not repeated: it came from the input and could be anything.
        problems.append("input: has a field that is not one of " + ", ".join(SCREENING_FIELDS + LETTER_FIELDS))
    screening = parts = None
    try:
        screening = parse_screening({k: v for k, v in data.items() if k in SCREENING_FIELDS})
    except ScreeningError as exc:
        problems += exc.problems
    try:
        parts = LetterParts.model_validate({k: v for k, v in data.items() if k in LETTER_FIELDS})
    except ValidationError as exc:
        problems += letter_problems(exc)
    if problems or screening is None or parts is None:
        raise LetterInputError(problems)
    particulars = Particulars(
        patient=parts.patient, gp=parts.gp, referral=parts.referral, screener=parts.screener,
        service=parts.service, details=parts.details,
    )  # fmt: skip
    return LetterRequest(screening, particulars, parts.decision, parts.letter_date)


def letter_problems(exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        line = _describe(error)
        if line not in problems:
            problems.append(line)
    return problems


_KNOWN = frozenset(part for key in ALLOWED for part in key.split("."))


def _describe(error: ErrorDetails) -> str:
    # Only our own field names and list indexes make the path: anything else came from pydantic's
    # internals (union tags) or from the input.
    kind = error["type"]
    # An unknown field's own name is the last part of its location: never repeat it.
    raw = error["loc"][:-1] if kind == "extra_forbidden" else error["loc"]
    loc = [part for part in raw if isinstance(part, int) or part in _KNOWN]
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".") or "input"
    key = ".".join(part for part in loc if isinstance(part, str))
    if kind == "extra_forbidden":
        children = [k.split(".")[-1] for k in ALLOWED if "." in k and k.rsplit(".", 1)[0] == key]
        return f"{path}: has a field that is not one of {', '.join(children)}"
    allowed = ALLOWED.get(key)
    if kind == "missing":
        return f"{path}: required; must be {allowed}" if allowed else f"{path}: required"
    if kind == "value_error":
        return f"{path}: {error['msg'].removeprefix('Value error, ')}"
    return f"{path}: must be {allowed}" if allowed else f"{path}: {error['msg']}"


def letter_from_request(
    request: LetterRequest, kind: LetterKind, ruleset: Ruleset, today: date
) -> tuple[Routing, Letter]:
    from triage.letters.letter import build_letter  # reportlab only when a letter is built

    routing = route(request.screening, ruleset)
    letter = build_letter(
        kind,
        screening=request.screening,
        routing=routing,
        particulars=request.particulars,
        decision=request.decision,
        letter_date=request.letter_date or today,
        ruleset=ruleset,
    )
    return routing, letter
