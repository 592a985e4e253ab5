"""``triage report NAME --from DATE --to DATE``: the service's reports (docs/reports.md), as text or CSV,
for the whole service, a team or a clinician; ``--leaving`` makes the copy meant to leave the service
(small numbers hidden, no person listed). Checked, scoped and audited by services/reports.py."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from triage.cli.common import EXIT_OK, InputError, login, store_options

if TYPE_CHECKING:
    from triage.cli.common import Commands

# services/reports.py REPORTS, written out: building the parser must not load the services (a test
# checks the two stay equal).
REPORT_NAMES = ("referrals", "inappropriate", "waits", "bounces", "high_risk", "decisions", "completeness")


def register(commands: Commands) -> None:
    """Add ``report`` to the top-level subparsers."""
    report = commands.add_parser("report", parents=[store_options()], help="run one of the service's reports",
                                 description="Run a report over the referrals received from one date to another "
                                 "(team leaders: their own teams; service managers: the whole service).")  # fmt: skip
    report.add_argument("name", choices=REPORT_NAMES)
    report.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD", help="the first day received")
    report.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD", help="the last day received")
    report.add_argument("--team", metavar="CODE", help="one team's referrals")
    report.add_argument("--clinician", metavar="USER", help="the referrals assigned to one clinician")
    report.add_argument("--leaving", action="store_true",
                        help="the copy meant to leave the service: small numbers hidden, no person listed")  # fmt: skip
    report.add_argument("--format", choices=("text", "csv", "pdf"), default="text")
    report.add_argument("--out", metavar="FILE", help="write it to FILE, whole or not at all (a PDF needs one)")
    report.set_defaults(command="report", handler=_report)


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{field}: must be a date as YYYY-MM-DD") from None


def _report(args: argparse.Namespace) -> int:
    from triage.files import atomic_write
    from triage.services.reports import (
        ReportRange,
        report_text,
        run_report,
        save_report_csv,
        save_report_pdf,
        write_report_csv,
    )
    from triage.services.service_settings import service_settings

    def write_text(path: Path, text: str) -> None:
        atomic_write(path.expanduser().absolute(), text.encode("utf-8"))

    when = ReportRange(_day(args.start, "from"), _day(args.end, "to"), team=args.team, clinician=args.clinician,
                       leaving=args.leaving)  # fmt: skip
    if when.end < when.start:
        raise InputError("to: must not be before from (the range is the dates referrals were received)")
    if args.format == "pdf" and not args.out:
        raise InputError("out: a PDF report needs a file: give --out FILE")
    store, user = login(args, "run_reports")
    with store:
        report = run_report(store, user, args.name, when)
        service_name = service_settings(store).service_name
    out = Path(args.out) if args.out else None
    if args.format == "pdf" and out is not None:
        save_report_pdf(report, out, service_name)
    elif args.format == "csv" and out is not None:
        save_report_csv(report, out)
    elif args.format == "csv":
        write_report_csv(report, sys.stdout)
    elif out is not None:
        write_text(out, report_text(report))
    else:
        sys.stdout.write(report_text(report))
    if out is not None:
        print(f"saved the {args.name} report to {out}")
    return EXIT_OK
