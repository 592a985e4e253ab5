"""The command line: ``triage`` starts the desktop app; ``triage route`` and ``triage rules`` are the
headless face of the same rules; ``triage referrals`` and ``triage db`` work on the store (the
database named by ``--database``, else ``TRIAGE_DATABASE_URL``, else the user data folder). No Qt is
imported unless the app is started.

Exit status: 0 success; 1 a ruleset, check or operation failed; 2 invalid input or usage.
Messages never contain patient identifiers: rows are named by number and field, never by content.
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from triage import __version__

if TYPE_CHECKING:
    from triage.rules.ruleset import Ruleset

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
ACTOR_ENV = "TRIAGE_USER"
PASSWORD_ENV = "TRIAGE_PASSWORD"
NEW_PASSWORD_ENV = "TRIAGE_NEW_PASSWORD"
RECOVERY_KEY_ENV = "TRIAGE_RECOVERY_KEY"


class InputError(Exception):
    """Input that is not a readable JSON document; the message is safe to print."""


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
    from triage.rules.ruleset import RulesetError  # (imported here: the app's start does not need it)

    try:
        if args.self_test:
            from triage.ui.selftest import run_self_test  # Qt (offscreen) only for the self-test

            return run_self_test()
        if args.command is None:
            from triage.ui.app import run_app  # Qt only when the app is wanted

            return run_app(database=args.database)
        return int(args.handler(args))
    except RulesetError as exc:
        _errors(sys.stderr, [f"ruleset {exc.source}: {problem}" for problem in exc.problems])
        return EXIT_FAILED
    except InputError as exc:
        _errors(sys.stderr, [str(exc)])
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the store's errors, imported lazily with it
        return _store_failure(exc)


@lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
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
    # --database is accepted after the command too (triage db verify --database X).
    store_options = argparse.ArgumentParser(add_help=False)
    store_options.add_argument("--database", metavar="URL_OR_PATH", default=argparse.SUPPRESS, help=DATABASE_HELP)

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

    from triage.letters.command import register as register_letter

    register_letter(commands)

    init_cmd = commands.add_parser(
        "init", parents=[store_options], help="create a new encrypted store and its first admin",
        description="Create a new store (a local store is encrypted with SQLCipher; its key file is written beside "
        "it as <database>.keys) and its first admin account. The password comes from TRIAGE_PASSWORD, else it is "
        "asked twice without echo. Prints the recovery key ONCE. Refuses if a store already exists there.",
    )  # fmt: skip
    init_cmd.add_argument("--username", help="the first admin's username (default: $TRIAGE_USER, else asked)")
    init_cmd.add_argument("--display-name", help="the admin's name as shown in the app (default: the username)")
    init_cmd.add_argument("--encrypt-existing", action="store_true",
                          help="encrypt a plaintext store made by an older version, in place (one-off)")  # fmt: skip
    init_cmd.set_defaults(command="init", handler=_init)

    users_cmd = commands.add_parser("users", help="manage user accounts (admin)")
    users = users_cmd.add_subparsers(title="users commands", metavar="COMMAND", required=True)
    users_add = users.add_parser("add", parents=[store_options], help="add a user; the new password comes from "
                                 "TRIAGE_NEW_PASSWORD, else it is asked twice")  # fmt: skip
    users_add.add_argument("username")
    users_add.add_argument("--role", required=True, choices=("pwp", "team_leader", "admin"))
    users_add.add_argument("--display-name", help="the name shown in the app (default: the username)")
    users_add.set_defaults(command="users add", handler=_users_add)
    users_list = users.add_parser("list", parents=[store_options], help="list the accounts")
    users_list.set_defaults(command="users list", handler=_users_list)
    users_unlock = users.add_parser("unlock", parents=[store_options], help="unlock an account locked by failed logins")
    users_unlock.add_argument("username")
    users_unlock.set_defaults(command="users unlock", handler=_users_unlock)
    users_remove = users.add_parser("remove", parents=[store_options],
                                    help="disable an account and remove its key wrap (it stays named in the audit trail)")
    users_remove.add_argument("username")
    users_remove.set_defaults(command="users remove", handler=_users_remove)
    users_reset = users.add_parser("reset-password", parents=[store_options], help="set a user's new password "
                                   "(from TRIAGE_NEW_PASSWORD, else asked twice)")  # fmt: skip
    users_reset.add_argument("username")
    users_reset.set_defaults(command="users reset-password", handler=_users_reset_password)
    users_role = users.add_parser("set-role", parents=[store_options], help="change a user's role")
    users_role.add_argument("username")
    users_role.add_argument("role", choices=("pwp", "team_leader", "admin"))
    users_role.set_defaults(command="users set-role", handler=_users_set_role)
    users_passwd = users.add_parser("passwd", parents=[store_options], help="change your own password (any role; "
                                    "the new one from TRIAGE_NEW_PASSWORD, else asked twice)")  # fmt: skip
    users_passwd.set_defaults(command="users passwd", handler=_users_passwd)
    users_recover = users.add_parser(
        "recover", parents=[store_options], help="set a new password with the recovery key (every admin password lost)",
        description="The recovery key shown once at `triage init` opens the store without any password and sets a "
        "new password for USERNAME (audited as done with the recovery key). The key comes from TRIAGE_RECOVERY_KEY, "
        "else it is asked without echo; the new password from TRIAGE_NEW_PASSWORD, else asked twice.",
    )  # fmt: skip
    users_recover.add_argument("username")
    users_recover.set_defaults(command="users recover", handler=_users_recover)

    referrals_cmd = commands.add_parser("referrals", help="import or export referrals")
    referrals = referrals_cmd.add_subparsers(title="referrals commands", metavar="COMMAND", required=True)
    imp = referrals.add_parser(
        "import", parents=[store_options], help="import referrals from a JSON array or a CSV file with a header",
        description="Import referrals in one transaction. All or nothing unless --skip-invalid: any invalid row "
        "means nothing is written (exit 2), and every bad row is reported by row number and field.",
    )  # fmt: skip
    imp.add_argument("file", help="a .json or .csv file, or - for standard input")
    imp.add_argument("--format", choices=("json", "csv"),
                     help="the file's format (default: from its .json/.csv name, else JSON if it starts with [ or {)")  # fmt: skip
    imp.add_argument("--skip-invalid", action="store_true", help="import the valid rows and report the others")
    imp.set_defaults(command="referrals import", handler=_referrals_import)
    exp = referrals.add_parser("export", parents=[store_options], help="export every referral as JSON or CSV")
    exp.add_argument("--format", choices=("json", "csv"), help="json (default) or csv (default when --out ends .csv)")
    exp.add_argument("--out", type=Path, help="write to this file (atomically) instead of standard output")
    exp.set_defaults(command="referrals export", handler=_referrals_export)

    db_cmd = commands.add_parser("db", help="verify, back up or restore the database")
    db = db_cmd.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    verify = db.add_parser("verify", parents=[store_options],
                           help="integrity check and audit-chain verification; exit 0 if sound, 1 with the problems")  # fmt: skip
    verify.set_defaults(command="db verify", handler=_db_verify)
    backup = db.add_parser("backup", parents=[store_options],
                           help="copy the SQLite database to a new file, consistently, even while the app is writing")  # fmt: skip
    backup.add_argument("dest", type=Path, help="the backup file to create (must not exist)")
    backup.set_defaults(command="db backup", handler=_db_backup)
    restore = db.add_parser("restore", parents=[store_options],
                            help="replace the SQLite database with a verified backup (the old file is kept)")  # fmt: skip
    restore.add_argument("src", type=Path, help="the backup file")
    restore.set_defaults(command="db restore", handler=_db_restore)
    return parser


DATABASE_HELP = (
    "the database: a SQLite file path or postgresql+psycopg://user@host/dbname "
    "(default: $TRIAGE_DATABASE_URL, else triage.db in the user data folder)"
)


def _ruleset(path: Path | None) -> Ruleset:
    from triage.rules.ruleset import default_ruleset, load_ruleset

    return load_ruleset(path) if path else default_ruleset()


def _route(args: argparse.Namespace) -> int:
    from triage.rules.engine import route
    from triage.rules.screening import ScreeningError, parse_screening

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
    from triage.rules.table import render_ruleset

    sys.stdout.write(render_ruleset(_ruleset(args.ruleset)))
    return EXIT_OK


def _rules_check(args: argparse.Namespace) -> int:
    from triage.rules.ruleset import load_ruleset

    ruleset = load_ruleset(args.file)
    status = "DRAFT -- every output will be marked as draft" if ruleset.is_draft else ruleset.status
    print(f"ok: {ruleset.id} {ruleset.version} ({status})")
    print(f"sha256: {ruleset.sha256}")
    print("all 2187 rating combinations give exactly one recommended destination")
    if ruleset.document.sha256 is None:
        print("note: declare `sha256: <the hash above>` in the file so an unreviewed edit is refused")
    return EXIT_OK


def _rules_golden(args: argparse.Namespace) -> int:
    from triage.rules.golden import golden_text

    sys.stdout.write(golden_text(_ruleset(args.ruleset)))
    return EXIT_OK


# --- the store -------------------------------------------------------------------------------------


def _username() -> str:
    """The username to log in with: TRIAGE_USER, else asked on the terminal."""
    name = os.environ.get(ACTOR_ENV, "").strip()
    if not name:
        sys.stderr.write("Username: ")
        sys.stderr.flush()
        name = sys.stdin.readline().strip()
    if not name:
        raise InputError(f"a username is needed: set {ACTOR_ENV} or type it when asked")
    return name


def _password(prompt: str = "Password: ", env: str = PASSWORD_ENV, *, twice: bool = False) -> str:
    """From the environment (automation), else asked without echo (twice for a new password)."""
    value = os.environ.get(env)
    if value:
        return value
    first = getpass.getpass(prompt)
    if twice and getpass.getpass("Again: ") != first:
        raise InputError("the two passwords differ; nothing was changed")
    if not first:
        raise InputError(f"a password is needed: set {env} or type it when asked")
    return first


def _login(args: argparse.Namespace, action: str | None, *, migrate: bool = True, database: Any = None) -> Any:
    """Log in (TRIAGE_USER / TRIAGE_PASSWORD, else asked) to the store named by --database /
    TRIAGE_DATABASE_URL / the default, and check the user's role allows ``action``. Returns
    (store, user). A missing store is an error: a mistyped path must not make a new one."""
    from triage.services.login import open_authenticated
    from triage.services.permissions import require
    from triage.store import resolve_database_url

    url = resolve_database_url(database if database is not None else args.database)
    if url.get_backend_name() == "sqlite" and not Path(str(url.database)).is_file():
        raise InputError(f"database: there is no database at {url.database} (create one with `triage init`)")
    username = _username()
    store, user = open_authenticated(url.render_as_string(hide_password=False), username, _password(),
                                     migrate=migrate)  # fmt: skip
    try:
        if action is not None:  # refused before any work; the services check again
            require(user, action, store=store)  # type: ignore[arg-type]
    except BaseException:
        store.close()
        raise
    return store, user


def _init(args: argparse.Namespace) -> int:
    from triage.services.store_setup import encrypt_existing, initialise_store

    username = args.username or _username()
    password = _password("New password: ", twice=True)
    display = args.display_name or username
    if args.encrypt_existing:
        recovery = encrypt_existing(args.database, username, display, password)
    else:
        recovery = initialise_store(args.database, username, display, password)
    from triage.store import resolve_database_url

    url = resolve_database_url(args.database)
    where = str(url.database) if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)
    print(f"ok: created the store at {where} with the admin {username.strip().casefold()}")
    if recovery is not None:
        print(
            "\nRECOVERY KEY (shown once, stored nowhere in clear):\n\n    " + recovery + "\n\n"
            "Write it down or print it now and keep it locked away, apart from this computer. With it an admin "
            "can set a new password if every admin password is forgotten; without it the data would be lost. "
            "Back up the key file (" + str(Path(where).name) + ".keys) with the database: "
            "`triage db backup` copies both."
        )
    return EXIT_OK


def _users_add(args: argparse.Namespace) -> int:
    from triage.services.users import add_user

    store, admin = _login(args, "users")
    with store:
        password = _password("New user's password: ", NEW_PASSWORD_ENV, twice=True)
        user = add_user(store, admin, args.username, args.display_name or args.username, args.role, password)
    print(f"ok: added {user.username} ({user.role})")
    return EXIT_OK


def _users_list(args: argparse.Namespace) -> int:
    from triage.services.users import list_users

    store, admin = _login(args, "users")
    with store:
        for info in list_users(store, admin):
            state = "removed" if info.disabled_at else ("locked" if info.locked else "active")
            print(f"{info.username}\t{info.role}\t{state}\t{info.display_name}")
    return EXIT_OK


def _account_change(args: argparse.Namespace, change: Callable[..., None], done: str) -> int:
    """An admin's change to ``args.username``'s account: ``change(store, admin, username)``."""
    store, admin = _login(args, "users")
    with store:
        change(store, admin, args.username)
    print(f"ok: {done.format(name=args.username.strip().casefold())}")
    return EXIT_OK


def _users_unlock(args: argparse.Namespace) -> int:
    from triage.services.users import unlock_account

    return _account_change(args, unlock_account, "unlocked {name}")


def _users_remove(args: argparse.Namespace) -> int:
    from triage.services.users import remove_user

    return _account_change(args, remove_user, "removed {name} (their key wrap is gone; the audit trail still names them)")


def _users_reset_password(args: argparse.Namespace) -> int:
    from triage.services.users import reset_password

    def reset(store: Any, admin: Any, name: str) -> None:  # the new password is asked after the admin's
        reset_password(store, admin, name, _password("New password: ", NEW_PASSWORD_ENV, twice=True))

    return _account_change(args, reset, "set a new password for {name}")


def _users_set_role(args: argparse.Namespace) -> int:
    from triage.services.users import set_role

    return _account_change(args, lambda store, admin, name: set_role(store, admin, name, args.role),
                           f"{{name}} is now {args.role}")  # fmt: skip


def _users_passwd(args: argparse.Namespace) -> int:
    from triage.services.users import change_password

    store, user = _login(args, None)
    with store:
        change_password(store, user, _password(), _password("New password: ", NEW_PASSWORD_ENV, twice=True))
    print(f"ok: changed the password of {user.username}")
    return EXIT_OK


def _users_recover(args: argparse.Namespace) -> int:
    from triage.services.store_setup import recover_with_recovery_key

    recovery = _password("Recovery key: ", RECOVERY_KEY_ENV)
    new_password = _password("New password: ", NEW_PASSWORD_ENV, twice=True)
    recover_with_recovery_key(args.database, recovery, args.username, new_password)
    print(f"ok: set a new password for {args.username.strip().casefold()} with the recovery key")
    return EXIT_OK


def _referrals_import(args: argparse.Namespace) -> int:
    from triage.services.transfer import import_file

    where = "standard input" if args.file == "-" else args.file
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError:
        raise InputError(f"input: {where} cannot be read") from None
    suffix = Path(args.file).suffix.lower().lstrip(".")
    fmt = args.format or (suffix if suffix in ("json", "csv") else None)
    store, user = _login(args, "import")
    with store:
        report = import_file(store, user, raw, fmt=fmt, skip_invalid=args.skip_invalid)
    _errors(sys.stderr, [f"row {number}: {problem}" for number, problem in report.problems])
    if report.written == 0:
        if report.rows == 0:
            print("imported 0 referrals: the file holds no rows")
            return EXIT_OK
        _errors(sys.stderr, [f"nothing was imported: {report.bad_rows} of {report.rows} rows are invalid"])
        return EXIT_INVALID
    line = f"imported {report.written} referrals ({report.duplicates} flagged as possible duplicates of an open referral)"
    if report.bad_rows:
        line += f"; skipped {report.bad_rows} invalid rows (listed on standard error)"
        sys.stderr.write(f"warning: {report.bad_rows} of {report.rows} rows were invalid and were NOT imported\n")
    print(line)
    return EXIT_OK


def _referrals_export(args: argparse.Namespace) -> int:
    from triage.services.transfer import export_to_file, export_to_stream

    fmt = args.format or ("csv" if args.out is not None and args.out.suffix.lower() == ".csv" else "json")
    store, user = _login(args, "export")
    with store:
        if args.out is not None:
            count = export_to_file(store, user, args.out, fmt)
            print(f"exported {count} referrals to {args.out} ({fmt})")
            return EXIT_OK
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=False)
        try:
            export_to_stream(store, user, stream, fmt)
        finally:
            try:
                stream.flush()
            finally:
                stream.detach()
    return EXIT_OK


def _db_verify(args: argparse.Namespace) -> int:
    from triage.services.maintenance import verify_store
    from triage.store import head_revision, schema_revision

    store, user = _login(args, "verify", migrate=False)
    with store:
        problems = verify_store(store, user, older_schema_ok=True)
        revision = schema_revision(store.engine)
        described = store.describe()
    if problems:
        _errors(sys.stderr, problems)
        print(f"FAILED: {len(problems)} problems in {described}")
        return EXIT_FAILED
    print(f"ok: {described} is sound (integrity check, database guards, audit chain, every referral audited)")
    if revision != head_revision():
        print(f"note: its schema is at revision {revision}; it will be brought up to {head_revision()} "
              "when triage next opens it")  # fmt: skip
    return EXIT_OK


def _db_backup(args: argparse.Namespace) -> int:
    from triage.services.maintenance import back_up
    from triage.store import resolve_database_url

    if resolve_database_url(args.database).get_backend_name() != "sqlite":
        raise InputError(
            "db backup works on a SQLite file; a PostgreSQL server is backed up and restored with its own tools "
            "(pg_dump and pg_restore, or pg_basebackup)"
        )
    store, user = _login(args, "backup", migrate=False)
    with store:
        written = back_up(store, user, args.dest)
    print(f"ok: backed up to {written} and verified")
    return EXIT_OK


def _db_restore(args: argparse.Namespace) -> int:
    from triage.services.maintenance import restore
    from triage.store import resolve_database_url

    url = resolve_database_url(args.database)
    if url.get_backend_name() != "sqlite":
        raise InputError(
            "db restore works on a SQLite file; a PostgreSQL server is backed up and restored with its own tools "
            "(pg_dump and pg_restore, or pg_basebackup)"
        )
    target = Path(str(url.database))
    if target.is_file():  # log in to the store being replaced
        store, user = _login(args, "restore", migrate=False)
        previous = restore(store, user, args.src, target)
    else:
        previous = _restore_without_a_store(args, target)
    print(f"ok: restored {url.database} from {args.src}, verified")
    if previous is not None:
        print(f"the database it replaced is kept as {previous}")
    return EXIT_OK


def _restore_without_a_store(args: argparse.Namespace, target: Path) -> Path | None:
    """On a computer without the store, log in to a throwaway copy of the backup (with its key file):
    logging in writes to a store (the login event, the WAL), and the backup must stay as it was."""
    import shutil
    import tempfile

    from triage.services.maintenance import restore

    source = Path(args.src)
    with tempfile.TemporaryDirectory(prefix="triage-restore-") as folder:
        for suffix in ("", ".keys"):
            if Path(f"{source}{suffix}").is_file():
                shutil.copy2(f"{source}{suffix}", Path(folder) / f"backup.db{suffix}")
        store, user = _login(args, "restore", migrate=False, database=str(Path(folder) / "backup.db"))
        return restore(store, user, source, target)


def _store_failure(exc: Exception) -> int:
    """The store's errors as one safe line each. Their messages never carry identifiers; an
    unexpected database error is named by type only (its text could quote a value)."""
    from sqlalchemy.exc import SQLAlchemyError

    from triage.services.inputs import InvalidInput
    from triage.services.transfer import TransferError
    from triage.store.errors import StoreError, StoreLocationError

    if isinstance(exc, (StoreLocationError, TransferError, InvalidInput)):
        _errors(sys.stderr, [str(exc)])
        return EXIT_INVALID
    if isinstance(exc, StoreError):
        _errors(sys.stderr, [str(exc)])
        return EXIT_FAILED
    if isinstance(exc, SQLAlchemyError):
        _errors(sys.stderr, [f"the database cannot be used ({type(exc).__name__}); check --database and that "
                             "the server is running"])  # fmt: skip
        return EXIT_FAILED
    if isinstance(exc, BrokenPipeError):
        return EXIT_FAILED
    if isinstance(exc, OSError):
        _errors(sys.stderr, [f"{exc.strerror or type(exc).__name__}" + (f": {exc.filename}" if exc.filename else "")])
        return EXIT_FAILED
    raise exc


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
