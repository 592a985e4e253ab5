"""The record of one referral, read-only: what opening any referral shows, decided or not.

Everything a person needs to see what was done and why, in ONE transaction so the parts agree with
each other: the person and the referral; the latest screening with every answer; the seven ratings
and the matrix trace; the risk answers, protective factors and actions taken; the decision (who, when,
recommended against chosen, the reason); the letters and the status history; the person's other
referrals. ``view_referral``, recorded as one view of the referral. Opening the record never creates,
loads or changes a draft: re-screening is a separate, permission-checked action.

The trace of a decision is the stored screening replayed under the ruleset the decision recorded
(``replay_stored``, the same replay as ``replay_decision``); when that ruleset is not on this computer
the routing stored with the decision is shown, and says so. A screening not yet decided is traced under
the ruleset in force, as the recommendation ``recommend`` would give.

Plain frozen dataclasses, no ORM objects: safe to hand to the ui and the command line after the
transaction ends. Parts holding patient data show no values in their repr. The text and JSON forms
are ``record_as_text`` and ``record_as_json`` (kept in ``record_output``, re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from triage.rules.engine import route
from triage.rules.ruleset import Ruleset, default_ruleset
from triage.rules.vocabulary import VARIABLES
from triage.rules.waits import WaitTargets
from triage.services.corrections import CorrectionEntry, corrections_of
from triage.services.decisions import json_shaped, replay_stored
from triage.services.inputs import RiskItem, ScreeningInput
from triage.services.journey_record import JourneyPart, journey_part
from triage.services.letters import RecordedLetter, recorded_letter
from triage.services.merges import MergeEntry, merges_of
from triage.services.permissions import User, record_view, require
from triage.services.record_output import record_as_json, record_as_text
from triage.services.referrals import HistoryEntry, history_entry
from triage.services.screenings import screening_input
from triage.services.service_settings import read_service_settings
from triage.store.database import Store
from triage.store.errors import NotFoundError
from triage.store.models import Decision, LetterRecord, Referral, Screening
from triage.store.vocabulary import RISK_QUESTIONS

__all__ = [
    "CorrectionEntry", "DecisionPart", "DestinationPart", "InterventionPart", "MatrixTrace", "MergeEntry", "Names", "PersonPart", "PracticePart",
    "Rating", "RatingNote", "ReferralPart", "ReferralRecord", "RiskAnswer", "RiskPart", "ScreeningPart",
    "StatusEntry", "record_as_json", "record_as_text", "referral_record",
]  # fmt: skip

# What the one audit event says was shown: the names of the parts, never their content.
VIEW_SUMMARY = (
    "viewed the referral's record (screening, decision and trace, letters, history, merges, journey, other referrals)"
)

TraceBasis = Literal["replayed", "stored", "ruleset_in_force"]

# Every part below is frozen, slotted and keeps its values out of repr (they would reach logs and tracebacks).


@dataclass(frozen=True, slots=True, repr=False)
class PersonPart:
    id: str
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    version: int  # what a correction started from this record hands back to correct_identity


@dataclass(frozen=True, slots=True, repr=False)
class PracticePart:
    code: str
    name: str


@dataclass(frozen=True, slots=True, repr=False)
class ReferralPart:
    id: str
    reference: str  # the short service reference a person reads on the phone (DON-000123)
    received_on: date
    source: str
    status: str
    gp_practice: PracticePart | None
    phone: str | None
    address_lines: tuple[str, ...]  # the postal address without its postcode (none: ())
    postcode: str | None
    referring_gp: str | None
    letter_to_practice: bool  # the GP letter goes to the practice, by a recorded choice
    interpreter_language: str | None
    notes: str | None
    returned_from: str | None
    duplicate_of_id: str | None  # another referral for the person was open when this one arrived
    current_route: str | None
    current_step: int | None
    team_code: str | None  # the team it belongs to; None: the whole service's
    assigned_to: str | None  # the assigned clinician's username
    created_at: datetime
    updated_at: datetime
    version: int  # what an edit started from this record hands back to update_referral


@dataclass(frozen=True, slots=True, repr=False)
class RiskAnswer:
    question: str  # thoughts, intent, plan, history (RiskDetails' fields)
    present: str  # yes, no, not_asked
    detail: str


@dataclass(frozen=True, slots=True, repr=False)
class RiskPart:
    answers: tuple[RiskAnswer, ...]
    protective_factors: str
    protective_level: str | None  # present / some / none_minimal; None: not rated
    contacted: str
    contacted_at: datetime | None
    actions_taken: str


@dataclass(frozen=True, slots=True, repr=False)
class InterventionPart:
    intervention: str
    outcome: str
    step: str | None = None  # where and at which step (INTERVENTION_STEPS); None: not recorded (older records)
    year: int | None = None


@dataclass(frozen=True, slots=True, repr=False)
class RatingNote:
    variable: str
    note: str


@dataclass(frozen=True, slots=True, repr=False)
class ScreeningPart:
    """Every answer of one screening, as recorded: ScreeningInput's fields, under their names, after
    ``RECORD_ONLY_FIELDS`` (built from them in ``_screening``, so neither side can drop one)."""

    id: str
    screened_at: datetime
    screened_by: str
    phq9: tuple[int, ...]
    gad7: tuple[int, ...]
    wsas: tuple[int, ...] | None  # None: not asked
    chronicity: str
    complexity: str
    impairment: str
    substance_use: str
    risk: str
    rating_notes: tuple[RatingNote, ...]
    risk_details: RiskPart
    long_term_conditions: tuple[str, ...]
    medically_unexplained_symptoms: bool
    mus_kinds: tuple[str, ...]  # the kinds of MUS ticked (live-call issue, defect 7)
    problem_descriptor: str | None
    previous_interventions: tuple[InterventionPart, ...]
    secondary_descriptors: tuple[str, ...]
    discuss_in_supervision: bool
    assessment: dict[str, Any]  # services.assessment.Assessment as JSON: access needs, circumstances, goals, choice


# ScreeningPart's fields that are the screening row's, not answers (the rest are ScreeningInput's).
RECORD_ONLY_FIELDS = ("id", "screened_at", "screened_by")


@dataclass(frozen=True, slots=True, repr=False)
class Rating:
    variable: str
    level: str


@dataclass(frozen=True, slots=True, repr=False)
class DestinationPart:
    code: str
    label: str
    triggered_by: tuple[str, ...]


@dataclass(frozen=True, slots=True, repr=False)
class MatrixTrace:
    """How the matrix reached its recommendation for one screening: the seven ratings, the destinations
    each fired, the route and step, and the rules that held."""

    screening_id: str
    basis: TraceBasis
    ruleset_id: str
    ruleset_version: str
    ruleset_sha256: str
    ruleset_status: str
    phq9_total: int
    gad7_total: int
    ratings: tuple[Rating, ...]  # the seven, in the matrix's order
    destinations: tuple[DestinationPart, ...]
    route: str
    step: int | None
    needs_confirmation: bool
    warnings: tuple[str, ...]
    reasons: tuple[str, ...]
    matched_cells: tuple[str, ...]
    matched_steps: tuple[str, ...]
    matched_confirmation: tuple[str, ...]
    matched_warnings: tuple[str, ...]
    replay_matches: bool | None  # None when nothing was replayed
    replay_message: str


@dataclass(frozen=True, slots=True, repr=False)
class DecisionPart:
    id: str
    screening_id: str
    on_latest_screening: bool  # False: the referral was screened again after this decision
    decided_by: str
    decided_at: datetime
    recommended_route: str
    recommended_step: int | None
    confirmed_route: str
    confirmed_step: int | None
    override_reason: str | None
    warnings_acknowledged: bool
    ruleset_id: str
    ruleset_version: str
    ruleset_sha256: str
    outcome_criterion: str | None = None  # the ruleset's criterion that applied (not suitable)
    return_rationale: str | None = None  # why the matrix points again to a service that returned the person

    @property
    def overridden(self) -> bool:
        return (self.confirmed_route, self.confirmed_step) != (self.recommended_route, self.recommended_step)


@dataclass(frozen=True, slots=True, repr=False)
class StatusEntry:
    status: str
    changed_at: datetime
    actor: str


@dataclass(frozen=True, slots=True, repr=False)
class Names:
    """What the ruleset calls routes, variables and levels: the decision's own ruleset when it is
    here, else the one in force (every ruleset names every route)."""

    routes: Mapping[str, str]  # every outcome's label: the routes, discharges and local services
    variables: Mapping[str, str]
    levels: Mapping[str, str]
    criteria: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # the outcomes' criteria, by code


@dataclass(frozen=True, slots=True, repr=False)
class ReferralRecord:
    person: PersonPart
    referral: ReferralPart
    screening: ScreeningPart | None  # the latest; None before the first
    screenings_recorded: int
    trace: MatrixTrace | None  # of the decision's screening when decided, else of the latest screening
    decision: DecisionPart | None  # the latest
    decisions_recorded: int
    letters: tuple[RecordedLetter, ...]  # every letter event, oldest first
    status_history: tuple[StatusEntry, ...]
    journey: JourneyPart  # contact steps, journey dates, waits and their flags, why closed (docs/journey.md)
    earlier_referrals: tuple[HistoryEntry, ...]  # the person's other referrals, oldest first
    corrections: tuple[CorrectionEntry, ...]  # of the person's identifiers, oldest first
    merges: tuple[MergeEntry, ...]  # the person kept or merged in a merge of two records, oldest first, with any undo
    names: Names

    def __repr__(self) -> str:
        return f"<ReferralRecord {self.referral.id}>"


# --- the use case --------------------------------------------------------------------------------


def referral_record(
    store: Store, user: User, referral_id: str, *, extra_rulesets: Iterable[Path] = (),
    wait_targets: WaitTargets | None = None, today: date | None = None,
) -> ReferralRecord:  # fmt: skip
    """The whole read-only record of a referral (``view_referral``; one view of the referral, in the
    same transaction as the reads). NotFoundError, naming no id, for an unknown referral. Waits are
    flagged against ``wait_targets`` (the service's; default the shipped file) as of ``today``."""
    require(user, "view_referral", store=store)
    with store.write() as session:  # written only by the audit event: what cannot be recorded is not shown
        referral = session.scalars(
            select(Referral)
            .where(Referral.id == referral_id)
            .options(
                selectinload(Referral.person),
                selectinload(Referral.gp_practice),
                selectinload(Referral.status_changes),
                selectinload(Referral.screenings),
                selectinload(Referral.decisions),
                selectinload(Referral.contacts),
            )
        ).one_or_none()
        if referral is None:
            raise NotFoundError("no referral with that id")
        record_view(session, user, "referral", referral.id, summary=VIEW_SUMMARY)
        targets = wait_targets or read_service_settings(session).wait_targets  # the service's, from the store
        journey = journey_part(referral, targets, today or date.today())
        return _record(session, referral, tuple(extra_rulesets), journey)


def _record(
    session: Session, referral: Referral, extra_rulesets: tuple[Path, ...], journey: JourneyPart
) -> ReferralRecord:
    latest = referral.screenings[-1] if referral.screenings else None
    decision = referral.decisions[-1] if referral.decisions else None
    trace, ruleset = _trace(referral, latest, decision, extra_rulesets)
    return ReferralRecord(
        person=_person(referral),
        referral=_referral(referral),
        screening=_screening(latest) if latest is not None else None,
        screenings_recorded=len(referral.screenings),
        trace=trace,
        decision=_decision(decision, latest) if decision is not None else None,
        decisions_recorded=len(referral.decisions),
        letters=_letters(session, referral.id),
        status_history=tuple(StatusEntry(c.status, c.changed_at, c.actor) for c in referral.status_changes),
        corrections=corrections_of(session, referral.person_id),
        merges=merges_of(session, referral.person_id),
        journey=journey,
        earlier_referrals=_earlier_referrals(session, referral),
        names=_names(ruleset or default_ruleset()),
    )


# --- the parts -----------------------------------------------------------------------------------


def _person(referral: Referral) -> PersonPart:
    person = referral.person
    return PersonPart(person.id, person.nhs_number, person.given_name, person.family_name, person.date_of_birth,
                      person.version)  # fmt: skip


def _referral(r: Referral) -> ReferralPart:
    practice = PracticePart(r.gp_practice.code, r.gp_practice.name) if r.gp_practice is not None else None
    return ReferralPart(
        id=r.id, reference=r.reference, received_on=r.received_on, source=r.source, status=r.status, gp_practice=practice, phone=r.phone,
        address_lines=r.address_lines, postcode=r.postcode, referring_gp=r.referring_gp,
        letter_to_practice=r.letter_to_practice, interpreter_language=r.interpreter_language, notes=r.notes, returned_from=r.returned_from,
        duplicate_of_id=r.duplicate_of_id, current_route=r.current_route, current_step=r.current_step,
        team_code=r.team_code, assigned_to=r.assigned_to,
        created_at=r.created_at, updated_at=r.updated_at, version=r.version,
    )  # fmt: skip


def _screening(screening: Screening) -> ScreeningPart:
    answers: ScreeningInput = screening_input(screening)  # validated: the same reading replay and letters use
    # Three answers are shown in parts of their own; every other field is carried as it is. Passing
    # every field by name makes one ScreeningPart lacks (or has over) a TypeError, never a gap.
    shown: dict[str, Any] = {
        "rating_notes": tuple(RatingNote(v, answers.rating_notes[v]) for v in VARIABLES if answers.rating_notes.get(v)),
        "risk_details": _risk(answers),
        "previous_interventions": tuple(InterventionPart(i.intervention, i.outcome, i.step, i.year)
                                        for i in answers.previous_interventions),
        "assessment": answers.assessment.model_dump(mode="json"),
    }  # fmt: skip
    carried: dict[str, Any] = {name: shown.get(name, getattr(answers, name)) for name in ScreeningInput.model_fields}
    return ScreeningPart(id=screening.id, screened_at=screening.screened_at, screened_by=screening.screened_by,
                         **carried)  # fmt: skip


def _risk(answers: ScreeningInput) -> RiskPart:
    details = answers.risk_details
    items: list[RiskItem] = [getattr(details, question) for question in RISK_QUESTIONS]
    # The four questions as answers; every other field of RiskDetails by name (one missing: TypeError).
    return RiskPart(
        answers=tuple(RiskAnswer(q, item.present, item.detail) for q, item in zip(RISK_QUESTIONS, items, strict=True)),
        **details.model_dump(exclude=set[str](RISK_QUESTIONS)),
    )


def _decision(decision: Decision, latest: Screening | None) -> DecisionPart:
    return DecisionPart(
        id=decision.id, screening_id=decision.screening_id,
        on_latest_screening=latest is not None and latest.id == decision.screening_id,
        decided_by=decision.decided_by, decided_at=decision.decided_at,
        recommended_route=decision.recommended_route, recommended_step=decision.recommended_step,
        confirmed_route=decision.confirmed_route, confirmed_step=decision.confirmed_step,
        override_reason=decision.override_reason, warnings_acknowledged=decision.warnings_acknowledged,
        ruleset_id=decision.ruleset_id, ruleset_version=decision.ruleset_version,
        ruleset_sha256=decision.ruleset_sha256, outcome_criterion=decision.outcome_criterion,
        return_rationale=decision.return_rationale,
    )  # fmt: skip


def _letters(session: Session, referral_id: str) -> tuple[RecordedLetter, ...]:
    rows = session.scalars(
        select(LetterRecord).where(LetterRecord.referral_id == referral_id)
        .order_by(LetterRecord.created_at, LetterRecord.id)
    )  # fmt: skip
    return tuple(recorded_letter(row) for row in rows)


def _earlier_referrals(session: Session, referral: Referral) -> tuple[HistoryEntry, ...]:
    # Every other referral of the person, as the app's heading lists them: a later one matters as much.
    others = session.scalars(
        select(Referral)
        .where(Referral.person_id == referral.person_id, Referral.id != referral.id)
        .options(selectinload(Referral.decisions))
        .order_by(Referral.received_on, Referral.created_at)
    )
    return tuple(history_entry(other) for other in others)


def _names(ruleset: Ruleset) -> Names:
    return Names(
        routes=MappingProxyType(dict(ruleset.outcome_labels)),
        variables=MappingProxyType({str(k): v for k, v in ruleset.variable_labels.items()}),
        levels=MappingProxyType({str(k): v for k, v in ruleset.document.levels.items()}),
        criteria=MappingProxyType({c.code: c.label for e in ruleset.decision_outcomes for c in e.criteria or ()}),
    )


# --- the trace -----------------------------------------------------------------------------------


def _trace(
    referral: Referral, latest: Screening | None, decision: Decision | None, extra_rulesets: tuple[Path, ...]
) -> tuple[MatrixTrace | None, Ruleset | None]:
    """The trace and the ruleset it came from (None: the ruleset is not here, or nothing to trace)."""
    if decision is not None:
        screening = next(s for s in referral.screenings if s.id == decision.screening_id)
        replayed = replay_stored(decision, screening, extra_rulesets)
        if replayed.routing is None:  # the ruleset is not on this computer: what was stored, said so
            trace = _from_contract(screening.id, "stored", decision.routing, decision.matched_rules, None,
                                   replayed.replay.message)  # fmt: skip
            return trace, None
        matched = json_shaped(asdict(replayed.routing.matched))
        trace = _from_contract(screening.id, "replayed", json_shaped(replayed.routing.to_contract()), matched,
                               replayed.replay.matches, replayed.replay.message)  # fmt: skip
        return trace, replayed.ruleset
    if latest is None:
        return None, None
    ruleset = default_ruleset()
    routing = route(screening_input(latest).to_routing(), ruleset)
    message = f"not yet decided: the recommendation under the ruleset in force ({ruleset.id} {ruleset.version})"
    trace = _from_contract(latest.id, "ruleset_in_force", json_shaped(routing.to_contract()),
                           json_shaped(asdict(routing.matched)), None, message)  # fmt: skip
    return trace, ruleset


def _from_contract(
    screening_id: str, basis: TraceBasis, contract: dict[str, Any], matched: dict[str, Any], matches: bool | None,
    message: str,
) -> MatrixTrace:  # fmt: skip
    """The trace from a routing in its JSON contract form: a replay and a stored decision read alike."""
    ruleset, ratings = contract["ruleset"], contract["ratings"]
    return MatrixTrace(
        screening_id=screening_id, basis=basis, ruleset_id=ruleset["id"], ruleset_version=ruleset["version"],
        ruleset_sha256=ruleset["sha256"], ruleset_status=ruleset["status"],
        phq9_total=int(contract["scores"]["phq9"]), gad7_total=int(contract["scores"]["gad7"]),
        ratings=tuple(Rating(v, str(ratings[v])) for v in VARIABLES),
        destinations=tuple(DestinationPart(d["code"], d["label"], tuple(d["triggered_by"]))
                           for d in contract["destinations"]),
        route=contract["route"], step=contract["step"], needs_confirmation=bool(contract["needs_confirmation"]),
        warnings=tuple(contract["warnings"]), reasons=tuple(contract["reasons"]),
        matched_cells=tuple(matched.get("cells", ())), matched_steps=tuple(matched.get("steps", ())),
        matched_confirmation=tuple(matched.get("confirmation", ())),
        matched_warnings=tuple(matched.get("warnings", ())), replay_matches=matches, replay_message=message,
    )  # fmt: skip


def returns_of(record: ReferralRecord) -> list[tuple[str, date]]:
    """Each time another service returned this person to us: its code and the date the returned
    referral was received, from this referral and the person's others (issue 15, item 6)."""
    entries = [(h.returned_from, h.received_on) for h in record.earlier_referrals]
    entries.append((record.referral.returned_from, record.referral.received_on))
    return [(code, when) for code, when in entries if code]
