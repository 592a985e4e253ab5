"""The referral list behind the desktop app's main table: one page of rows at a time, filtered and
sorted in the database (the table holds 100,000 referrals; the UI never loads them all).

Orders are always ``key, then id`` in the chosen direction, so a page is deterministic and, on both
SQLite and PostgreSQL, an index range scan (indexes from migration 0003):

- ``received_on``: the date received, then the referral id;
- ``family_name``: the case-folded family name, then the person's id, then the referral id;
- ``status``: the status code in alphabetical order (closed, contacted, decided, ...), then id;
- ``route``: the latest confirmed route code, alphabetically, then id; referrals with no decision yet
  sort after every route when ascending and before them when descending (PostgreSQL's rule for NULL,
  used on SQLite too).

Text search (``ReferralFilter.text``): ten digits (spaces and dashes allowed) is an exact NHS number;
three letters and a number (``DON-000123``, ``don 123``) is an exact service reference (its unique
index, migration 0009); anything else is a family-name prefix, case-insensitive, optionally ``"family, given"`` where the part
after the comma is a given-name prefix. Rows carry identifiers for display: never log them.

Both need ``search``. Each count is one search in the audit trail (the number of results, never the
text); the pages of that result that follow are not counted again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import UnaryExpression

from triage.fields import parse_uk_date
from triage.rules.waits import BEFORE_SCREENING, JourneyDates, WaitTargets, days_waiting, default_wait_targets, row_flag
from triage.services.permissions import User, record_search, require
from triage.services.references import typed_reference
from triage.services.service_settings import read_service_settings
from triage.services.teams import meeting_scope
from triage.store.database import Store
from triage.store.models import Decision, Draft, Person, Referral, Screening
from triage.store.vocabulary import OPEN_STATUSES, RISK_QUESTIONS, ReferralStatus

# "waiting": the days waiting, most first when descending (the received date, oldest first); "decided":
# the latest decision's time, for the letters not yet sent (a subquery: use it on that short list).
SORT_KEYS = ("received_on", "family_name", "status", "route", "waiting", "decided")
# The journey's filters (docs/journey.md): a running wait past its target; not yet reached (received,
# or no contact made yet); screened with no decision yet; open at high risk (the latest screening's
# rating); assigned to the person looking; in their teams (as their meeting holds them: with the
# service's own, and every referral for a person in no team); with something still missing from its
# record (services/completeness.py); decided with the GP letter not printed or saved.
Journey = Literal[
    "",
    "over_target",
    "awaiting_contact",
    "awaiting_decision",
    "high_risk",
    "mine",
    "team",
    "incomplete",
    "letter_not_sent",
]
AWAITING_CONTACT = ("received", "no_contact")
_NHS_NUMBER = re.compile(r"[0-9]{10}")
_DATE_TYPED = re.compile(r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}")  # as the referral form reads one
_HIGHEST = "\U0010ffff"  # sorts after every character in SQLite's binary collation


@dataclass(frozen=True)
class ReferralFilter:
    # What the search box holds (docs/journey.md, "The list"): an NHS number (10 digits; spaces and dashes
    # allowed) -> that number; fewer digits -> NHS numbers starting with them (eight digits also a date of
    # birth, 15061980); a date (15/06/1980, 15-6-1980, 15.06.1980) -> that date of birth; a reference
    # (DON-000123) -> that referral; otherwise a family-name prefix, optionally "family, given-prefix".
    text: str = ""
    statuses: tuple[ReferralStatus, ...] = ()  # empty = any
    routes: tuple[str, ...] = ()  # latest confirmed outcome (a route, a discharge, a local service); empty = any
    received_from: date | None = None
    received_to: date | None = None
    drafts_only: bool = False
    journey: Journey = ""
    today: date | None = None  # what "over target" counts to (default: today)
    targets: WaitTargets | None = None  # the service's wait targets (default: resources/waits.yaml)
    viewer: str = ""  # whose caseload "mine" is: the services set it to the user asking, never the caller
    viewer_teams: frozenset[str] | None = None  # the asker's teams for "team" (None: in no team), set likewise

    def wait_targets(self) -> WaitTargets:
        return self.targets or default_wait_targets()

    def as_of(self) -> date:
        return self.today or date.today()


@dataclass(frozen=True)
class ReferralRow:
    id: str
    reference: str
    received_on: date
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    status: str
    route: str | None
    step: int | None
    has_draft: bool
    duplicate: bool
    days_waiting: int | None = None  # while open and not yet in treatment (rules.waits.days_waiting)
    wait_flag: str = ""  # "Over target", "Within target", or "" when nothing is being waited for
    risk: str | None = None  # the latest screening's risk rating (low, medium, high); None: not screened
    assigned_to: str | None = None  # the assigned clinician's username
    screened_by: str | None = None  # who did the latest screening

    def __repr__(self) -> str:  # identifiers stay out of logs and tracebacks
        return f"<ReferralRow {self.id}>"


def count_referrals(store: Store, user: User, flt: ReferralFilter) -> int:
    """How many referrals match ``flt``: a search, recorded with its count in the same transaction."""
    require(user, "search", store=store)
    with store.write() as session:
        count = int(session.scalar(count_query(_for(session, user, flt), dialect=store.dialect)) or 0)
        record_search(session, user, count)
        return count


def count_query(flt: ReferralFilter, *, dialect: str) -> Select[*tuple[Any, ...]]:
    """The SELECT behind ``count_referrals``."""
    return _filtered(select(func.count()).select_from(Referral), flt, dialect)


def referral_page(
    store: Store, user: User, flt: ReferralFilter, *, sort: str = "received_on", descending: bool = True,
    offset: int = 0, limit: int = 100,
) -> list[ReferralRow]:  # fmt: skip
    """The rows ``offset .. offset+limit`` of the referrals matching ``flt`` in the order ``sort``."""
    require(user, "search", store=store)
    with store.read() as session:
        flt = _for(session, user, flt)
        query = page_query(flt, dialect=store.dialect, sort=sort, descending=descending, offset=offset, limit=limit)
        targets, today = flt.wait_targets(), flt.as_of()
        rows = [_row(row, targets, today) for row in session.execute(query)]
        latest = _latest_screenings(session, [row.id for row in rows])
        return [replace(row, risk=latest[row.id][0], screened_by=latest[row.id][1]) if row.id in latest else row
                for row in rows]  # fmt: skip


def _latest_screenings(session: Session, referral_ids: list[str]) -> dict[str, tuple[str, str]]:
    """The risk rating and screener of each referral's latest screening, for one page of the list: a
    second query on the page's ids, so no order or filter ever computes them for every match."""
    query = (select(Screening.referral_id, Screening.risk, Screening.screened_by)
             .where(Screening.referral_id.in_(referral_ids)).order_by(Screening.screened_at, Screening.id))  # fmt: skip
    return {referral_id: (risk, by) for referral_id, risk, by in session.execute(query)} if referral_ids else {}


def _for(session: Session, user: User, flt: ReferralFilter) -> ReferralFilter:
    """``flt`` as ``user`` asks it: their caseload for "mine", their teams for "team" (both from the
    login, whatever ``flt`` says), and the service's wait targets (the store's settings) unless it
    names its own."""
    targets = flt.targets if flt.targets is not None else read_service_settings(session).wait_targets
    return replace(flt, targets=targets, viewer=user.username, viewer_teams=meeting_scope(session, user.username))


def _row(row: Any, targets: WaitTargets, today: date) -> ReferralRow:
    dates = JourneyDates(received_on=row[1], opted_in_on=row[12], first_contact_on=row[13],
                         treatment_started_on=row[14], closed=row[6] == "closed")  # fmt: skip
    return ReferralRow(
        id=row[0],
        received_on=row[1],
        nhs_number=row[2],
        given_name=row[3],
        family_name=row[4],
        date_of_birth=row[5],
        status=row[6],
        route=row[7],
        step=row[8],
        has_draft=bool(row[9]),
        duplicate=bool(row[10]),
        reference=row[11],
        days_waiting=days_waiting(row[6], dates, today),
        wait_flag=row_flag(targets, row[6], dates, today),
        assigned_to=row[15],
    )


def page_query(
    flt: ReferralFilter, *, dialect: str, sort: str = "received_on", descending: bool = True,
    offset: int = 0, limit: int = 100,
) -> Select[*tuple[Any, ...]]:  # fmt: skip
    """The SELECT behind ``referral_page`` (public for the benchmark, which runs it without the ORM)."""
    if sort not in SORT_KEYS:
        raise ValueError(f"sort must be one of {', '.join(SORT_KEYS)}")
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    has_draft = exists().where(Draft.referral_id == Referral.id)
    query = select(
        Referral.id, Referral.received_on, Person.nhs_number, Person.given_name, Person.family_name,
        Person.date_of_birth, Referral.status, Referral.current_route, Referral.current_step,
        has_draft.label("has_draft"), Referral.duplicate_of_id.is_not(None).label("duplicate"), Referral.reference,
        Referral.opted_in_on, Referral.first_contact_on, Referral.treatment_started_on,
        Referral.assigned_to,
    ).select_from(Referral)  # fmt: skip
    query = _filtered(query, flt, dialect, joined=True, sort=sort)
    return query.order_by(*_order(sort, descending, dialect)).offset(offset).limit(limit)


def _order(sort: str, descending: bool, dialect: str) -> list[UnaryExpression[Any]]:
    def way(column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> UnaryExpression[Any]:
        return column.desc() if descending else column.asc()

    if sort == "received_on":
        return [way(Referral.received_on), way(Referral.id)]
    if sort == "family_name":
        return [way(Person.name_key), way(Person.id), way(Referral.id)]
    if sort == "status":
        return [way(Referral.status), way(Referral.id)]
    if sort == "waiting":  # most days first when descending: the oldest received date
        return [Referral.received_on.asc() if descending else Referral.received_on.desc(),
                Referral.id.asc() if descending else Referral.id.desc()]  # fmt: skip
    if sort == "decided":
        latest = select(func.max(Decision.decided_at)).where(Decision.referral_id == Referral.id).scalar_subquery()
        decided = way(latest)  # no decision: last ascending, first descending, on both (as the route below)
        if dialect == "sqlite":
            decided = decided.nulls_first() if descending else decided.nulls_last()
        return [decided, way(Referral.id)]
    # route: NULL (no decision yet) after every route ascending, before them descending. That is
    # PostgreSQL's own rule (its index gives it for free); SQLite ranks NULL lowest, so say it there.
    route = way(Referral.current_route)
    if dialect == "sqlite":
        route = route.nulls_first() if descending else route.nulls_last()
    return [route, way(Referral.id)]


def _filtered(
    query: Select[*tuple[Any, ...]], flt: ReferralFilter, dialect: str, *, joined: bool = False, sort: str | None = None
) -> Select[*tuple[Any, ...]]:
    conditions: list[ColumnElement[bool]] = []
    text = flt.text.strip()
    digits = re.sub(r"[\s-]", "", text)
    needs_person = joined
    reference = typed_reference(text)
    born = parse_uk_date(text) if _DATE_TYPED.fullmatch(text) or (len(digits) == 8 and digits == text) else None
    if _NHS_NUMBER.fullmatch(digits):
        conditions.append(Person.nhs_number == digits)
        needs_person = True
    elif _DATE_TYPED.fullmatch(text):  # 15/06/1980: a date of birth (or nothing, when it is no date)
        conditions.append(Person.date_of_birth == born if born else false())
        needs_person = True
    elif digits.isdigit():  # the start of an NHS number, read off a letter a digit at a time; as a range,
        # which the number's unique index answers on both databases
        number = Person.nhs_number.between(digits, digits + ":")  # ":" sorts after "9"
        conditions.append(or_(number, Person.date_of_birth == born) if born else number)
        needs_person = True
    elif reference is not None:
        conditions.append(Referral.reference == reference)
    elif text:
        family, comma, given = text.partition(",")
        family, given = family.strip().casefold(), given.strip() if comma else ""
        if family:
            conditions.append(_family_prefix(family, dialect))
            needs_person = True
        if given:
            conditions.append(_given_prefix(given, dialect))
            needs_person = True
    # SQLite plans by rules, not statistics: given "status IN (...)" it reads the status index and
    # sorts every match (95,000 "received" rows) to find the first page. For a page in another order,
    # hide the column from the index (``status || ''``) so it walks the order's index and stops after
    # a page of matches; a count still uses the index.
    status: ColumnElement[str] | InstrumentedAttribute[str] = Referral.status
    route: ColumnElement[str | None] | InstrumentedAttribute[str | None] = Referral.current_route
    if dialect == "sqlite" and sort is not None:
        status = status if sort in ("status", "decided") else status.concat("")  # decided: a short list, sorted
        route = route if sort == "route" else route.concat("")
    if flt.statuses:
        conditions.append(status.in_(flt.statuses))
    if flt.routes:
        conditions.append(route.in_(flt.routes))
    if flt.received_from is not None:
        conditions.append(Referral.received_on >= flt.received_from)
    if flt.received_to is not None:
        conditions.append(Referral.received_on <= flt.received_to)
    if flt.drafts_only:
        conditions.append(exists().where(Draft.referral_id == Referral.id))
    if flt.journey:
        conditions.append(_journey(flt, status))
    if needs_person:
        query = query.join(Person, Person.id == Referral.person_id)
    return query.where(and_(*conditions)) if conditions else query


def _journey(flt: ReferralFilter, status: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """The journey filter in SQL, as rules.waits flags a row: a running wait past a target is one whose
    clock started on or before ``target.over_since(today)``. Of the targets on one wait and one clock
    only the one reached first counts (past 42 days is past 28): one range each, which an index answers
    (the status and received date index for the screening, migration 0012's for the treatment)."""
    if flt.journey == "awaiting_contact":
        return status.in_(AWAITING_CONTACT)
    if flt.journey == "letter_not_sent":
        return status == "decided"
    if flt.journey == "awaiting_decision":  # a short list: read off the status index, then sorted
        return Referral.status == "screened"
    if flt.journey == "mine":
        return Referral.assigned_to == flt.viewer
    if flt.journey == "team":
        scope = flt.viewer_teams
        return true() if scope is None else or_(Referral.team_code.is_(None), Referral.team_code.in_(sorted(scope)))
    if flt.journey == "incomplete":
        return _incomplete()
    if flt.journey == "high_risk":
        # the referrals with any high-risk screening first (few), so the latest is looked up only for them
        ever_high = select(Screening.referral_id).where(Screening.risk == "high")
        return and_(Referral.id.in_(ever_high), status.in_(OPEN_STATUSES), _latest(Screening.risk) == "high")
    targets, today = flt.wait_targets(), flt.as_of()
    cutoffs: dict[tuple[str, bool], date] = {}  # (measure, on the opt-in clock) -> the latest over-since date
    for target in targets.targets:
        key = (target.measure, target.clock == "service" and targets.opt_in_clock)
        cutoffs[key] = max(cutoffs.get(key, date.min), target.over_since(today))
    running = {
        "first_contact": and_(Referral.first_contact_on.is_(None), status.in_(OPEN_STATUSES)),
        "screening": status.in_(BEFORE_SCREENING),
        "treatment": and_(Referral.treatment_started_on.is_(None), status.in_(OPEN_STATUSES)),
    }
    over = [and_(running[measure], (Referral.opted_in_on if opt_in else Referral.received_on) <= cutoff)
            for (measure, opt_in), cutoff in cutoffs.items()]  # fmt: skip
    return or_(*over) if over else false()


def _latest(column: InstrumentedAttribute[str]) -> ColumnElement[str | None]:
    """``column`` of the referral's latest screening (a screening redone replaces the earlier one)."""
    latest = select(column).where(Screening.referral_id == Referral.id)
    # correlated by name: used two levels down (``_incomplete``) it would otherwise select its own referral
    latest = latest.order_by(Screening.screened_at.desc(), Screening.id.desc()).limit(1).correlate(Referral)
    return latest.scalar_subquery()


def _incomplete() -> ColumnElement[bool]:
    """services.completeness.missing in SQL: not screened yet, or the latest screening without its
    problem descriptor, its employment status or any risk question answered yes or no."""
    latest = aliased(Screening)
    latest_id = _latest(Screening.id)
    asked = or_(*(latest.risk_details[(question, "present")].as_string().in_(("yes", "no"))
                  for question in RISK_QUESTIONS))  # fmt: skip
    lacking = or_(latest.problem_descriptor.is_(None),
                  latest.assessment[("circumstances", "employment_status")].as_string().is_(None), ~asked)  # fmt: skip
    return or_(~exists().where(Screening.referral_id == Referral.id),
               exists().where(latest.id == latest_id, lacking))  # fmt: skip


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _family_prefix(prefix: str, dialect: str) -> ColumnElement[bool]:
    # name_key holds the case-folded family name. PostgreSQL answers LIKE 'prefix%' from its
    # varchar_pattern_ops index; SQLite uses an index for a range in its binary collation, which
    # is exactly "starts with" for UTF-8 text.
    if dialect == "sqlite":
        return and_(Person.name_key >= prefix, Person.name_key < prefix + _HIGHEST)
    return Person.name_key.like(_like_prefix(prefix), escape="\\")


def _given_prefix(prefix: str, dialect: str) -> ColumnElement[bool]:
    # given_key holds the case-folded given name, indexed as name_key is (migration 0017): a given
    # name alone ("Smith" unknown, ", Jo") reads its index rather than every person.
    folded = prefix.casefold()
    if dialect == "sqlite":
        return and_(Person.given_key >= folded, Person.given_key < folded + _HIGHEST)
    return Person.given_key.like(_like_prefix(folded), escape="\\")
