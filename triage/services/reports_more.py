"""Four of the service's reports (issue 17, item 1; docs/reports.md): returns from other services and
repeat referrals, high-risk cases and the contact recorded for each, decisions against the matrix and in
the referral meeting, and what the records lack. ``reports.run_report`` runs them as it runs the others.

They count the same referrals as the others (``Fact``), and read what the facts do not hold through a
``Reading``: each kind of row (decisions, screenings, meeting items, the people's other referrals) in
one query for all the referrals counted, in the run's one transaction, only when a report asks for it.
Free text (an override's reason, who was contacted, the actions taken) and references are shown only in
the copy that stays in the service.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from triage.fields import has_words
from triage.labels import labels
from triage.services.completeness import ITEMS, missing
from triage.services.meeting_types import MEETING_OUTCOME_TEXT
from triage.services.report_tables import Column, Table, Value, counted_table, counts_by, share, with_total
from triage.store.models import Decision, MeetingItem, Referral, Screening
from triage.store.vocabulary import MEETING_OUTCOME_CODES, RISK_QUESTIONS

if TYPE_CHECKING:
    from triage.services.reports import Context, Fact

NO_DECISION = "No decision yet"


@dataclass(frozen=True, slots=True)
class DecisionRow:
    recommended_route: str
    recommended_step: int | None
    confirmed_route: str
    confirmed_step: int | None
    override_reason: str | None
    in_meeting: bool
    return_rationale: str | None  # recorded only when the route is a service that returned the person before

    @property
    def overridden(self) -> bool:
        return (self.confirmed_route, self.confirmed_step) != (self.recommended_route, self.recommended_step)


@dataclass(frozen=True, slots=True)
class RiskAnswerRow:
    present: str


@dataclass(frozen=True, slots=True)
class RiskRow:
    answers: tuple[RiskAnswerRow, ...]


@dataclass(frozen=True, slots=True)
class ScreeningRow:
    """What ``completeness.missing`` reads of a latest screening, as stored."""

    problem_descriptor: str | None
    risk_details: RiskRow
    assessment: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordRow:
    screening: ScreeningRow | None


@dataclass(frozen=True, slots=True)
class HighRisk:
    """A referral's first screening that rated risk high, and the contact its high-risk alert recorded."""

    screened_at: datetime
    contacted: str
    contacted_at: datetime | None
    actions_taken: str


class Reading:
    """The rows of the counted referrals beyond their facts, each kind read once, when first asked for."""

    def __init__(self, session: Session, referral_ids: Select[Any]) -> None:
        self._session, self._ids = session, referral_ids

    @cached_property
    def decisions(self) -> dict[str, DecisionRow]:
        """Each decided referral's latest decision."""
        query = (select(
            Decision.referral_id, Decision.recommended_route, Decision.recommended_step, Decision.confirmed_route,
            Decision.confirmed_step, Decision.override_reason, Decision.in_meeting, Decision.return_rationale)
            .where(Decision.referral_id.in_(self._ids)).order_by(Decision.decided_at, Decision.id))  # fmt: skip
        return {row[0]: DecisionRow(*row[1:]) for row in self._session.execute(query)}

    @cached_property
    def records(self) -> dict[str, RecordRow]:
        """Each screened referral's latest screening, as ``missing`` reads it: its problem descriptor,
        whether each risk question was asked, and the assessment's employment status, taken out of the
        stored JSON by the database (decoding every screening's whole JSON in Python is the slow part at
        100,000 referrals). A test checks the report and the record view agree, referral by referral."""
        asked = [Screening.risk_details[(q, "present")].as_string() for q in RISK_QUESTIONS]
        employment = Screening.assessment[("circumstances", "employment_status")].as_string()
        query = (select(Screening.referral_id, Screening.problem_descriptor, employment, *asked)
                 .where(Screening.referral_id.in_(self._ids)).order_by(Screening.screened_at, Screening.id))  # fmt: skip
        found, risks = {}, dict[tuple[str | None, ...], RiskRow]()  # few kinds of risk answers: each made once
        for referral_id, descriptor, status, *present in self._session.execute(query):
            key = tuple(present)
            if key not in risks:
                risks[key] = RiskRow(tuple(RiskAnswerRow(p or "not_asked") for p in key))  # absent: RiskItem's default
            assessment = {"circumstances": {"employment_status": status}}
            found[referral_id] = RecordRow(ScreeningRow(descriptor, risks[key], assessment))
        return found

    @cached_property
    def high_risk(self) -> dict[str, HighRisk]:
        """Each referral's first screening that rated risk high."""
        query = (select(
            Screening.referral_id, Screening.screened_at, Screening.risk_details)
            .where(Screening.referral_id.in_(self._ids), Screening.risk == "high")
            .order_by(Screening.screened_at.desc(), Screening.id.desc()))  # fmt: skip
        found = {}
        for referral_id, at, details in self._session.execute(query):  # newest first: the first one stays
            moment = details.get("contacted_at")
            when = datetime.fromisoformat(moment).astimezone() if moment else None  # a naive time: this clock's
            found[referral_id] = HighRisk(at, str(details.get("contacted") or ""), when,
                                          str(details.get("actions_taken") or ""))  # fmt: skip
        return found

    @cached_property
    def meeting_outcomes(self) -> list[str]:
        """The outcome of each case a referral meeting discussed (one per meeting item)."""
        query = select(MeetingItem.outcome)
        return list(self._session.scalars(query.where(MeetingItem.referral_id.in_(self._ids))))

    @cached_property
    def earlier(self) -> set[str]:
        """The counted referrals whose person has another referral received before them (any date, any
        team): received on an earlier day, or the same day and added earlier."""
        other = aliased(Referral)
        before = or_(other.received_on < Referral.received_on,
                     and_(other.received_on == Referral.received_on, other.created_at < Referral.created_at))  # fmt: skip
        query = self._ids.where(exists().where(other.person_id == Referral.person_id, other.id != Referral.id, before))
        return set(self._session.scalars(query))


def _route(context: Context, code: str | None, step: int | None = None) -> str:
    if code is None:
        return NO_DECISION
    return context.destinations.get(code, code) + (f" (step {step})" if step else "")


# --- returns from other services, and repeat referrals ------------------------------------------------


def bounces_report(facts: list[Fact], context: Context) -> tuple[Table, ...]:
    words, total = labels().returned_from, len(facts)
    decisions = context.reading.decisions
    returns = counted_table(
        "Referrals returned from another service", "Each referral once: a return is a referral recorded, when it "
        "was received, as coming back to us from another service.", "Returned from",
        counts_by(facts, lambda f: words[f.returned_from] if f.returned_from else "Not a return",
                  [*words.values(), "Not a return"]), total)  # fmt: skip
    columns = (Column("Returned from", "label"), Column("Returned"), Column("Decided"), Column("Referred back there"),
               Column("Share of those decided (%)", "share", rests_on=3, share_of=2))  # fmt: skip
    rows = []
    for code, label in words.items():
        came = [f for f in facts if f.returned_from == code]
        decided = [f for f in came if f.referral_id in decisions]
        back = sum(1 for f in decided if decisions[f.referral_id].confirmed_route == code)
        rows.append((label, len(came), len(decided), back))
    summed = with_total(rows, columns[:4])
    bounced = Table("Returned referrals referred back to the service that returned them", "Each returned referral "
                    "once; referred back: its latest decision's route is the service it came back from (another "
                    "service is not a route, so never counted back). Share: of the returned referrals decided.",
                    columns, tuple((*r, share(int(r[3] or 0), int(r[2] or 0))) for r in summed), total_row=True)  # fmt: skip
    again = [f for f in facts if f.referral_id in decisions and decisions[f.referral_id].return_rationale]
    sent_again = counted_table(
        "Referred to a service that had returned the person before", "Each decided referral once, by its latest "
        "decision: a route to a service that returned the person on any referral before, which the app takes "
        "only with the matrix rationale recorded. Share: of all the referrals decided.", "Route",
        counts_by(again, lambda f: _route(context, decisions[f.referral_id].confirmed_route)),
        sum(1 for f in facts if f.referral_id in decisions))  # fmt: skip
    earlier = context.reading.earlier

    def repeat(f: Fact) -> str:
        if f.arrived_while_open:
            return "Repeat: arrived while an earlier referral was open"
        return "Repeat: after an earlier referral" if f.referral_id in earlier else "First referral of the person"

    repeats = counted_table(
        "Repeat referrals", "Each referral once: a repeat is a referral of a person with another referral "
        "received before it (at any time, in any team); open: recorded when it arrived as a duplicate of one "
        "still open.", "Referral", counts_by(facts, repeat, ("First referral of the person", "Repeat: after an "
        "earlier referral", "Repeat: arrived while an earlier referral was open")), total)  # fmt: skip
    per_person = Counter(f.person_id for f in facts)
    people = counted_table(
        "People referred more than once in the range", "Each person once, by how many of the referrals counted "
        "are theirs.", "Referrals in the range",
        counts_by(per_person.values(), lambda n: "One" if n == 1 else "Two" if n == 2 else "Three or more",
                  ("One", "Two", "Three or more")), len(per_person), unit="People")  # fmt: skip
    return returns, bounced, sent_again, repeats, people


# --- high-risk cases -------------------------------------------------------------------------------

WHEN_CONTACTED = (
    "During the call (before the screening was saved)", "Within 1 hour after", "1 to 4 hours after",
    "4 to 24 hours after", "More than 24 hours after", "No contact time recorded",
)  # fmt: skip


def _minutes(case: HighRisk) -> int | None:
    """Minutes from the screening being saved to the contact the alert recorded (negative: before)."""
    if case.contacted_at is None:
        return None
    return int((case.contacted_at - case.screened_at).total_seconds() // 60)


def _when(minutes: int | None) -> str:
    if minutes is None:
        return WHEN_CONTACTED[5]
    bounds = ((0, 0), (60, 1), (240, 2), (1440, 3))
    return WHEN_CONTACTED[next((n for limit, n in bounds if minutes <= limit), 4)]


def _took(minutes: int | None) -> str:
    if minutes is None:
        return "no time recorded"
    hours, rest = divmod(abs(minutes), 60)
    span = f"{hours} h {rest} min" if hours else f"{rest} min"
    return f"{span} before the screening was saved" if minutes <= 0 else f"{span} after the screening"


def high_risk_report(facts: list[Fact], context: Context) -> tuple[Table, ...]:
    cases = context.reading.high_risk
    high = [f for f in facts if f.referral_id in cases]

    def rated(f: Fact) -> str:
        return "Rated high risk" if f.referral_id in cases else "Screened, never high risk" if f.screened else (
            "Not screened yet")  # fmt: skip

    of_all = counted_table("High-risk cases", "Each referral once: high risk is a screening (any of its "
                           "screenings) that rated risk high.", "Risk", counts_by(
                           facts, rated, ("Rated high risk", "Screened, never high risk", "Not screened yet")),
                           len(facts))  # fmt: skip
    when = counted_table(
        "When the high-risk contact was made", "Each high-risk case once, by its first high-risk screening: the "
        "time the high-risk alert recorded for contacting the duty manager, supervisor or crisis team, against "
        "the time the screening was saved (the end of the call). Share: of the high-risk cases.", "Contact",
        counts_by(high, lambda f: _when(_minutes(cases[f.referral_id])), WHEN_CONTACTED), len(high),
        unit="Cases")  # fmt: skip
    acted = counted_table(
        "Actions recorded for high-risk cases", "Each high-risk case once, by its first high-risk screening: "
        "who was contacted and what was agreed, recorded in words or not (older records may lack them).",
        "Recorded", counts_by(high, lambda f: _acted(cases[f.referral_id]), ACTED), len(high), unit="Cases")  # fmt: skip
    routes = counted_table(
        "High-risk cases by the route decided", "Each high-risk case once, by the route of its latest confirmed "
        "decision.", "Route", counts_by(high, lambda f: _route(context, f.route)), len(high), unit="Cases")  # fmt: skip
    if context.leaving:
        return of_all, when, acted, routes
    columns = (Column("Reference", "label"), Column("Screened", "text"), Column("Contacted", "text"),
               Column("At", "text"), Column("Time to contact", "text"), Column("Actions taken", "text"),
               Column("Route decided", "text"))  # fmt: skip
    rows = []
    for f in high:
        case = cases[f.referral_id]
        at = f"{case.contacted_at:%d/%m/%Y %H:%M}" if case.contacted_at else ""
        rows.append((f.reference, f"{case.screened_at.astimezone():%d/%m/%Y %H:%M}", case.contacted, at,
                     _took(_minutes(case)), case.actions_taken, _route(context, f.route)))  # fmt: skip
    people = Table("High-risk cases, one by one", "One line per high-risk case, by reference only, its first "
                   "high-risk screening's contact and actions as recorded; times on this computer's clock.",
                   columns, tuple(rows))  # fmt: skip
    return of_all, when, acted, routes, people


ACTED = ("Contact and actions recorded", "Contact recorded, no actions", "Actions recorded, no contact",
         "Neither recorded")  # fmt: skip


def _acted(case: HighRisk) -> str:
    contact, actions = has_words(case.contacted) and case.contacted_at is not None, has_words(case.actions_taken)
    return ACTED[0] if contact and actions else ACTED[1] if contact else ACTED[2] if actions else ACTED[3]


# --- decisions ------------------------------------------------------------------------------------

AGREEMENT = ("As the matrix recommended", "Another route", "The same route, another step")


def _override(context: Context, d: DecisionRow) -> str:
    if d.confirmed_route == d.recommended_route:
        return f"{_route(context, d.confirmed_route)}: step {d.recommended_step}, then step {d.confirmed_step}"
    return f"{_route(context, d.recommended_route, d.recommended_step)}, then {_route(context, d.confirmed_route, d.confirmed_step)}"


def decisions_report(facts: list[Fact], context: Context) -> tuple[Table, ...]:
    decisions = context.reading.decisions
    decided = [(f, decisions[f.referral_id]) for f in facts if f.referral_id in decisions]
    of_all = counted_table("Referrals decided", "Each referral once: decided, a confirmed decision is recorded.",
                           "Decision", [("Decided", len(decided)), (NO_DECISION, len(facts) - len(decided))],
                           len(facts))  # fmt: skip

    def agreement(d: DecisionRow) -> str:
        return AGREEMENT[0] if not d.overridden else AGREEMENT[1] if d.confirmed_route != d.recommended_route else (
            AGREEMENT[2])  # fmt: skip

    agreed = counted_table(
        "Agreement between the matrix and the route confirmed", "Each decided referral once, by its latest "
        "decision: the route and step confirmed against the matrix's recommendation. Share: of those decided.",
        "Decision", counts_by([d for _, d in decided], agreement, AGREEMENT), len(decided))  # fmt: skip
    overrides = [d for _, d in decided if d.overridden]
    by_route = counted_table(
        "Overrides by the route recommended and the route confirmed", "Each overridden latest decision once: "
        "what the matrix recommended, then what was confirmed.", "Recommended, then confirmed",
        counts_by(overrides, lambda d: _override(context, d)), len(overrides))  # fmt: skip
    where = counted_table(
        "Where the latest decision was taken", "Each decided referral once, by its latest decision: taken by "
        "the team in a referral meeting, or outside one.", "Taken",
        counts_by([d for _, d in decided], lambda d: "In a referral meeting" if d.in_meeting else "Outside a meeting",
                  ("In a referral meeting", "Outside a meeting")), len(decided))  # fmt: skip
    outcomes = context.reading.meeting_outcomes
    said: dict[str, str] = {code: text.capitalize() for code, text in MEETING_OUTCOME_TEXT.items()}
    meeting = counted_table(
        "Referral meeting outcomes", "Each case a referral meeting discussed, once a meeting: a referral "
        "discussed at two meetings counts twice.", "Outcome",
        counts_by(outcomes, lambda o: said.get(o, o), [said[o] for o in MEETING_OUTCOME_CODES]), len(outcomes),
        unit="Cases")  # fmt: skip
    if context.leaving:  # a reason is free text: it may name someone, so it stays in the service
        return of_all, agreed, by_route, where, meeting
    reasons = counted_table(
        "Overrides by reason", "Each overridden latest decision once, by its reason as typed (spaces "
        "trimmed); the same words count together.", "Reason",
        counts_by(overrides, lambda d: " ".join((d.override_reason or "(none recorded)").split())), len(overrides),
        unit="Overrides")  # fmt: skip
    return of_all, agreed, by_route, reasons, where, meeting


# --- data completeness ------------------------------------------------------------------------------

NOT_ASSIGNED = "Not assigned"


def _said(item: str) -> str:
    return item[:1].upper() + item[1:]


def completeness_report(facts: list[Fact], context: Context) -> tuple[Table, ...]:
    records = context.reading.records
    gaps = {f.referral_id: missing(records.get(f.referral_id, RecordRow(None))) for f in facts}
    how = ("the items its record shows as not yet recorded (the record view's check): before the first "
           "screening, the screening's parts; after it, the latest screening's problem descriptor, risk questions "
           "and employment status")  # fmt: skip
    total = len(facts)
    complete = counted_table("Complete records", f"Each referral once, complete or not, by {how}.", "Record",
                             [("Complete", sum(1 for g in gaps.values() if not g)),
                              ("Something not recorded", sum(1 for g in gaps.values() if g))], total)  # fmt: skip
    item_columns = (Column("Item", "label"), Column("Referrals without it"), Column("Share (%)", "share", rests_on=1))
    lacking = Counter(item for g in gaps.values() for item in g)
    by_item = Table("What the records lack, by item", f"Each referral once for each item it lacks, by {how}; a "
                    "referral may lack several, so these do not add up. Share: of all the referrals counted.",
                    item_columns, tuple((_said(item), lacking[item], share(lacking[item], total)) for item in ITEMS))  # fmt: skip
    columns = (Column("Clinician (assigned)", "label"), Column("Referrals"), Column("Complete"),
               Column("Share complete (%)", "share", rests_on=2, share_of=1),
               *(Column(f"Without {item}") for item in ITEMS))  # the record's words  # fmt: skip
    grouped: dict[str, list[Fact]] = defaultdict(list)
    for f in facts:
        grouped[f.assigned_to or NOT_ASSIGNED].append(f)
    order = sorted(k for k in grouped if k != NOT_ASSIGNED) + ([NOT_ASSIGNED] if NOT_ASSIGNED in grouped else [])
    rows: list[tuple[Value, ...]] = []
    for clinician in order:
        theirs = [gaps[f.referral_id] for f in grouped[clinician]]
        whole = sum(1 for g in theirs if not g)
        rows.append((clinician, len(theirs), whole, share(whole, len(theirs)),
                     *(sum(1 for g in theirs if item in g) for item in ITEMS)))  # fmt: skip
    summed = with_total(rows, columns)
    summed = (*summed[:-1], (*summed[-1][:3], share(int(summed[-1][2] or 0), total), *summed[-1][4:]))
    by_clinician = Table("Completeness by clinician", f"Each referral once, by the clinician it is assigned to "
                         f"(not who screened it), by {how}; Without: how many lack each item.", columns, summed,
                         total_row=True)  # fmt: skip
    return complete, by_item, by_clinician
