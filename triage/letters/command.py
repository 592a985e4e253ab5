"""``triage letter FILE --out OUT.pdf [--kind gp|patient|referral-on]``: a letter without the app.

FILE (or - for standard input) is the ``triage route`` JSON object plus ``patient``, ``gp``,
``referral`` and ``screener`` objects and the optional ``service``, ``decision``, ``details`` and
``letter_date`` (default: today). Exit status: 0 written; 1 a ruleset, the templates or the output
file failed; 2 invalid input, with one ``error: field.path: what is allowed`` line per problem on
standard error and no file written. No message ever repeats what was typed: a name, a date of birth
or an NHS number must not reach a terminal log through an error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from triage.files import atomic_write
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
from triage.letters.templates import KINDS, LetterKind, LetterTemplateError
from triage.rules.engine import route
from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset, RulesetError, default_ruleset, load_ruleset
from triage.rules.screening import Screening, ScreeningError, parse_screening

if TYPE_CHECKING:
    from triage.letters.letter import Letter

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


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
        raise LetterInputError(["input: must be a JSON object: the triage route fields plus patient, gp, referral and screener"])
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


# --- the command ---------------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``letter`` command to an argparse subparsers object (triage/cli.py's ``commands``)."""
    command = subparsers.add_parser(
        "letter",
        help="write a GP letter, patient copy or referral-on summary as PDF (JSON input, see README)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    command.add_argument("file", help="the JSON input file, or - for standard input")
    command.add_argument("--out", required=True, type=Path, help="the PDF file to write")
    command.add_argument("--kind", choices=KINDS, default="gp", help="which letter (default: gp)")
    command.add_argument("--ruleset", type=Path, help="a ruleset file instead of the one in force")
    command.set_defaults(command="letter", handler=run)
    return command


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except RulesetError as exc:
        _errors([f"ruleset {exc.source}: {problem}" for problem in exc.problems])
        return EXIT_FAILED
    except LetterTemplateError as exc:
        _errors([f"letter templates {exc.source}: {problem}" for problem in exc.problems])
        return EXIT_FAILED


def _run(args: argparse.Namespace) -> int:
    out: Path = args.out
    if not out.parent.is_dir():
        _errors(["--out: the folder to write into does not exist"])
        return EXIT_INVALID
    ruleset = load_ruleset(args.ruleset) if args.ruleset else default_ruleset()
    try:
        request = parse_letter_input(_read_json(args.file))
        routing, letter = letter_from_request(request, args.kind, ruleset, date.today())
    except LetterInputError as exc:
        _errors(exc.problems)
        return EXIT_INVALID
    try:
        atomic_write(out, letter.pdf)
    except OSError as exc:
        _errors([f"--out: cannot be written ({exc.__class__.__name__})"])
        return EXIT_FAILED
    from triage.letters.outcome import decide

    outcome = decide(routing, request.decision)
    decided = outcome.route + (f" step {outcome.step}" if outcome.step else "")
    recommended = routing.route + (f" step {routing.step}" if routing.step else "")
    sys.stdout.write(
        f"{args.kind} letter written: {letter.pages} page(s), sha256 {letter.sha256};"
        f" route {decided}" + (f" (recommended {recommended})" if outcome.overridden else "")
        + f", ruleset {ruleset.id} {ruleset.version}\n"
    )
    return EXIT_OK


def _read_json(name: str) -> Any:
    where = "standard input" if name == "-" else "FILE"
    try:
        raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError:
        raise LetterInputError([f"input: {where} cannot be read"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LetterInputError([f"input: {where} is not UTF-8 text"]) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise LetterInputError([f"input: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]) from None
    except RecursionError:
        raise LetterInputError(["input: JSON nested too deeply"]) from None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; a letter must not be guessed at. The key is not named.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise LetterInputError(["input: a field is given more than once in the same object"])
        result[key] = value
    return result


def _errors(problems: Sequence[str]) -> None:
    for problem in problems:
        sys.stderr.write(f"error: {problem}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m triage.letters.command ...``: the letter command alone, until triage/cli.py wires it."""
    parser = argparse.ArgumentParser(prog="triage")
    register(parser.add_subparsers(title="commands", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
