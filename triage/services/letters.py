"""Letter use cases: build a letter from a stored, confirmed decision, and record each letter event.

A thin adapter between the store and ``triage.letters``: the referral, the GP practice from the
directory, the screening and the decision are turned into the letters package's inputs, and that
package does all the checking and writing. The letter is always built under the ruleset the decision
was made with (looked up by its content hash), never the one in force today.

Recording: each letter built is recorded once as ``generated``; each time it leaves the service it is
recorded again as ``printed`` or ``saved``. Only the GP letter leaving moves the referral from
decided to letter sent: the GP letter is the one the referrer is waiting for (the patient copy and
the referral-on summary are recorded and audited, but do not change the status). Every row is
audited as a ``letter`` event whose summary holds the kind, the event, pages and hash: no identifiers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from triage.fields import has_words
from triage.letters.command import letter_problems
from triage.letters.particulars import (
    Decision as LetterDecision,
)
from triage.letters.particulars import (
    Details,
    Gp,
    Helpline,
    LetterInputError,
    Particulars,
    Patient,
    Postcode,
    PreviousIntervention,
    RiskAnswer,
    Screener,
    Service,
)
from triage.letters.particulars import (
    Referral as LetterReferral,
)
from triage.letters.templates import LetterKind, default_templates
from triage.rules.engine import route
from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import ROUTES
from triage.services.decisions import find_ruleset, json_shaped
from triage.services.directory import PracticeEntry
from triage.services.inputs import RiskDetails
from triage.services.inputs import ScreeningInput as ScreeningAnswers
from triage.services.permissions import User, record_view, require
from triage.services.referrals import load_referral, move_to_status
from triage.services.screenings import screening_input
from triage.services.service_settings import held_ruleset
from triage.settings import Contact, ServiceSettings
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import NotFoundError, RefusedError
from triage.store.models import Decision, GpPractice, LetterRecord, Referral, Screening
from triage.store.types import utc_now
from triage.store.vocabulary import RISK_QUESTIONS, LetterEvent

if TYPE_CHECKING:
    from triage.letters.letter import Letter

_T = TypeVar("_T")
RulesetLookup = Callable[[str], Ruleset | None]

KIND_NAMES: dict[LetterKind, str] = {"gp": "GP letter", "patient": "patient copy", "referral-on": "referral-on summary"}
OUTPUTS: tuple[LetterEvent, ...] = ("printed", "saved")
# Which letter moves the referral to letter sent when it leaves (see the module docstring).
STATUS_MOVING_KIND: LetterKind = "gp"

GP_ADDRESS_MISSING = (
    "the GP practice's address is missing: add the practice (with its address and postcode) to the GP "
    "practice directory and link it to the referral; no letter can be produced without it"
)


class GpAddressMissing(RefusedError):
    """The referral has no GP practice, or the directory has no usable address for it."""


@dataclass(frozen=True, slots=True)
class DecidedReferral:
    """What the letter dialog needs about a decided referral (no patient identifiers)."""

    referral_id: str
    decision_id: str
    status: str
    confirmed_route: str
    confirmed_step: int | None
    kinds: tuple[LetterKind, ...]  # the letters this decision can have, in the templates' order


@dataclass(frozen=True, slots=True)
class RecordedLetter:
    """One row of the letter table."""

    id: str
    referral_id: str
    decision_id: str
    kind: LetterKind
    event: LetterEvent
    sha256: str
    pages: int
    created_by: str
    created_at: datetime


# --- which decision, which letters ----------------------------------------------------------------


def letter_kinds(route_code: str) -> tuple[LetterKind, ...]:
    """The kinds of letter for a route, as the templates declare them (the referral-on summary is only
    for routes outside IAPT). An outcome other than a matrix route (a discharge, a local service) has
    its GP letter only."""
    if route_code not in ROUTES:
        return ("gp",)
    kinds = default_templates().kinds
    return tuple(kind for kind, template in kinds.items() if template.routes is None or route_code in template.routes)


def decided_referral(store: Store, user: User, referral_id: str) -> DecidedReferral:
    """The referral's current confirmed decision; RefusedError when it has none to write letters from.
    ``view_referral``; recorded as a view of the referral."""
    require(user, "view_referral", store=store)
    with store.write() as session:
        referral = load_referral(session, referral_id)
        decision = _latest_decision(session, referral)
        record_view(session, user, "referral", referral_id)
        return DecidedReferral(referral.id, decision.id, referral.status, decision.confirmed_route,
                               decision.confirmed_step, letter_kinds(decision.confirmed_route))  # fmt: skip


def _latest_decision(session: Session, referral: Referral) -> Decision:
    # Letters only ever report the referral's current decision: after a re-screen (status back to
    # screened) the old decision must not go out, and a closed referral sends nothing.
    if referral.status not in ("decided", "letter_sent"):
        raise RefusedError(
            f"a referral that is {referral.status.replace('_', ' ')} has no confirmed decision to write a letter from"
        )
    decision = session.scalars(
        select(Decision).where(Decision.referral_id == referral.id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1)
    ).first()  # fmt: skip
    if decision is None:
        raise RefusedError("the referral has no confirmed decision to write a letter from")
    return decision


def _current_decision(session: Session, decision_id: str) -> tuple[Referral, Decision]:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFoundError("no decision with that id")
    referral = load_referral(session, decision.referral_id)
    if _latest_decision(session, referral).id != decision.id:
        raise RefusedError("this decision was replaced by a later one: letters are written from the latest decision")
    return referral, decision


# --- building ------------------------------------------------------------------------------------


def letterhead(settings: ServiceSettings) -> Service | None:
    """The service's letterhead from the settings (None: the templates' default service name)."""
    local = settings.crisis_contacts + settings.duty_contacts
    if not settings.service_name and not local:
        return None
    try:
        return Service(name=settings.service_name or default_templates().common.default_service,
                       address_lines=settings.address_lines, phone=settings.phone or None,
                       local_lines=tuple(_helpline(c) for c in local),
                       national_lines=tuple(_helpline(c) for c in settings.national_contacts))  # fmt: skip
    except ValidationError as exc:
        problems = "; ".join(f"service.{p}" for p in letter_problems(exc))
        raise RefusedError(f"the service letterhead in Settings cannot be printed on a letter: {problems}") from None


def _helpline(contact: Contact) -> Helpline:
    return Helpline(name=contact.name, phone=contact.phone, hours=contact.hours or None)


def letter_screener(name: str, role: str) -> Screener:
    """Who signs the letter, checked as the letters package checks it."""
    return _validated(lambda: Screener(name=name, role=role))


def letter_signer(user: User) -> Screener:
    """The logged-in person signs with their name and their role's title from the letter templates."""
    titles: dict[str, str] = default_templates().common.words.signer_roles  # type: ignore[assignment]
    if user.role not in titles:
        raise RefusedError(f"a letter cannot be signed by the {user.role.replace('_', ' ')} role")
    return letter_screener(user.display_name, titles[user.role])


def letter_for_decision(
    store: Store,
    user: User,
    decision_id: str,
    kind: LetterKind,
    *,
    screener: Screener,
    service: Service | None,
    letter_date: date,
    ruleset_lookup: RulesetLookup = find_ruleset,
) -> Letter:
    """Build one letter from the stored decision (the referral's latest), its screening and the GP
    practice in the directory, under the decision's own ruleset. Nothing is written.

    Raises RefusedError (no current decision, the ruleset is not on this computer, the routing does not
    replay), GpAddressMissing, or LetterInputError whose ``problems`` are safe to show.
    ``view_referral``: building is not yet sending; ``record_letter`` records what is done with it."""
    from triage.letters.letter import build_letter  # reportlab only when a letter is built

    require(user, "view_referral", store=store)
    with store.read() as session:
        referral, decision = _current_decision(session, decision_id)
        screening = session.get(Screening, decision.screening_id)
        assert screening is not None  # a foreign key guarantees it
        ruleset = _decision_ruleset(decision, ruleset_lookup)
        answers = screening_input(screening)
        routing = route(answers.to_routing(), ruleset)
        if json_shaped(routing.to_contract()) != decision.routing:
            raise RefusedError("the stored decision does not replay under its own ruleset: check it with replay "
                               "before any letter is sent")  # fmt: skip
        sent = {row.kind for row in _rows(session, decision.id, None, OUTPUTS)}
        particulars = _particulars(referral, answers, screening, screener, service, sent)
        confirmed = _validated(lambda: LetterDecision(
            confirmed_route=decision.confirmed_route,
            confirmed_step=decision.confirmed_step,  # type: ignore[arg-type]
            outcome_criterion=decision.outcome_criterion,
            override_reason=decision.override_reason,
            return_rationale=decision.return_rationale,
            risk_actions=risk_actions(answers.risk_details),
            in_meeting=decision.in_meeting,
        ))  # fmt: skip
        decided_at = decision.decided_at  # the letter reports this decision: its stored time dates the PDF
    return build_letter(kind, screening=answers.to_routing(), routing=routing, particulars=particulars,
                        decision=confirmed, letter_date=letter_date, ruleset=ruleset, created=decided_at)  # fmt: skip


def _decision_ruleset(decision: Decision, lookup: RulesetLookup) -> Ruleset:
    session = object_session(decision)  # a service's own ruleset: its text is kept in the store
    ruleset = lookup(decision.ruleset_sha256) or (held_ruleset(session, decision.ruleset_sha256) if session else None)
    if ruleset is None:
        raise RefusedError(
            f"the decision was made under ruleset {decision.ruleset_id} version {decision.ruleset_version}, which is "
            "not available on this computer: its letter cannot be written under another ruleset"
        )
    return ruleset


def _particulars(
    referral: Referral,
    answers: ScreeningAnswers,
    screening: Screening,
    screener: Screener,
    service: Service | None,
    sent: set[LetterKind],
) -> Particulars:
    """``sent``: the kinds of letter of this decision already printed or saved (a letter claims only that)."""
    gp = gp_for(referral.gp_practice, referral.referring_gp)
    person = referral.person
    risk = answers.risk_details
    mus = answers.assessment.mus_confirmation

    def make() -> Particulars:
        return Particulars(
            patient=Patient(given_name=person.given_name, family_name=person.family_name,
                            date_of_birth=person.date_of_birth, nhs_number=person.nhs_number,
                            address_lines=referral.address_lines, postcode=referral.postcode),
            gp=gp,
            referral=LetterReferral(received_on=referral.received_on, source=referral.source,  # type: ignore[arg-type]
                                    id=referral.reference),
            screener=screener,
            service=service,
            details=Details(
                previous_interventions=tuple(PreviousIntervention(intervention=i.intervention, outcome=i.outcome,
                                                                  step=i.step, year=i.year)
                                             for i in answers.previous_interventions),
                # The screener's note on the risk rating is the risk formulation the receiving service reads.
                risk_formulation=screening.rating_notes.get("risk") or None,
                risk_answers=tuple(RiskAnswer(question=q, present=getattr(risk, q).present,
                                              detail=_words(getattr(risk, q).detail)) for q in RISK_QUESTIONS),
                protective_factors=_words(risk.protective_factors),
                agreed=has_words(risk.actions_taken),
                patient_phone=referral.phone or None,
                interpreter_language=(  # the referral's, else the screening's access needs (issue 15, item 7)
                    referral.interpreter_language or answers.assessment.access_needs.interpreter_language
                ),
                patient_copy_sent="patient" in sent,
                gp_letter_sent="gp" in sent,
                referral_on_sent="referral-on" in sent,
                # The GP's confirmation that no physical illness was missed: the GP letter asks for it until given.
                mus_gp_confirmed=mus.gp_confirmed and answers.medically_unexplained_symptoms,
                mus_confirmed_on=mus.confirmed_on if answers.medically_unexplained_symptoms else None,
            ),
        )  # fmt: skip

    return _validated(make)


def _words(text: str) -> str | None:
    """Typed text worth printing: ".", an older record's placeholder, is not a record."""
    return text.strip() if has_words(text) else None


def _validated(make: Callable[[], _T]) -> _T:
    """The letters package's own checks, reported as its safe field-level problems."""
    try:
        return make()
    except ValidationError as exc:
        raise LetterInputError(letter_problems(exc)) from None


_POSTCODE = TypeAdapter(Postcode)


def gp_for(practice: GpPractice | None, referring_gp: str | None = None) -> Gp:
    """The letter's GP: the referring GP the referral names (None when it names none: never a GP
    guessed from the directory's list), the practice, its address lines and the postcode (the last
    line, or the end of it) from the directory. GpAddressMissing when there is none."""
    if practice is None:
        raise GpAddressMissing(GP_ADDRESS_MISSING)
    lines = list(PracticeEntry(practice.code, practice.name, practice.address, tuple(practice.gp_names)).address_lines)
    postcode = _take_postcode(lines)
    if postcode is None or not lines:
        raise GpAddressMissing(GP_ADDRESS_MISSING)
    try:
        return Gp(name=referring_gp, practice_name=practice.name,
                  address_lines=tuple(lines), postcode=postcode)  # fmt: skip
    except ValidationError as exc:
        problems = "; ".join(f"gp.{p}" for p in letter_problems(exc))
        raise GpAddressMissing(
            f"the GP practice's entry in the directory cannot be printed as an address: {problems}"
        ) from None


def _take_postcode(lines: list[str]) -> str | None:
    """Remove the postcode from the end of the address (a line of its own, or "Doncaster DN1 2AA")."""
    if not lines:
        return None
    words = lines[-1].split()
    for count in (len(words), 2, 1):
        if 0 < count <= len(words):
            try:
                postcode = _POSTCODE.validate_python(" ".join(words[-count:]))
            except ValidationError:
                continue
            rest = " ".join(words[:-count])
            lines[-1:] = [rest] if rest else []
            return postcode
    return None


def risk_actions(details: RiskDetails) -> str | None:
    """Who was contacted and when, and the actions taken, as the screening recorded them. An entry
    without words (".", an older record's placeholder) is left out, never printed as an action: with
    nothing left, the letter is refused for medium or high risk (``decide``), as it should be."""
    parts: list[str] = []
    if has_words(details.contacted):
        moment = details.contacted_at
        if moment is not None and moment.tzinfo is not None:
            moment = moment.astimezone()
        parts.append(f"Contacted: {details.contacted}" + (f", {moment:%d/%m/%Y %H:%M}." if moment else "."))
    if has_words(details.actions_taken):
        parts.append(details.actions_taken)
    return " ".join(parts) or None


# --- recording -----------------------------------------------------------------------------------


def record_letter(
    store: Store, user: User, decision_id: str, letter: Letter, event: LetterEvent, *, as_text: bool = False
) -> RecordedLetter:
    """Record a letter event, audited, in one transaction. A letter ``generated`` again with the same
    bytes is recorded once (previewing the same letter twice is not news). ``printed`` or ``saved``
    (``print_letter``) always add a row; for the GP letter they move a decided referral to letter sent.
    ``as_text``: the letter was saved as its plain text (``Letter.plain_text``), not as the PDF; the
    row is the letter's (its PDF hash) and the audit says so, with the text's hash."""
    if as_text and event != "saved":
        raise ValueError("only a saved letter can be saved as text")
    require(user, "print_letter" if event in OUTPUTS else "view_referral", store=store)
    actor = user.username
    with store.write() as session:
        referral, decision = _current_decision(session, decision_id)
        if event == "generated":
            earlier = _rows(session, decision.id, letter.kind, ("generated",), sha256=letter.sha256)
            if earlier:
                return earlier[0]
        row = LetterRecord(referral_id=referral.id, decision_id=decision.id, kind=letter.kind, event=event,
                           sha256=letter.sha256, pages=letter.pages, created_by=actor, created_at=utc_now())  # fmt: skip
        session.add(row)
        session.flush()
        form = (
            f" as plain text (text sha256 {hashlib.sha256(letter.plain_text.encode()).hexdigest()})" if as_text else ""
        )
        record_event(session, actor=actor, entity_type="referral", entity_id=referral.id, action="letter",
                     summary=f"{KIND_NAMES[letter.kind]} {event}{form} ({letter.pages} pages, sha256 {letter.sha256}); "
                             f"decision {decision.id}; letter {row.id}")  # fmt: skip
        if event in OUTPUTS and letter.kind == STATUS_MOVING_KIND and referral.status == "decided":
            move_to_status(session, referral, "letter_sent", actor)
        return recorded_letter(row)


def letters_sent(store: Store, user: User, decision_id: str, kind: LetterKind | None = None) -> list[RecordedLetter]:
    """The letters of this decision that left the service (printed or saved), oldest first."""
    require(user, "view_referral", store=store)
    with store.read() as session:
        return _rows(session, decision_id, kind, OUTPUTS)


def identical_letters_sent(store: Store, user: User, decision_id: str, letter: Letter) -> list[RecordedLetter]:
    """Earlier printed or saved letters with exactly these bytes: the same decision, kind and sha256."""
    require(user, "view_referral", store=store)
    with store.read() as session:
        return _rows(session, decision_id, letter.kind, OUTPUTS, sha256=letter.sha256)


def _rows(
    session: Session,
    decision_id: str,
    kind: LetterKind | None,
    events: tuple[LetterEvent, ...],
    *,
    sha256: str | None = None,
) -> list[RecordedLetter]:
    query = select(LetterRecord).where(LetterRecord.decision_id == decision_id, LetterRecord.event.in_(events))
    if kind is not None:
        query = query.where(LetterRecord.kind == kind)
    if sha256 is not None:
        query = query.where(LetterRecord.sha256 == sha256)
    return [recorded_letter(row) for row in session.scalars(query.order_by(LetterRecord.created_at, LetterRecord.id))]


def recorded_letter(row: LetterRecord) -> RecordedLetter:
    """A row of the letter table as plain data (also for the referral's record)."""
    return RecordedLetter(row.id, row.referral_id, row.decision_id, row.kind, row.event, row.sha256,  # type: ignore[arg-type]
                          row.pages, row.created_by, row.created_at)  # fmt: skip
