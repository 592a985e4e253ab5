"""``triage teams add|list|join|leave`` (an admin's) and ``triage referrals assign|team`` (a
clinician's): teams, their members, and a referral's team and assigned clinician, through
services/teams.py, which checks and audits each. A refusal is one line naming the field."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from triage.cli.common import EXIT_OK, InputError, login, print_json, store_options

if TYPE_CHECKING:
    from triage.cli.common import Commands

REFERRAL_HELP = "the referral's id or its service reference (e.g. DON-000123)"


def register(commands: Commands) -> None:
    """Add ``teams`` to the top-level subparsers."""
    store = store_options()
    teams_cmd = commands.add_parser("teams", help="manage teams and their members (admin)")
    teams = teams_cmd.add_subparsers(title="teams commands", metavar="COMMAND", required=True)
    add = teams.add_parser("add", parents=[store], help="add a team")
    add.add_argument("code", metavar="CODE", help="2 to 20 capital letters, digits or hyphens, e.g. DON-NORTH")
    add.add_argument("name", metavar="NAME", help="the team's name")
    add.set_defaults(command="teams add", handler=_add)
    listing = teams.add_parser("list", parents=[store], help="list the teams and their members")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(command="teams list", handler=_list)
    for name, text in (("join", "put a user in a team"), ("leave", "take a user out of a team")):
        cmd = teams.add_parser(name, parents=[store], help=text)
        cmd.add_argument("code", metavar="CODE", help="the team's code")
        cmd.add_argument("username", metavar="USER", help="the user's username")
        cmd.set_defaults(command=f"teams {name}", handler=_membership, join=name == "join")


def register_referral_commands(referrals: Commands, store: argparse.ArgumentParser) -> None:
    """Add ``assign`` and ``team`` to ``triage referrals``."""
    assign = referrals.add_parser("assign", parents=[store], help="assign a referral to a clinician, or to nobody")
    assign.add_argument("id", metavar="REFERENCE_OR_ID", help=REFERRAL_HELP)
    assign.add_argument("target", metavar="USER", nargs="?", help="the clinician's username")
    assign.add_argument("--none", action="store_true", help="assign it to nobody")
    assign.set_defaults(command="referrals assign", handler=_assign)
    team = referrals.add_parser("team", parents=[store], help="move a referral into a team, or to none")
    team.add_argument("id", metavar="REFERENCE_OR_ID", help=REFERRAL_HELP)
    team.add_argument("target", metavar="CODE", nargs="?", help="the team's code")
    team.add_argument("--none", action="store_true", help="the whole service's: no team")
    team.set_defaults(command="referrals team", handler=_team)


def _add(args: argparse.Namespace) -> int:
    from triage.services.teams import add_team

    store, user = login(args, "users")
    with store:
        add_team(store, user, args.code, args.name)
    print(f"added team {args.code.strip().upper()}")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from triage.services.teams import list_teams

    store, user = login(args, "users")
    with store:
        teams = list_teams(store, user)
    if args.format == "json":
        print_json([{"code": code, "name": name, "members": list(members)} for code, name, members in teams])
    for code, name, members in teams if args.format == "text" else ():
        print(f"{code}  {name}  members: {', '.join(members) or 'none'}")
    return EXIT_OK


def _membership(args: argparse.Namespace) -> int:
    from triage.services.teams import join_team, leave_team

    store, user = login(args, "users")
    with store:
        (join_team if args.join else leave_team)(store, user, args.code, args.username)
    print(f"{'joined' if args.join else 'left'}: {args.username.strip().casefold()} {args.code.strip().upper()}")
    return EXIT_OK


def _target(args: argparse.Namespace, field: str) -> str | None:
    if args.none == (args.target is not None):
        raise InputError(f"{field}: give one {field}, or --none")
    return None if args.none else str(args.target)


def _assign(args: argparse.Namespace) -> int:
    from triage.services.teams import assign_clinician

    target = _target(args, "clinician")
    store, user = login(args, "create_referral")
    with store:
        assign_clinician(store, user, args.id, target)
    print(f"assigned clinician: {target.strip().casefold() if target else 'nobody'}")
    return EXIT_OK


def _team(args: argparse.Namespace) -> int:
    from triage.services.teams import set_referral_team

    target = _target(args, "team")
    store, user = login(args, "create_referral")
    with store:
        set_referral_team(store, user, args.id, target)
    print(f"team: {target.strip().upper() if target else 'none'}")
    return EXIT_OK
