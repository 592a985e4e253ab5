"""``triage letter FILE --out OUT.pdf [--kind gp|patient|referral-on]``: a letter without the app.

FILE (or - for standard input) is the ``triage route`` JSON object plus ``patient``, ``gp``,
``referral`` and ``screener`` objects and the optional ``service``, ``decision``, ``details`` and
``letter_date`` (default: today). Exit status: 0 written; 1 a ruleset, the templates or the output
file failed; 2 invalid input, with one ``error: field.path: what is allowed`` line per problem on
standard error and no file written. No message ever repeats what was typed: a name, a date of birth
or an NHS number must not reach a terminal log through an error.

The input is checked and the letter built by the letters layer (triage.letters.command), imported
with pydantic and reportlab only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from triage.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, InputError, errors, read_json, ruleset

if TYPE_CHECKING:
    from triage.cli.common import Commands

# triage.letters.templates.KINDS, named here so that building the parser loads no letter module
# (tests/test_cli.py checks the two agree).
KINDS = ("gp", "patient", "referral-on")


def register(commands: Commands) -> argparse.ArgumentParser:
    """Add the ``letter`` command to the top-level subparsers."""
    command = commands.add_parser(
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
    from triage.letters.templates import LetterTemplateError
    from triage.rules.ruleset import RulesetError

    try:
        return _run(args)
    except RulesetError as exc:
        errors([f"ruleset {exc.source}: {problem}" for problem in exc.problems])
        return EXIT_FAILED
    except LetterTemplateError as exc:
        errors([f"letter templates {exc.source}: {problem}" for problem in exc.problems])
        return EXIT_FAILED


def _run(args: argparse.Namespace) -> int:
    from triage.files import atomic_write
    from triage.letters.command import letter_from_request, parse_letter_input
    from triage.letters.particulars import LetterInputError

    out: Path = args.out
    if not out.parent.is_dir():
        errors(["--out: the folder to write into does not exist"])
        return EXIT_INVALID
    in_force = ruleset(args.ruleset)
    try:
        request = parse_letter_input(read_json(args.file, private=True))
        routing, letter = letter_from_request(request, args.kind, in_force, date.today())
    except InputError as exc:
        errors([str(exc)])
        return EXIT_INVALID
    except LetterInputError as exc:
        errors(exc.problems)
        return EXIT_INVALID
    try:
        atomic_write(out, letter.pdf)
    except OSError as exc:
        errors([f"--out: cannot be written ({exc.__class__.__name__})"])
        return EXIT_FAILED
    from triage.letters.outcome import decide

    outcome = decide(routing, request.decision)
    decided = outcome.route + (f" step {outcome.step}" if outcome.step else "")
    recommended = routing.route + (f" step {routing.step}" if routing.step else "")
    sys.stdout.write(
        f"{args.kind} letter written: {letter.pages} page(s), sha256 {letter.sha256};"
        f" route {decided}"
        + (f" (recommended {recommended})" if outcome.overridden else "")
        + f", ruleset {in_force.id} {in_force.version}\n"
    )
    return EXIT_OK
