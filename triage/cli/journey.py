"""``triage referrals offer-opt-in|opt-in|contact|treatment|close|inappropriate|letters-not-sent``: the referral's
journey from the command line (docs/journey.md), as the app records it: each checked and audited by
the services, each refusal one line naming what is not allowed, with nothing written."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from triage.cli.common import EXIT_OK, InputError, login, print_json

if TYPE_CHECKING:
    from triage.cli.common import Commands

WHEN_HELP = "when, as YYYY-MM-DD HH:MM on this computer's clock (default: now)"
# The store's vocabularies (triage/store/vocabulary.py), written out: building the parser must not load
# the store (a test checks the two stay equal).
CONTACT_CHANNELS = ("telephone", "text_message", "letter", "email", "online", "in_person")
CONTACT_OUTCOMES = ("reached", "no_answer", "voicemail_left", "message_sent", "wrong_number")
CLOSE_REASONS = (
    "referred_on", "treatment_started", "declined", "no_contact", "not_suitable", "moved_away", "duplicate", "other"
)  # fmt: skip
INAPPROPRIATE_REASONS = (
    "substance_dependency", "needs_secondary_care", "outside_remit", "not_consented", "missing_information", "other"
)  # fmt: skip


def register_journey(referrals: Commands, store: argparse.ArgumentParser) -> None:
    """Add the journey's commands to ``triage referrals``."""
    for name, kind, text in (("offer-opt-in", "opt_in_offered", "record that the opt-in was offered (how and when)"),
                             ("opt-in", "opted_in", "record that the person opted in (contact made)"),
                             ("contact", "attempt", "record an attempt to reach the person and its outcome")):  # fmt: skip
        cmd = referrals.add_parser(name, parents=[store], help=text, description=text[0].upper() + text[1:] + ".")
        cmd.add_argument("id", metavar="ID", help="the referral's id")
        cmd.add_argument("--channel", required=True, choices=CONTACT_CHANNELS, help="how")
        cmd.add_argument("--at", help=WHEN_HELP)
        if kind == "attempt":
            cmd.add_argument("--outcome", required=True, choices=CONTACT_OUTCOMES, help="reached is contact made")
        cmd.set_defaults(command=f"referrals {name}", handler=_contact, kind=kind)
    treat = referrals.add_parser("treatment", parents=[store], help="record the date treatment started")
    treat.add_argument("id", metavar="ID", help="the referral's id")
    treat.add_argument("--started-on", required=True, help="YYYY-MM-DD")
    treat.set_defaults(command="referrals treatment", handler=_treatment)
    close = referrals.add_parser("close", parents=[store], help="close a referral with a reason",
                                 description="Close a referral: a reason, and a note (required for other).")  # fmt: skip
    close.add_argument("id", metavar="ID", help="the referral's id")
    close.add_argument("--reason", required=True, choices=CLOSE_REASONS)
    close.add_argument("--note", help="free text: why (kept with the referral, never in the audit trail)")
    close.set_defaults(command="referrals close", handler=_close)
    flag = referrals.add_parser("inappropriate", parents=[store], help="flag a referral as inappropriate, or take the flag off",
                                description="Flag a referral as inappropriate: why, who made it, and a note (required "
                                "for other); or --clear to take the flag off.")  # fmt: skip
    flag.add_argument("id", metavar="ID", help="the referral's id")
    flag.add_argument("--reason", choices=INAPPROPRIATE_REASONS)
    flag.add_argument("--referrer", help="who made the referral (the GP, practice or partner to feed back to)")
    flag.add_argument("--note", help="free text: why (kept with the referral, never in the audit trail)")
    flag.add_argument("--clear", action="store_true", help="take the flag off instead")
    flag.set_defaults(command="referrals inappropriate", handler=_inappropriate)
    unsent = referrals.add_parser("letters-not-sent", parents=[store],
                                  help="decided referrals whose GP letter has not been printed or saved, oldest first")  # fmt: skip
    unsent.add_argument("--format", choices=("text", "json"), default="text")
    unsent.set_defaults(command="referrals letters-not-sent", handler=_letters_not_sent)


def _when(text: str | None) -> datetime:
    if text is None:
        return datetime.now().astimezone()
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise InputError("at: must be a date and time as YYYY-MM-DD HH:MM") from None


def _contact(args: argparse.Namespace) -> int:
    from triage.services.journey import ContactInput, parse_journey, record_contact

    data: dict[str, Any] = {"kind": args.kind, "occurred_at": _when(args.at), "channel": args.channel}
    if args.kind == "attempt":
        data["outcome"] = args.outcome
    contact = parse_journey(ContactInput, data)
    store, user = login(args, "record_contact")
    with store:
        step = record_contact(store, user, args.id, contact)
    print(f"recorded: {args.command.removeprefix('referrals ')}; the referral is now {_status(step.status)}")
    return EXIT_OK


def _treatment(args: argparse.Namespace) -> int:
    from triage.services.journey import TreatmentInput, parse_journey, record_treatment_start

    try:
        started = date.fromisoformat(args.started_on.strip())
    except ValueError:
        raise InputError("started-on: must be a date as YYYY-MM-DD") from None
    data = parse_journey(TreatmentInput, {"started_on": started})
    store, user = login(args, "record_contact")
    with store:
        record_treatment_start(store, user, args.id, data)
    print("recorded: treatment start")
    return EXIT_OK


def _close(args: argparse.Namespace) -> int:
    from triage.services.journey import CloseInput, close_referral, parse_journey

    data = parse_journey(CloseInput, {"reason": args.reason, "note": args.note})
    store, user = login(args, "close_referral")
    with store:
        close_referral(store, user, args.id, data)
    print(f"closed: {args.reason.replace('_', ' ')}")
    return EXIT_OK


def _inappropriate(args: argparse.Namespace) -> int:
    from triage.services.journey import InappropriateInput, flag_inappropriate, parse_journey

    if args.clear and (args.reason or args.referrer or args.note):
        raise InputError("clear: takes the flag off; give it without --reason, --referrer or --note")
    if not args.clear and not args.reason:
        raise InputError("reason: required (one of " + ", ".join(INAPPROPRIATE_REASONS) + "), or --clear")
    data = (
        None
        if args.clear
        else parse_journey(InappropriateInput, {"reason": args.reason, "referrer": args.referrer, "note": args.note})
    )
    store, user = login(args, "create_referral")
    with store:
        flag_inappropriate(store, user, args.id, data)
    print(
        "inappropriate flag taken off" if data is None else f"flagged as inappropriate: {args.reason.replace('_', ' ')}"
    )
    return EXIT_OK


def _status(code: str) -> str:
    from triage.labels import labels

    return labels().statuses[code].lower()


def _letters_not_sent(args: argparse.Namespace) -> int:
    from triage.services.journey import letters_not_sent

    store, user = login(args, "search")
    with store:
        rows = letters_not_sent(store, user)
    today = date.today()
    if args.format == "json":
        print_json([{"referral_id": r.referral_id, "reference": r.reference, "decided_at": r.decided_at.isoformat(),
                     "days_since_decision": r.days_waiting(today), "route": r.route, "step": r.step} for r in rows])  # fmt: skip
        return EXIT_OK
    if not rows:
        print("every decided referral's GP letter has been printed or saved")
    for r in rows:
        sys.stdout.write(f"{r.reference}  decided {r.decided_at.astimezone():%d/%m/%Y}  "
                         f"{r.days_waiting(today)} days without a GP letter  {r.referral_id}\n")  # fmt: skip
    return EXIT_OK
