"""The command line: ``triage`` starts the desktop app; ``triage route`` and ``triage rules`` are the
headless face of the same rules. No Qt is imported unless the app is started.

Exit status: 0 success; 1 a ruleset or check failed; 2 invalid input or usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from triage import __version__
from triage.rules.engine import route
from triage.rules.golden import golden_text
from triage.rules.ruleset import Ruleset, RulesetError, default_ruleset, load_ruleset
from triage.rules.screening import ScreeningError, parse_screening
from triage.rules.table import render_ruleset

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


class InputError(Exception):
    """Input that is not a readable JSON document; the message is safe to print."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from triage.ui.app import run_app  # Qt only when the app is wanted

            return run_app()
        return int(args.handler(args))
    except RulesetError as exc:
        _errors(sys.stderr, [f"ruleset {exc.source}: {problem}" for problem in exc.problems])
        return EXIT_FAILED
    except InputError as exc:
        _errors(sys.stderr, [str(exc)])
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130


@lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage",
        description="Referral triage assistant for NHS Talking Therapies. With no command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"triage {__version__}")
    parser.set_defaults(command=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    route_cmd = commands.add_parser("route", help="route screenings given as JSON (see README)")
    route_cmd.add_argument("file", nargs="?", default="-", help="a JSON file, or - for standard input (default)")
    route_cmd.add_argument("--ruleset", type=Path, help="a ruleset file instead of the one in force")
    route_cmd.set_defaults(command="route", handler=_route)

    rules_cmd = commands.add_parser("rules", help="show or check a ruleset")
    rules = rules_cmd.add_subparsers(title="rules commands", metavar="COMMAND", required=True)
    show = rules.add_parser("show", help="print the matrix in force as a table")
    show.add_argument("--ruleset", type=Path, help="a ruleset file instead of the one in force")
    show.set_defaults(command="rules show", handler=_rules_show)
    check = rules.add_parser("check", help="validate a ruleset file; exit 0 if sound, 1 with the problems")
    check.add_argument("file", type=Path)
    check.set_defaults(command="rules check", handler=_rules_check)
    golden = rules.add_parser("golden", help="print every rating combination with its route, as TSV, for review")
    golden.add_argument("--ruleset", type=Path, help="a ruleset file instead of the one in force")
    golden.set_defaults(command="rules golden", handler=_rules_golden)
    return parser


def _ruleset(path: Path | None) -> Ruleset:
    return load_ruleset(path) if path else default_ruleset()


def _route(args: argparse.Namespace) -> int:
    ruleset = _ruleset(args.ruleset)
    document = _read_json(args.file)
    if isinstance(document, list):
        results, failed = [], False
        for index, item in enumerate(document):
            try:
                results.append(route(parse_screening(item), ruleset).to_contract())
            except ScreeningError as exc:
                failed = True
                results.append({"error": exc.problems})
                _errors(sys.stderr, [f"[{index}].{problem}" for problem in exc.problems])
        _print_json(results)
        return EXIT_INVALID if failed else EXIT_OK
    try:
        screening = parse_screening(document)
    except ScreeningError as exc:
        _errors(sys.stderr, exc.problems)
        return EXIT_INVALID
    _print_json(route(screening, ruleset).to_contract())
    return EXIT_OK


def _rules_show(args: argparse.Namespace) -> int:
    sys.stdout.write(render_ruleset(_ruleset(args.ruleset)))
    return EXIT_OK


def _rules_check(args: argparse.Namespace) -> int:
    ruleset = load_ruleset(args.file)
    status = "DRAFT -- every output will be marked as draft" if ruleset.is_draft else ruleset.status
    print(f"ok: {ruleset.id} {ruleset.version} ({status})")
    print(f"sha256: {ruleset.sha256}")
    print("all 2187 rating combinations give exactly one recommended destination")
    if ruleset.document.sha256 is None:
        print("note: declare `sha256: <the hash above>` in the file so an unreviewed edit is refused")
    return EXIT_OK


def _rules_golden(args: argparse.Namespace) -> int:
    sys.stdout.write(golden_text(_ruleset(args.ruleset)))
    return EXIT_OK


def _read_json(name: str) -> Any:
    where = "standard input" if name == "-" else name
    try:
        raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError:
        raise InputError(f"input: {where} cannot be read") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"input: {where} is not UTF-8 text") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InputError(f"input: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InputError("input: JSON nested too deeply") from None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; a screening with "risk" twice must not be guessed at.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InputError(f"{key}: given more than once in the same object")
        result[key] = value
    return result


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _errors(stream: TextIO, problems: Sequence[str]) -> None:
    for problem in problems:
        stream.write(f"error: {problem}\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
