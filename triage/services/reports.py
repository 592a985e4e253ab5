"""The service's reports (issue 17, item 1; docs/reports.md): where referrals went, which referrers
sent people the service could not help, and how long people waited, over the referrals received in a
date range, for the service, a team or a clinician; and, built in ``reports_more``, returns and repeat
referrals, high-risk cases, decisions and data completeness.

``run_report`` checks ``run_reports`` (team leaders and service managers), scopes a team leader to
their own teams (with the service's referrals, as their meeting is), reads one slim row per referral
in one transaction (and, through a ``Reading``, the other rows a report asks for, batched), and
audits the run (the report's name, range and how many referrals it counted; never a figure or an
identifier). The tables are built from those rows by pure functions below, so
a test can compute the same figures by hand. A report meant to leave the service (``leaving``) has
its small numbers hidden (``report_tables.suppress``) and lists no person and no free text.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from triage.files import atomic_write
from triage.labels import labels
from triage.letters.report_pdf import ReportChart, ReportDocument, ReportTable, render_report
from triage.rules.waits import MEASURE_NAMES, MEASURES, STATE_WORDS, JourneyDates, WaitTargets, tally, waits
from triage.services.export_file import export_stream
from triage.services.permissions import User, require
from triage.services.report_tables import (
    Column,
    Table,
    Value,
    counted_table,
    counts_by,
    nearest_five,
    share,
    suppress,
    suppression_note,
    with_total,
)
from triage.services.reports_more import (
    Reading,
    bounces_report,
    completeness_report,
    decisions_report,
    high_risk_report,
)
from triage.services.service_settings import read_service_settings
from triage.services.spreadsheet_csv import SpreadsheetWriter
from triage.services.teams import meeting_scope
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import RefusedError
from triage.store.models import Destination, GpPractice, Referral, Screening, Team


@dataclass(frozen=True)
class ReportRange:
    """Which referrals a report counts: those received from ``start`` to ``end`` (both included), of
    one team or one clinician if given; ``leaving``: the copy meant to leave the service."""

    start: date
    end: date
    team: str | None = None
    clinician: str | None = None
    leaving: bool = False

    def check(self) -> None:
        if self.end < self.start:
            raise RefusedError("to: must not be before from (the range is the dates referrals were received)")


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    range: ReportRange
    made_on: date
    referrals: int  # how many referrals it counted
    tables: tuple[Table, ...]
    notes: tuple[str, ...]  # how it was scoped, and what was hidden

    def counted(self) -> str:
        """How many referrals it counted, in words: rounded to the nearest 5 in the copy that leaves."""
        if self.range.leaving:
            return f"about {nearest_five(self.referrals)} referrals counted (to the nearest 5)"
        return f"{self.referrals} referral{'' if self.referrals == 1 else 's'} counted"


@dataclass(frozen=True, slots=True)
class Fact:
    """One referral as the reports see it: no name, no NHS number, no date of birth."""

    reference: str
    received_on: date
    source: str
    status: str
    route: str | None
    step: int | None
    opted_in_on: date | None
    first_contact_on: date | None
    screened_on: date | None  # the first screening's day
    treatment_started_on: date | None
    long_term_condition: bool  # the latest screening's
    mus: bool
    screened: bool
    practice: str | None  # the GP practice's name, else its code
    inappropriate_reason: str | None
    inappropriate_referrer: str | None
    referral_id: str  # what the other rows a report reads (decisions, screenings) are joined by
    person_id: str
    returned_from: str | None  # came back from another service (the ping-pong record)
    arrived_while_open: bool  # another referral of the person was open when it arrived
    assigned_to: str | None


Builder = Callable[[list[Fact], "Context"], tuple[Table, ...]]


@dataclass(frozen=True)
class Context:
    destinations: dict[str, str]  # code -> label
    targets: WaitTargets
    today: date
    leaving: bool
    reading: Reading  # the rows some reports read beyond the facts, loaded when first asked for


def run_report(store: Store, user: User, name: str, when: ReportRange, *, today: date | None = None) -> Report:
    """The report ``name`` (one of ``REPORTS``) over ``when``, as ``user`` may see it."""
    require(user, "run_reports", store=store)
    if name not in REPORTS:
        raise RefusedError(f"report: must be one of {', '.join(REPORTS)}")
    when.check()
    made_on = today or date.today()
    with store.write() as session:
        scope = meeting_scope(session, user.username) if user.role == "team_leader" else None
        if when.team is not None and scope is not None and when.team not in scope:
            raise RefusedError("team: not one of your teams; a team leader's reports cover their own teams")
        facts = _facts(session, when, scope)
        settings = read_service_settings(session)
        destinations = {code: label for code, label in session.execute(select(Destination.code, Destination.label))}
        reading = Reading(session, _ranged(when, scope))
        context = Context(destinations, settings.wait_targets, made_on, when.leaving, reading)
        title, build = REPORTS[name]
        tables = build(facts, context)
        notes = [_scope_note(when, scope)]
        if when.leaving:
            threshold = settings.small_number_threshold
            tables = tuple(suppress(t, threshold) for t in tables)
            notes.append(f"Meant to leave the service: counts under {threshold} are hidden (the service's "
                         f"threshold). " + suppression_note(tables, threshold))  # fmt: skip
        record_event(session, actor=user.username, entity_type="database", entity_id="reports", action="view",
                     summary=f"report {name}, referrals received {when.start} to {when.end}"
                     f"{' (to leave the service)' if when.leaving else ''}: {len(facts)} referrals")  # fmt: skip
    return Report(name, title, when, made_on, len(facts), tables, tuple(notes))


def report_teams(store: Store, user: User) -> list[tuple[str, str]]:
    """The teams ``user`` may run a report for, as (code, name): a team leader's own, a manager's all."""
    require(user, "run_reports", store=store)
    with store.read() as session:
        scope = meeting_scope(session, user.username) if user.role == "team_leader" else None
        query = select(Team.code, Team.name).order_by(Team.code)
        if scope is not None:
            query = query.where(Team.code.in_(sorted(scope)))
        return [(code, name) for code, name in session.execute(query)]


def _scope_note(when: ReportRange, scope: frozenset[str] | None) -> str:
    who = f"team {when.team}" if when.team else ("your teams and the service's referrals in no team"
                                                  if scope is not None else "the whole service")  # fmt: skip
    if when.clinician:
        who += f", assigned to {when.clinician}"
    return f"Referrals received {when.start:%d/%m/%Y} to {when.end:%d/%m/%Y}, of {who}."


def _ranged(when: ReportRange, scope: frozenset[str] | None) -> Select[Any]:
    """The ids of the referrals a report counts: received in the range, of the team, clinician or scope."""
    query = select(Referral.id).where(Referral.received_on >= when.start, Referral.received_on <= when.end)
    if when.team is not None:
        query = query.where(Referral.team_code == when.team)
    elif scope is not None:
        query = query.where(or_(Referral.team_code.is_(None), Referral.team_code.in_(sorted(scope))))
    if when.clinician is not None:
        query = query.where(Referral.assigned_to == when.clinician)
    return query


def _facts(session: Session, when: ReportRange, scope: frozenset[str] | None) -> list[Fact]:
    ranged = _ranged(when, scope)
    query = (
        ranged.with_only_columns(
            Referral.id, Referral.reference, Referral.received_on, Referral.source, Referral.status,
            Referral.current_route, Referral.current_step, Referral.opted_in_on, Referral.first_contact_on,
            Referral.treatment_started_on, func.coalesce(GpPractice.name, Referral.gp_practice_code),
            Referral.inappropriate_reason, Referral.inappropriate_referrer, Referral.person_id,
            Referral.returned_from, Referral.duplicate_of_id.is_not(None), Referral.assigned_to)
        .outerjoin(GpPractice, GpPractice.code == Referral.gp_practice_code)
        .order_by(Referral.received_on, Referral.id)
    )  # fmt: skip
    screenings = _screenings(session, ranged)
    facts = []  # read as Core rows: no ORM loading for 100,000 tuples
    for (rid, reference, received, source, status, route, step, opted, contact, treated, practice, why, by, person,
         returned, while_open, assigned) in session.connection().execute(query):  # fmt: skip
        first, ltc, mus, screened = screenings.get(rid, (None, False, False, False))
        facts.append(Fact(reference, received, source, status, route, step, opted, contact, first, treated, ltc, mus,
                          screened, practice, why, by, rid, person, returned, bool(while_open), assigned))  # fmt: skip
    return facts


def _screenings(session: Session, referral_ids: Any) -> dict[str, tuple[date | None, bool, bool, bool]]:
    """Each referral's first screening day and its latest screening's pathway (LTC, MUS), screened."""
    query = (select(Screening.referral_id, Screening.screened_at, Screening.long_term_conditions,
                    Screening.medically_unexplained_symptoms)
             .where(Screening.referral_id.in_(referral_ids)).order_by(Screening.screened_at, Screening.id))  # fmt: skip
    found: dict[str, tuple[date | None, bool, bool, bool]] = {}
    for referral_id, at, conditions, mus in session.connection().execute(query):
        first = found[referral_id][0] if referral_id in found else at.astimezone().date()
        found[referral_id] = (first, any(str(c).strip() for c in conditions or ()), bool(mus), True)
    return found


# --- the reports, from the facts ----------------------------------------------------------------


def referrals_report(facts: list[Fact], context: Context) -> tuple[Table, ...]:
    words, total = labels(), len(facts)

    def destination(f: Fact) -> str:
        return context.destinations.get(f.route, f.route) if f.route else "No decision yet"

    def step(f: Fact) -> str:
        return f"Step {f.step}" if f.step else ("No step (not an IAPT route)" if f.route else "No decision yet")

    def pathway(f: Fact) -> str:
        if not f.screened:
            return "Not screened yet"
        both = f.long_term_condition and f.mus
        return (
            "LTC and MUS" if both else "Long-term condition" if f.long_term_condition else "MUS" if f.mus else "Neither"
        )

    sources = [words.sources[s] for s in words.sources]
    return (
        counted_table("Referrals by destination", "Each referral once, by the route of its latest confirmed decision.",
                 "Destination", counts_by(facts, destination), total),
        counted_table("Referrals by source", "Each referral once, by who referred (as recorded when it was received).",
                 "Source", counts_by(facts, lambda f: words.sources.get(f.source, f.source), sources), total),
        counted_table("Referrals by step", "Each referral once, by the step of its latest confirmed IAPT decision.",
                 "Step", counts_by(facts, step, ("Step 2", "Step 3")), total),
        counted_table("Referrals by LTC/MUS pathway", "Each screened referral by its latest screening: a long-term "
                 "physical condition recorded, medically unexplained symptoms, both or neither.", "Pathway",
                 counts_by(facts, pathway, ("Long-term condition", "MUS", "LTC and MUS", "Neither")), total),
    )  # fmt: skip


def inappropriate_report(facts: list[Fact], context: Context) -> tuple[Table, ...]:
    words = labels().inappropriate_reasons
    flagged = [f for f in facts if f.inappropriate_reason]
    reasons = counted_table("Inappropriate referrals by reason", "Each referral flagged as inappropriate, by its "
                       "reason.", "Reason", counts_by(flagged, lambda f: words[f.inappropriate_reason or ""], words.values()),
                       len(flagged))  # fmt: skip
    pairs = Counter((f.inappropriate_referrer or "", f.practice or "No practice recorded") for f in flagged)
    columns = (Column("Referrer", "label"), Column("Practice", "text"), Column("Inappropriate"),
               Column("Reasons", "text"))  # fmt: skip
    rows = []
    for (referrer, practice), count in sorted(pairs.items(), key=lambda item: (-item[1], item[0])):
        why = Counter(words[f.inappropriate_reason or ""] for f in flagged
                      if (f.inappropriate_referrer, f.practice or "No practice recorded") == (referrer, practice))  # fmt: skip
        named = ", ".join(sorted(why)) if context.leaving else ", ".join(f"{r} ({n})" for r, n in sorted(why.items()))
        rows.append((referrer, practice, count, named))
    by_referrer = Table("Inappropriate referrals by referrer and practice", "Each flagged referral once, by who "
                        "made it (as recorded with the flag) and the GP practice on the referral.", columns,
                        with_total(rows, columns), total_row=True)  # fmt: skip
    of_all = counted_table("Referrals flagged as inappropriate", "Each referral received in the range once.", "Flag",
                      [("Flagged as inappropriate", len(flagged)), ("Not flagged", len(facts) - len(flagged))],
                      len(facts))  # fmt: skip
    return of_all, reasons, by_referrer


PEOPLE_LISTED = 100  # a report lists the longest waits; the referral list filters every one


def percentile(values: list[int], percent: int) -> int | None:
    """Nearest rank: the smallest value at or below which ``percent`` of the values lie."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))  # ceil(percent/100 * n)
    return ordered[rank - 1]


def waits_report(facts: list[Fact], context: Context) -> tuple[Table, ...]:
    dates = [_dates(f) for f in facts]
    counted_waits = [waits(d) for d in dates]  # once a referral: 100,000 of them must fit in the budget
    columns = [Column("Wait", "label"), Column("Reached"), Column("Median (days)", "derived", rests_on=1),
               Column("90th percentile (days)", "derived", rests_on=1), Column("Still waiting")]  # fmt: skip
    rows = []
    for measure in MEASURES:
        done = [w for each in counted_waits if (w := each[measure]) is not None]
        waiting = sum(1 for f, each in zip(facts, counted_waits, strict=True)
                      if each[measure] is None and f.status != "closed")  # fmt: skip
        median = statistics.median(done) if done else None
        rows.append((MEASURE_NAMES[measure], len(done), float(median) if median is not None else None,
                     percentile(done, 90), waiting))  # fmt: skip
    distribution = Table("Waits", "Days from the referral received date to the first contact made, the first "
                         "screening and the treatment start, for the referrals that reached each; the median is "
                         "the middle wait (the mean of the two middle ones for an even count), the 90th "
                         "percentile the nearest rank. Still waiting: not reached, not closed.",
                         tuple(columns), tuple(rows))  # fmt: skip
    target_columns = (Column("Target", "label"), Column("Counted"), Column("Over target"),
                      Column("Share over (%)", "share", rests_on=2, share_of=1), Column("Source", "text"))  # fmt: skip
    target_rows: list[tuple[Value, ...]] = []
    over_people: list[tuple[str, str, str, int, str]] = []
    for target in context.targets.targets:
        counted, over = tally(target, context.targets, dates, context.today)
        source = target.source + ("" if target.verified else " (UNVERIFIED: not in the seed documents)")
        target_rows.append((f"{target.label} [{target.rule}]", counted, len(over), share(len(over), counted), source))
        if not context.leaving:  # the longest waits first, at most PEOPLE_LISTED a target
            longest = sorted(over, key=lambda item: (-item[1], facts[item[0]].reference))[:PEOPLE_LISTED]
            over_people += [(facts[i].reference, f"{facts[i].received_on:%d/%m/%Y}", target.label, days,
                             STATE_WORDS[state]) for i, days, state in longest]  # fmt: skip
    against = Table("Waits against the service's targets", f"Each referral a target's clock has started for, "
                    f"finished or still waiting on {context.today:%d/%m/%Y}; over: the wait is over the target, "
                    f"or still running past it.", target_columns, tuple(target_rows), chart=3)  # fmt: skip
    if context.leaving:
        return distribution, against
    people_columns = (Column("Reference", "label"), Column("Received", "text"), Column("Target", "text"),
                      Column("Days", "text"), Column("State", "text"))  # fmt: skip
    order = {target.label: n for n, target in enumerate(context.targets.targets)}
    over_people.sort(key=lambda p: (order[p[2]], -p[3], p[0]))  # in the targets' order, the longest wait first
    people = Table("People over target", f"One line per referral and target it is over, by reference only: the "
                   f"{PEOPLE_LISTED} longest waits of each target at most (the referral list's 'Over target' filter "
                   f"shows every one).", people_columns, tuple(over_people))  # fmt: skip
    return distribution, against, people


def _dates(f: Fact) -> JourneyDates:
    return JourneyDates(received_on=f.received_on, opted_in_on=f.opted_in_on, first_contact_on=f.first_contact_on,
                        screened_on=f.screened_on, treatment_started_on=f.treatment_started_on,
                        closed=f.status == "closed")  # fmt: skip


REPORTS: dict[str, tuple[str, Builder]] = {
    "referrals": ("Referrals by destination, source, step and pathway", referrals_report),
    "inappropriate": ("Inappropriate referrals by referrer, practice and reason", inappropriate_report),
    "waits": ("Waits, and the people over target", waits_report),
    "bounces": ("Returns from other services, and repeat referrals", bounces_report),
    "high_risk": ("High-risk cases, the actions recorded and how long they took", high_risk_report),
    "decisions": (
        "Decisions: the matrix and the route confirmed, overrides and the referral meeting",
        decisions_report,
    ),
    "completeness": ("Data completeness, by item and by clinician", completeness_report),
}


# --- out: words and CSV ----------------------------------------------------------------------------


def report_text(report: Report) -> str:
    """The report as a person reads it on a terminal: each table aligned, with how it was counted."""
    out = [report.title, f"Made on {report.made_on:%d/%m/%Y}; {report.counted()}.", *report.notes]
    for table in report.tables:
        cells = [[c.name for c in table.columns]] + [
            [table.shown(r, c) for c in range(len(table.columns))] for r in range(len(table.rows))
        ]
        widths = [max(len(row[c]) for row in cells) for c in range(len(table.columns))]
        out += ["", table.caption, f"({table.counted})"]
        out += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in cells]
        if not table.rows:
            out.append("(none)")
    return "\n".join(out) + "\n"


def report_document(report: Report, service_name: str) -> ReportDocument:
    """``report`` as the PDF draws it (triage/letters/report_pdf.py): plain words, each table's charted
    column as bars."""
    lines = (f"Made on {report.made_on:%d/%m/%Y}; {report.counted()}.", *report.notes)
    tables = tuple(
        ReportTable(
            t.caption, t.counted,
            (tuple(c.name for c in t.columns),
             *(tuple(t.shown(r, c) for c in range(len(t.columns))) for r in range(len(t.rows)))),
            t.total_row,
            ReportChart(t.bars(), t.columns[t.chart].name) if t.chart is not None else None,
        )
        for t in report.tables
    )  # fmt: skip
    return ReportDocument(service_name, report.title, lines, tables, report.made_on)


def report_pdf(report: Report, service_name: str) -> bytes:
    """The report as PDF bytes, with its charts."""
    return render_report(report_document(report, service_name))


def save_report_pdf(report: Report, path: Path, service_name: str) -> None:
    """The report as a PDF at ``path``, whole or not at all."""
    data = report_pdf(report, service_name)
    path = path.expanduser().absolute()
    if not path.parent.is_dir():
        raise RefusedError(f"the folder {path.parent} does not exist")
    atomic_write(path, data)


def save_report_csv(report: Report, path: Path) -> None:
    """``report`` as CSV at ``path``, whole or not at all (services/export_file.py)."""
    path = path.expanduser().absolute()
    if not path.parent.is_dir():
        raise RefusedError(f"the folder {path.parent} does not exist")
    with export_stream(path, encoding="utf-8", newline="") as stream:
        write_report_csv(report, stream)


def write_report_csv(report: Report, stream: IO[str]) -> None:
    """The report as CSV for a spreadsheet (formula cells neutralised): its title and notes, then each
    table as its caption, how it was counted, its header row and its rows, a blank line between."""
    writer = SpreadsheetWriter(stream, [report.title])
    writer.row([f"Made on {report.made_on.isoformat()}", report.counted()])
    for note in report.notes:
        writer.row([note])
    for table in report.tables:
        writer.row([])
        writer.row([table.caption])
        writer.row([table.counted])
        writer.row([c.name for c in table.columns])
        for r in range(len(table.rows)):
            writer.row([table.shown(r, c) for c in range(len(table.columns))])
