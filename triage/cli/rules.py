"""``triage route`` and ``triage rules show|check|golden``: the headless face of the rules. No login:
they touch no store. The rules engine is imported when one of these commands runs, not when the
parser is built."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from triage.cli.common import EXIT_INVALID, EXIT_OK, errors, print_json, read_json, ruleset

if TYPE_CHECKING:
    from triage.cli.common import Commands

RULESET_HELP = "a ruleset file instead of the one in force"


def register(commands: Commands) -> None:
    """Add ``route`` and ``rules`` to the top-level subparsers."""
    route_cmd = commands.add_parser("route", help="route screenings given as JSON (see README)")
    route_cmd.add_argument("file", nargs="?", default="-", help="a JSON file, or - for standard input (default)")
    route_cmd.add_argument("--ruleset", type=Path, help=RULESET_HELP)
    route_cmd.set_defaults(command="route", handler=_route)

    rules_cmd = commands.add_parser("rules", help="show or check a ruleset")
    rules = rules_cmd.add_subparsers(title="rules commands", metavar="COMMAND", required=True)
    show = rules.add_parser("show", help="print the matrix in force as a table")
    show.add_argument("--ruleset", type=Path, help=RULESET_HELP)
    show.set_defaults(command="rules show", handler=_rules_show)
    check = rules.add_parser("check", help="validate a ruleset file; exit 0 if sound, 1 with the problems")
    check.add_argument("file", type=Path)
    check.set_defaults(command="rules check", handler=_rules_check)
    golden = rules.add_parser("golden", help="print every rating combination with its route, as TSV, for review")
    golden.add_argument("--ruleset", type=Path, help=RULESET_HELP)
    golden.set_defaults(command="rules golden", handler=_rules_golden)


def _route(args: argparse.Namespace) -> int:
    from triage.input_limits import oversized
    from triage.rules.engine import route
    from triage.rules.screening import Screening, ScreeningError, parse_screening

    in_force = ruleset(args.ruleset)
    document = read_json(args.file, fields=Screening.model_fields, each=True)
    if isinstance(document, list):
        results, failed = [], False
        for index, item in enumerate(document):
            try:
                too_big = oversized(item, Screening.model_fields) if isinstance(item, dict) else None
                if too_big is not None:
                    raise ScreeningError([too_big])
                results.append(route(parse_screening(item), in_force).to_contract())
            except ScreeningError as exc:
                failed = True
                results.append({"error": exc.problems})
                errors([f"[{index}].{problem}" for problem in exc.problems])
        print_json(results)
        return EXIT_INVALID if failed else EXIT_OK
    try:
        screening = parse_screening(document)
    except ScreeningError as exc:
        errors(exc.problems)
        return EXIT_INVALID
    print_json(route(screening, in_force).to_contract())
    return EXIT_OK


def _rules_show(args: argparse.Namespace) -> int:
    from triage.rules.table import render_ruleset

    sys.stdout.write(render_ruleset(ruleset(args.ruleset)))
    return EXIT_OK


def _rules_check(args: argparse.Namespace) -> int:
    from triage.rules.ruleset import load_ruleset

    checked = load_ruleset(args.file)
    status = "DRAFT -- every output will be marked as draft" if checked.is_draft else checked.status
    print(f"ok: {checked.id} {checked.version} ({status})")
    print(f"sha256: {checked.sha256}")
    print("all 2187 rating combinations give exactly one recommended destination")
    if checked.document.sha256 is None:
        print("note: declare `sha256: <the hash above>` in the file so an unreviewed edit is refused")
    return EXIT_OK


def _rules_golden(args: argparse.Namespace) -> int:
    from triage.rules.golden import golden_text

    sys.stdout.write(golden_text(ruleset(args.ruleset)))
    return EXIT_OK
