"""``triage init`` (a new encrypted store and its first admin) and ``triage users ...`` (the admin's
account management, and any user's own password). The account services (argon2, SQLCipher, the
store) are imported when one of these commands runs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage.cli.common import EXIT_OK, NEW_PASSWORD_ENV, RECOVERY_KEY_ENV, login, password, store_options, username

if TYPE_CHECKING:
    from triage.cli.common import Commands

ROLES = ("pwp", "team_leader", "admin", "service_manager")


def register(commands: Commands) -> None:
    """Add ``init`` and ``users`` to the top-level subparsers."""
    store = store_options()
    init_cmd = commands.add_parser(
        "init", parents=[store], help="create a new encrypted store and its first admin",
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
    users_add = users.add_parser("add", parents=[store], help="add a user; the new password comes from "
                                 "TRIAGE_NEW_PASSWORD, else it is asked twice")  # fmt: skip
    users_add.add_argument("username")
    users_add.add_argument("--role", required=True, choices=ROLES)
    users_add.add_argument("--display-name", help="the name shown in the app (default: the username)")
    users_add.set_defaults(command="users add", handler=_users_add)
    users_list = users.add_parser("list", parents=[store], help="list the accounts")
    users_list.set_defaults(command="users list", handler=_users_list)
    users_unlock = users.add_parser("unlock", parents=[store], help="unlock an account locked by failed logins")
    users_unlock.add_argument("username")
    users_unlock.set_defaults(command="users unlock", handler=_users_unlock)
    users_remove = users.add_parser(
        "remove", parents=[store], help="disable an account and remove its key wrap (it stays named in the audit trail)"
    )
    users_remove.add_argument("username")
    users_remove.set_defaults(command="users remove", handler=_users_remove)
    users_reset = users.add_parser("reset-password", parents=[store], help="set a user's new password "
                                   "(from TRIAGE_NEW_PASSWORD, else asked twice)")  # fmt: skip
    users_reset.add_argument("username")
    users_reset.set_defaults(command="users reset-password", handler=_users_reset_password)
    users_role = users.add_parser("set-role", parents=[store], help="change a user's role")
    users_role.add_argument("username")
    users_role.add_argument("role", choices=ROLES)
    users_role.set_defaults(command="users set-role", handler=_users_set_role)
    users_supervisor = users.add_parser(
        "set-supervisor", parents=[store], help="name the team leader who supervises a user (their supervision queue)",
        description="The screenings USERNAME flags to discuss in supervision join SUPERVISOR's supervision queue. "
        "SUPERVISOR must be an active team leader; --none removes the supervisor.",
    )  # fmt: skip
    users_supervisor.add_argument("username")
    chosen = users_supervisor.add_mutually_exclusive_group(required=True)
    chosen.add_argument("supervisor", nargs="?", help="the supervising team leader's username")
    chosen.add_argument("--none", action="store_true", help="no supervisor")
    users_supervisor.set_defaults(command="users set-supervisor", handler=_users_set_supervisor)
    users_passwd = users.add_parser("passwd", parents=[store], help="change your own password (any role; "
                                    "the new one from TRIAGE_NEW_PASSWORD, else asked twice)")  # fmt: skip
    users_passwd.set_defaults(command="users passwd", handler=_users_passwd)
    users_recover = users.add_parser(
        "recover", parents=[store], help="set a new password with the recovery key (every admin password lost)",
        description="The recovery key shown once at `triage init` opens the store without any password and sets a "
        "new password for USERNAME (audited as done with the recovery key). The key comes from TRIAGE_RECOVERY_KEY, "
        "else it is asked without echo; the new password from TRIAGE_NEW_PASSWORD, else asked twice.",
    )  # fmt: skip
    users_recover.add_argument("username")
    users_recover.set_defaults(command="users recover", handler=_users_recover)


def _init(args: argparse.Namespace) -> int:
    from triage.services.store_setup import create_store, encrypt_store

    admin = args.username or username()
    chosen = password("New password: ", twice=True)
    display = args.display_name or admin
    made = (encrypt_store if args.encrypt_existing else create_store)(args.database, admin, display, chosen)
    recovery = made.recovery_key
    from triage.store import resolve_database_url

    url = resolve_database_url(args.database)
    where = str(url.database) if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)
    print(f"ok: created the store at {where} with the admin {admin.strip().casefold()}")
    if recovery is not None:
        print(
            "\nRECOVERY KEY (shown once, stored nowhere in clear):\n\n    " + recovery + "\n\n"
            "Write it down or print it now and keep it locked away, apart from this computer. With it an admin "
            "can set a new password if every admin password is forgotten; without it the data would be lost. "
            "Back up the key file (" + str(Path(where).name) + ".keys) with the database: "
            "`triage db backup` copies both."
        )
    print(
        "\nADMIN KEY FINGERPRINT (write it on the same paper):\n\n    " + made.fingerprint + "\n\n"
        "Your key signs the audit trail at each login and backup; `triage db verify` and every backup print it. "
        "An auditor compares what they print with this: a different fingerprint means the trail's keys were replaced."
    )
    return EXIT_OK


def _show_admin_fingerprint(name: str, fingerprint: str | None, why: str) -> None:
    """An admin's key is an anchor of the audit trail: each new one goes on the paper (docs/access.md)."""
    if fingerprint is not None:
        print(
            f"\nADMIN KEY FINGERPRINT of {name} ({why}):\n\n    {fingerprint}\n\n"
            "Write it on the paper kept with the recovery key. `triage db verify` and every backup print each "
            "admin's fingerprint; an auditor compares them with the paper."
        )


def _users_add(args: argparse.Namespace) -> int:
    from triage.services.users import add_user, admin_fingerprint

    store, admin = login(args, "users")
    with store:
        new_password = password("New user's password: ", NEW_PASSWORD_ENV, twice=True)
        user = add_user(store, admin, args.username, args.display_name or args.username, args.role, new_password)
        print(f"ok: added {user.username} ({user.role})")
        _show_admin_fingerprint(user.username, admin_fingerprint(store, admin, user.username), "a new admin")
    return EXIT_OK


def _users_list(args: argparse.Namespace) -> int:
    from triage.services.users import list_users

    store, admin = login(args, "users")
    with store:
        for info in list_users(store, admin):
            state = "removed" if info.disabled_at else ("locked" if info.locked else "active")
            print(f"{info.username}\t{info.role}\t{state}\t{info.display_name}")
    return EXIT_OK


def _account_change(args: argparse.Namespace, change: Callable[..., None], done: str, *, new_key: str = "") -> int:
    """An admin's change to ``args.username``'s account: ``change(store, admin, username)``. ``new_key``:
    why the account may now hold an admin key to write down (its fingerprint is shown if so)."""
    name = args.username.strip().casefold()
    store, admin = login(args, "users")
    with store:
        change(store, admin, args.username)
        print(f"ok: {done.format(name=name)}")
        if new_key:
            from triage.services.users import admin_fingerprint

            _show_admin_fingerprint(name, admin_fingerprint(store, admin, name), new_key)
    return EXIT_OK


def _users_unlock(args: argparse.Namespace) -> int:
    from triage.services.users import unlock_account

    return _account_change(args, unlock_account, "unlocked {name}")


def _users_remove(args: argparse.Namespace) -> int:
    from triage.services.users import remove_user

    return _account_change(
        args, remove_user, "removed {name} (their key wrap is gone; the audit trail still names them)"
    )


def _users_reset_password(args: argparse.Namespace) -> int:
    from triage.services.users import reset_password

    def reset(store: Any, admin: Any, name: str) -> None:  # the new password is asked after the admin's
        reset_password(store, admin, name, password("New password: ", NEW_PASSWORD_ENV, twice=True))

    return _account_change(args, reset, "set a new password for {name}",
                           new_key="a new key: a password set by another admin; the old one is retired")  # fmt: skip


def _users_set_role(args: argparse.Namespace) -> int:
    from triage.services.users import set_role

    return _account_change(args, lambda store, admin, name: set_role(store, admin, name, args.role),
                           f"{{name}} is now {args.role}", new_key="now an admin")  # fmt: skip


def _users_set_supervisor(args: argparse.Namespace) -> int:
    from triage.services.meeting_queue import set_supervisor

    leader = None if args.none else args.supervisor
    done = "{name} has no supervisor" if leader is None else f"{{name}} is supervised by {leader.strip().casefold()}"
    return _account_change(args, lambda store, admin, name: set_supervisor(store, admin, name, leader), done)


def _users_passwd(args: argparse.Namespace) -> int:
    from triage.services.users import change_password

    store, user = login(args, None)
    with store:
        change_password(store, user, password(), password("New password: ", NEW_PASSWORD_ENV, twice=True))
    print(f"ok: changed the password of {user.username}")
    return EXIT_OK


def _users_recover(args: argparse.Namespace) -> int:
    from triage.services.store_setup import recover_with_recovery_key

    recovery = password("Recovery key: ", RECOVERY_KEY_ENV)
    new_password = password("New password: ", NEW_PASSWORD_ENV, twice=True)
    name = args.username.strip().casefold()
    fingerprint = recover_with_recovery_key(args.database, recovery, args.username, new_password)
    print(f"ok: set a new password for {name} with the recovery key")
    _show_admin_fingerprint(
        name, fingerprint, "a new key: a password set with the recovery key; the old one is retired"
    )
    return EXIT_OK
