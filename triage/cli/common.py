"""What every command group shares: the exit statuses, reading JSON input, printing, the ruleset in
force, and logging in to the store (the username and password from the environment, else asked).

Light on purpose: building the parser imports this module, so its heavy imports (the rules, the
store, the account services) are made inside the functions that need them.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from triage.rules.ruleset import Ruleset

    # What each command group's register() adds its parsers to: the top level's subparsers.
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
ACTOR_ENV = "TRIAGE_USER"
PASSWORD_ENV = "TRIAGE_PASSWORD"
NEW_PASSWORD_ENV = "TRIAGE_NEW_PASSWORD"
RECOVERY_KEY_ENV = "TRIAGE_RECOVERY_KEY"

DATABASE_HELP = (
    "the database: a SQLite file path or postgresql+psycopg://user@host/dbname "
    "(default: $TRIAGE_DATABASE_URL, else triage.db in the user data folder)"
)


class InputError(Exception):
    """Input that is not a readable JSON document; the message is safe to print."""


def store_options() -> argparse.ArgumentParser:
    """The parent parser of every store command: --database is accepted after the command too
    (triage db verify --database X)."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--database", metavar="URL_OR_PATH", default=argparse.SUPPRESS, help=DATABASE_HELP)
    return options


def ruleset(path: Path | None) -> Ruleset:
    """The ruleset file given, else the one in force."""
    from triage.rules.ruleset import default_ruleset, load_ruleset

    return load_ruleset(path) if path else default_ruleset()


# --- input and output ----------------------------------------------------------------------------


def read_json(name: str, *, private: bool = False, fields: Collection[str] = (), each: bool = False) -> Any:
    """The JSON document in the file ``name`` (- for standard input). ``private`` input is made of
    identifiers: its file is called FILE and a repeated key is not named (a file name or a key could
    hold a patient's name). Sizes are limited (triage.input_limits); a problem names only the keys
    in ``fields``. ``each``: an array's elements are the caller's to check (``oversized``), one by one."""
    from triage.input_limits import MAX_DOCUMENT_BYTES, json_number_hooks, oversized

    where = "standard input" if name == "-" else ("FILE" if private else name)
    try:
        if name == "-":
            raw = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        else:
            with Path(name).open("rb") as stream:
                raw = stream.read(MAX_DOCUMENT_BYTES + 1)
    except OSError:
        raise InputError(f"input: {where} cannot be read") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InputError(f"input: {where} is larger than {MAX_DOCUMENT_BYTES // 1_000_000} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"input: {where} is not UTF-8 text") from None
    if private:
        fields = ()
    try:
        document = json.loads(text, object_pairs_hook=_duplicates_refused(fields), **json_number_hooks())
    except json.JSONDecodeError as exc:
        raise InputError(f"input: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InputError("input: JSON nested too deeply") from None
    problem = None if each and isinstance(document, list) else oversized(document, fields)
    if problem is not None:
        raise InputError(problem)
    return document


def _duplicates_refused(fields: Collection[str]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """json keeps the last of two equal keys; a screening with "risk" twice must not be guessed at.
    The key is named only if it is one of ``fields`` (any other key could be an identifier)."""

    def refuse(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                what = f"{key}:" if key in fields else "input: a field is"
                raise InputError(f"{what} given more than once in the same object")
            result[key] = value
        return result

    return refuse


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def errors(problems: Sequence[str]) -> None:
    """One ``error: ...`` line per problem on standard error (looked up at each call: tests replace it)."""
    for problem in problems:
        sys.stderr.write(f"error: {problem}\n")


# --- logging in ----------------------------------------------------------------------------------


def username() -> str:
    """The username to log in with: TRIAGE_USER, else asked on the terminal."""
    name = os.environ.get(ACTOR_ENV, "").strip()
    if not name:
        sys.stderr.write("Username: ")
        sys.stderr.flush()
        name = sys.stdin.readline().strip()
    if not name:
        raise InputError(f"a username is needed: set {ACTOR_ENV} or type it when asked")
    return name


def password(prompt: str = "Password: ", env: str = PASSWORD_ENV, *, twice: bool = False) -> str:
    """From the environment (automation), else asked without echo (twice for a new password). With
    no terminal to ask on (a script, a service, stdin closed) it says which variable to set."""
    value = os.environ.get(env)
    if value:
        return value
    first = _ask(prompt, env)
    if twice and _ask("Again: ", env) != first:
        raise InputError("the two passwords differ; nothing was changed")
    if not first:
        raise InputError(f"a password is needed: set {env} or type it when asked")
    return first


_ASKED_FOR = {PASSWORD_ENV: "password", NEW_PASSWORD_ENV: "new password", RECOVERY_KEY_ENV: "recovery key"}


def _ask(prompt: str, env: str) -> str:
    # Without a terminal getpass falls back to reading standard input with echo (and a warning), and
    # dies with EOFError when that is empty or closed: neither is a way to take a password.
    try:
        if not _has_terminal():
            raise EOFError
        return getpass.getpass(prompt)
    except EOFError:
        raise InputError(f"no terminal to ask for the {_ASKED_FOR.get(env, 'password')}; set {env}") from None


def _has_terminal() -> bool:
    if sys.stdin is not None and sys.stdin.isatty():
        return True
    if os.name == "nt":  # pragma: no cover - getpass reads the console, which is the standard input
        return False
    try:
        with open("/dev/tty", "rb"):
            return True
    except OSError:
        return False


def looks_like_a_store(path: Path) -> bool:
    """Whether the file at ``path`` can be a SQLite store at all: SQLite writes whole pages of at least
    512 bytes, so an empty (0-byte) or cut-short file is not one, and must not be opened (opening
    would write an empty schema into it). Only ``triage init`` makes a store."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    return size > 0 and size % 512 == 0


def login(args: argparse.Namespace, action: str | None, *, migrate: bool = True, database: Any = None) -> Any:
    """Log in (TRIAGE_USER / TRIAGE_PASSWORD, else asked) to the store named by --database /
    TRIAGE_DATABASE_URL / the default, and check the user's role allows ``action``. Returns
    (store, user). A missing store is an error: a mistyped path must not make a new one."""
    from triage.services.login import open_authenticated
    from triage.services.permissions import require
    from triage.store import resolve_database_url

    url = resolve_database_url(database if database is not None else args.database)
    if url.get_backend_name() == "sqlite" and not Path(str(url.database)).is_file():
        raise InputError(f"database: there is no database at {url.database} (create one with `triage init`)")
    if url.get_backend_name() == "sqlite" and not looks_like_a_store(Path(str(url.database))):
        empty = Path(str(url.database)).stat().st_size == 0
        what = "it is empty (0 bytes)" if empty else "it is cut short, part of the way through a page"
        raise InputError(f"database: the file at {url.database} is not a triage store ({what}); "
                         "nothing was opened or changed. Restore it from a backup with `triage db restore`")  # fmt: skip
    name = username()
    store, user = open_authenticated(url.render_as_string(hide_password=False), name, password(),
                                     migrate=migrate)  # fmt: skip
    try:
        if action is not None:  # refused before any work; the services check again
            require(user, action, store=store)  # type: ignore[arg-type]
    except BaseException:
        store.close()
        raise
    return store, user
