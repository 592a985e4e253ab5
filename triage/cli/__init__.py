"""The command line: ``triage`` starts the desktop app; ``triage route`` and ``triage rules`` are the
headless face of the same rules; ``triage referrals`` and ``triage db`` work on the store (the
database named by ``--database``, else ``TRIAGE_DATABASE_URL``, else the user data folder). No Qt is
imported unless the app is started.

Exit status: 0 success; 1 a ruleset, check or operation failed; 2 invalid input or usage.
Messages never contain patient identifiers: rows are named by number and field, never by content.

One module per command group, each with a ``register(commands)`` that adds its parsers:

- rules.py      ``route`` and ``rules show|check|golden``
- letter.py     ``letter`` (the input is checked by triage.letters.command)
- users.py      ``init`` and ``users ...``
- referrals.py  ``referrals import|export|show``
- db.py         ``db verify|backup|restore``
- settings.py   ``settings show|import`` (the service's settings in the store)
- teams.py      ``teams add|list|join|leave`` and ``referrals assign|team``
- report.py     ``report NAME --from --to`` (the service's reports)
- common.py     the exit statuses, JSON input and output, the ruleset in force, logging in

Building the parser imports only argparse and those modules: each command imports the rules, the
letters, the store or the account services when it runs, so ``triage route`` does not pay for
SQLAlchemy, reportlab or argon2 (tests/test_cli.py checks this).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from triage import __version__
from triage.cli.common import DATABASE_HELP, EXIT_FAILED, EXIT_INVALID, InputError, errors

_NOT_THE_APP = object()


def _app_database(arguments: list[str]) -> Any:
    """For ``triage`` alone or with only ``--database X``: the database to start the app on (None for
    the default). Anything else is a command: ``_NOT_THE_APP``. Starting the app this way builds no
    parser and imports none of the command-line machinery: the login window shows sooner."""
    if not arguments:
        return None
    if len(arguments) == 2 and arguments[0] == "--database" and not arguments[1].startswith("-"):
        return arguments[1]
    if len(arguments) == 1 and arguments[0].startswith("--database=") and len(arguments[0]) > len("--database="):
        return arguments[0].split("=", 1)[1]
    return _NOT_THE_APP


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    database = _app_database(arguments)
    if database is not _NOT_THE_APP:
        from triage.ui.app import run_app  # Qt only when the app is wanted

        return run_app(database=database)
    parser = _parser()
    args = parser.parse_args(arguments)
    if args.self_test and args.command is not None:
        parser.error("--self-test takes no command")
    try:
        if args.self_test:
            from triage.ui.selftest import run_self_test  # Qt (offscreen) only for the self-test

            return run_self_test()
        if args.command is None:
            from triage.ui.app import run_app  # Qt only when the app is wanted

            return run_app(database=args.database)
        return int(args.handler(args))
    except InputError as exc:
        errors([str(exc)])
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the rules' and the store's errors, imported lazily with them
        return _failure(exc)


@lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    from triage.cli import db, letter, referrals, report, rules, settings, teams, users

    parser = argparse.ArgumentParser(
        prog="triage",
        description="Referral triage assistant for NHS Talking Therapies. With no command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"triage {__version__}")
    parser.add_argument("--database", metavar="URL_OR_PATH", default=None, help=DATABASE_HELP)
    parser.add_argument(
        "--self-test", action="store_true",
        help="check this installation offscreen in a temporary folder (store and migrations, the main window, "
        "the whole matrix against its golden table, every letter, page 1 rendered); exit 0, or 1 saying what failed",
    )  # fmt: skip
    parser.set_defaults(command=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in (rules, letter, users, teams, referrals, report, db, settings):  # the order of the help's list
        group.register(commands)
    return parser


def _database_failure(exc: Exception) -> str:
    """An unexpected database error, named by type: a local file's is not a server's (a server may be down;
    a file's own damage is reported as such by triage.store.tamper before it gets here)."""
    driver = type(getattr(exc, "orig", None)).__module__ or ""
    if driver.startswith(("sqlite3", "sqlcipher3")):
        return (f"the database file cannot be used ({type(exc).__name__}); check --database, that the disk "
                "is not full and the folder can be written to; `triage db verify` checks the file")  # fmt: skip
    return f"the database cannot be used ({type(exc).__name__}); check --database and that the server is running"


def _failure(exc: Exception) -> int:
    """A ruleset's or the store's errors as one safe line each. Their messages never carry
    identifiers; an unexpected database error is named by type only (its text could quote a value).
    Each error class is imported here, after the fact, so that no command pays for another's."""
    from triage.rules.ruleset import RulesetError

    if isinstance(exc, RulesetError):
        errors([f"ruleset {exc.source}: {problem}" for problem in exc.problems])
        return EXIT_FAILED
    from sqlalchemy.exc import SQLAlchemyError

    from triage.services.inputs import InvalidInput
    from triage.services.transfer import TransferError
    from triage.store.errors import StoreError, StoreLocationError

    if isinstance(exc, (StoreLocationError, TransferError, InvalidInput)):
        errors([str(exc)])
        return EXIT_INVALID
    if isinstance(exc, StoreError):
        errors([str(exc)])
        return EXIT_FAILED
    if isinstance(exc, SQLAlchemyError):
        errors([_database_failure(exc)])
        return EXIT_FAILED
    if isinstance(exc, BrokenPipeError):
        return EXIT_FAILED
    if isinstance(exc, OSError):
        errors([f"{exc.strerror or type(exc).__name__}" + (f": {exc.filename}" if exc.filename else "")])
        return EXIT_FAILED
    raise exc
