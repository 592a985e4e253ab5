"""``triage referrals import|export|show`` (and the journey's commands, triage/cli/journey.py; merging
two records of one person, triage/cli/merges.py): referrals in and out of the store as JSON or CSV, and one
referral's whole record, after a login. The services (and with them the store) are imported when one
of these commands runs."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from triage.cli.common import EXIT_INVALID, EXIT_OK, InputError, errors, login, print_json, store_options

if TYPE_CHECKING:
    from triage.cli.common import Commands
    from triage.services.transfer import ImportReport


def register(commands: Commands) -> None:
    """Add ``referrals`` to the top-level subparsers."""
    store = store_options()
    referrals_cmd = commands.add_parser("referrals", help="import, export or show referrals")
    referrals = referrals_cmd.add_subparsers(title="referrals commands", metavar="COMMAND", required=True)
    imp = referrals.add_parser(
        "import", parents=[store], help="import referrals from a JSON array or a CSV file with a header",
        description="Import referrals in one transaction. All or nothing unless --skip-invalid: any invalid row "
        "means nothing is written (exit 2), and every bad row is reported by row number and field.",
    )  # fmt: skip
    imp.add_argument("file", help="a .json or .csv file, or - for standard input")
    imp.add_argument("--format", choices=("json", "csv"),
                     help="the file's format (default: from its .json/.csv name, else JSON if it starts with [ or {)")  # fmt: skip
    imp.add_argument("--skip-invalid", action="store_true", help="import the valid rows and report the others")
    imp.set_defaults(command="referrals import", handler=_referrals_import)
    exp = referrals.add_parser("export", parents=[store], help="export every referral as JSON or CSV")
    exp.add_argument("--format", choices=("json", "csv"), help="json (default) or csv (default when --out ends .csv)")
    exp.add_argument("--out", type=Path, help="write to this file (atomically) instead of standard output")
    exp.set_defaults(command="referrals export", handler=_referrals_export)
    show = referrals.add_parser(
        "show", parents=[store], help="show one referral's whole record, read-only (recorded as a view)",
        description="The record the app shows when a referral is opened: the person and the referral, the latest "
        "screening, the ratings and matrix trace, risk, the decision, letters, status history and the person's "
        "other referrals. Needs the view_referral permission; creates no draft.",
    )  # fmt: skip
    show.add_argument("id", metavar="ID", help="the referral's id")
    show.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    show.set_defaults(command="referrals show", handler=_referrals_show)
    from triage.cli.journey import register_journey

    register_journey(referrals, store)
    from triage.cli.teams import register_referral_commands

    register_referral_commands(referrals, store)
    from triage.cli.merges import register_merge_commands

    register_merge_commands(referrals, store)


def _referrals_import(args: argparse.Namespace) -> int:
    from triage.input_limits import MAX_IMPORT_BYTES
    from triage.services.transfer import TOO_LARGE, import_stream

    where = "standard input" if args.file == "-" else args.file
    try:  # refused before the login and before a byte is read; standard input is counted as it is read
        if args.file != "-" and Path(args.file).stat().st_size > MAX_IMPORT_BYTES:
            raise InputError(f"input: {TOO_LARGE}")
        stream = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115 (closed below)
    except OSError:
        raise InputError(f"input: {where} cannot be read") from None
    suffix = Path(args.file).suffix.lower().lstrip(".")
    guessed: Literal["json", "csv"] | None = "json" if suffix == "json" else "csv" if suffix == "csv" else None
    fmt = args.format or guessed
    try:
        store, user = login(args, "import")
        with store:
            report = import_stream(store, user, stream, fmt=fmt, skip_invalid=args.skip_invalid)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return _import_outcome(report)


def _import_outcome(report: ImportReport) -> int:
    errors([f"row {number}: {problem}" for number, problem in report.problems])
    if report.unlisted_rows:
        errors([f"{report.unlisted_rows} more invalid rows are not listed"])
    if report.written == 0:
        if report.rows == 0:
            print("imported 0 referrals: the file holds no rows")
            return EXIT_OK
        errors([f"nothing was imported: {report.bad_rows} of {report.rows} rows are invalid"])
        return EXIT_INVALID
    line = (
        f"imported {report.written} referrals ({report.duplicates} flagged as possible duplicates of an open referral)"
    )
    if report.bad_rows:
        line += f"; skipped {report.bad_rows} invalid rows (listed on standard error)"
        sys.stderr.write(f"warning: {report.bad_rows} of {report.rows} rows were invalid and were NOT imported\n")
    print(line)
    return EXIT_OK


def _referrals_export(args: argparse.Namespace) -> int:
    from triage.services.transfer import export_to_file, export_to_stream

    fmt: Literal["json", "csv"] = args.format or (
        "csv" if args.out is not None and args.out.suffix.lower() == ".csv" else "json"
    )
    store, user = login(args, "export")
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


def _referrals_show(args: argparse.Namespace) -> int:
    from triage.services.referral_record import record_as_json, record_as_text, referral_record

    store, user = login(args, "view_referral")
    with store:
        record = referral_record(store, user, args.id)  # unknown id or refused: the store's safe error, exit 1
    if args.format == "json":
        print_json(record_as_json(record))
    else:
        sys.stdout.write(record_as_text(record))
    return EXIT_OK
