"""The referral's journey around the screening (issue 15 items 1, 6 and 10; docs/journey.md): the opt-in
offered, the person opting in, each attempt to reach them, the treatment start, closing the referral
with a reason, flagging it as inappropriate (why, and who made it); and the decided referrals whose GP
letter has not left the service yet.

Each action is checked (``record_contact``, ``close_referral``), audited in its own transaction and
moves the referral along ``TRANSITIONS`` (``move_to_status``, which audits each step):

- contact made (an attempt "reached", or an opt-in): received or no contact -> contacted;
- an attempt that did not reach the person: received -> no contact;
- closing: any open status -> closed, with a reason from ``CLOSE_REASONS`` and free text.

What is not allowed is refused with a ``RefusedError`` saying why, inside the transaction: nothing is
written. The audit trail gets kinds, channels, outcomes and reason codes, never the free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.fields import no_control_characters_but_line_breaks
from triage.services.inputs import InvalidInput, Name
from triage.services.permissions import User, record_search, require
from triage.services.referrals import load_referral, move_to_status
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import ConflictError, RefusedError
from triage.store.models import ContactEvent, Decision, Person, Referral
from triage.store.types import utc_now
from triage.store.vocabulary import CloseReason, ContactChannel, ContactKind, ContactOutcome, InappropriateReason

M = TypeVar("M", bound=BaseModel)
NOT_BEFORE_RECEIVED = "must not be before the date the referral was received"
MAX_NOTE = 2000
# A decision must exist before these reasons make sense: the referral went on, or treatment started.
NEEDS_DECISION: frozenset[str] = frozenset({"referred_on", "treatment_started"})
DECIDED = ("decided", "letter_sent")


def _local(value: datetime) -> datetime:
    """A typed moment with no zone is this computer's local time; stored in UTC."""
    return (value if value.tzinfo else value.astimezone()).astimezone(UTC)


def _not_in_future(value: datetime) -> datetime:
    if _local(value) > utc_now():
        raise ValueError("must not be in the future")
    return value


def _day_not_in_future(value: date) -> date:
    if value > date.today():
        raise ValueError("must not be in the future")
    return value


Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_NOTE), AfterValidator(no_control_characters_but_line_breaks)
]  # fmt: skip


class ContactInput(BaseModel):
    """One contact step: ``kind`` (opt_in_offered, opted_in, attempt), when (date and time), the
    channel and, for an attempt only, its outcome."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True, frozen=True)

    kind: ContactKind
    occurred_at: Annotated[datetime, AfterValidator(_not_in_future)]
    channel: ContactChannel
    outcome: ContactOutcome | None = None

    @model_validator(mode="after")
    def _outcome_for_attempts(self) -> ContactInput:
        if self.kind == "attempt" and self.outcome is None:
            raise ValueError("outcome: required for a contact attempt (reached, no answer, ...)")
        if self.kind != "attempt" and self.outcome is not None:
            raise ValueError("outcome: only a contact attempt has an outcome")
        return self


class CloseInput(BaseModel):
    """Why a referral is closed: a reason code, and free text (required for "other")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True, frozen=True)

    reason: CloseReason
    note: Note | None = None

    @model_validator(mode="after")
    def _note_for_other(self) -> CloseInput:
        if self.reason == "other" and not self.note:
            raise ValueError("note: required when the reason is other (say why the referral is closed)")
        return self


class InappropriateInput(BaseModel):
    """Why a referral was not one for this service (a category; free text required for "other") and who
    made it: the referrer the service counts these by and feeds back to (requirements.md 9.37)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True, frozen=True)

    reason: InappropriateReason
    referrer: Name
    note: Note | None = None

    @field_validator("referrer", mode="before")
    @classmethod
    def _referrer_given(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("required; say who made the referral (the GP, practice or partner to feed back to)")
        return value

    @model_validator(mode="after")
    def _note_for_other(self) -> InappropriateInput:
        if self.reason == "other" and not self.note:
            raise ValueError("note: required when the reason is other (say why the referral was inappropriate)")
        return self


class TreatmentInput(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)

    started_on: Annotated[date, AfterValidator(_day_not_in_future)]


def parse_journey(model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` as ``model``: ``InvalidInput`` with one ``field: what is wrong`` line each,
    never the value typed (as ``services.inputs.parse``, for these models' own field names)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        for error in exc.errors(include_input=False, include_url=False, include_context=False):
            message = str(error["msg"]).removeprefix("Value error, ")
            names = [str(part) for part in error["loc"] if part in model.model_fields]
            line = message if (not error["loc"] and ": " in message) else f"{'.'.join(names) or 'input'}: {message}"
            if error["type"] == "extra_forbidden":
                line = "input: has a field that is not one of " + ", ".join(model.model_fields)
            if line not in problems:
                problems.append(line)
        raise InvalidInput(problems) from None


# --- the actions -------------------------------------------------------------------------------


def _open_referral(session: Session, referral_id: str, expected_version: int | None) -> Referral:
    referral = load_referral(session, referral_id)
    if expected_version is not None and referral.version != expected_version:
        raise ConflictError()
    if referral.status == "closed":
        raise RefusedError("the referral is closed: nothing more can be recorded on it (a person who comes back is a new referral)")  # fmt: skip
    return referral


def record_contact(
    store: Store, user: User, referral_id: str, data: ContactInput, *, expected_version: int | None = None
) -> Step:
    """Record one contact step (``record_contact``) and move the status as the module says."""
    require(user, "record_contact", store=store)
    actor, when = user.username, _local(data.occurred_at)
    with store.write() as session:
        referral = _open_referral(session, referral_id, expected_version)
        day = when.astimezone().date()
        if day < referral.received_on:
            raise RefusedError(f"occurred_at: {NOT_BEFORE_RECEIVED}")
        session.add(ContactEvent(referral_id=referral.id, kind=data.kind, occurred_at=when, channel=data.channel,
                                 outcome=data.outcome, recorded_by=actor, recorded_at=utc_now()))  # fmt: skip
        made = data.kind == "opted_in" or data.outcome == "reached"
        if data.kind == "opted_in" and referral.opted_in_on is None:
            referral.opted_in_on = day
        if made and (referral.first_contact_on is None or day < referral.first_contact_on):
            referral.first_contact_on = day
        referral.updated_at = utc_now()
        session.flush()
        what = data.kind.replace("_", " ") + f" by {data.channel.replace('_', ' ')}"
        what += f", {data.outcome.replace('_', ' ')}" if data.outcome else ""
        record_event(session, actor=actor, entity_type="referral", entity_id=referral.id, action="update",
                     summary=f"contact recorded: {what}")  # fmt: skip
        if made and referral.status in ("received", "no_contact"):
            move_to_status(session, referral, "contacted", actor)
        elif data.kind == "attempt" and not made and referral.status == "received":
            move_to_status(session, referral, "no_contact", actor)
        return Step(referral.version, referral.status)


def record_treatment_start(
    store: Store, user: User, referral_id: str, data: TreatmentInput, *, expected_version: int | None = None
) -> Step:
    """Record the date treatment started (``record_contact``): only after a decision, once, and not
    before the referral was received."""
    require(user, "record_contact", store=store)
    with store.write() as session:
        referral = _open_referral(session, referral_id, expected_version)
        if referral.status not in DECIDED:
            raise RefusedError("started_on: treatment can be recorded only once the referral is decided")
        if referral.treatment_started_on is not None:
            raise RefusedError("started_on: the treatment start is already recorded")
        if data.started_on < referral.received_on:
            raise RefusedError(f"started_on: {NOT_BEFORE_RECEIVED}")
        referral.treatment_started_on, referral.updated_at = data.started_on, utc_now()
        session.flush()
        record_event(session, actor=user.username, entity_type="referral", entity_id=referral.id, action="update",
                     summary="treatment start recorded")  # fmt: skip
        return Step(referral.version, referral.status)


def close_referral(
    store: Store, user: User, referral_id: str, data: CloseInput, *, expected_version: int | None = None
) -> Step:
    """Close a referral (``close_referral``) with a reason and free text."""
    require(user, "close_referral", store=store)
    with store.write() as session:
        referral = _open_referral(session, referral_id, expected_version)
        if data.reason in NEEDS_DECISION and referral.status not in DECIDED:
            raise RefusedError(f"reason: {data.reason.replace('_', ' ')} needs a decision first")
        if data.reason == "treatment_started" and referral.treatment_started_on is None:
            raise RefusedError("reason: record the treatment start first")
        referral.closed_reason, referral.closed_note = data.reason, data.note or None
        move_to_status(session, referral, "closed", user.username)  # audited as the status step
        record_event(session, actor=user.username, entity_type="referral", entity_id=referral.id, action="update",
                     summary=f"closed: reason {data.reason}" + (" (with a note)" if data.note else ""))  # fmt: skip
        return Step(referral.version, referral.status)


def flag_inappropriate(
    store: Store, user: User, referral_id: str, data: InappropriateInput | None, *, expected_version: int | None = None
) -> Step:
    """Flag a referral as inappropriate (``create_referral``), or with ``None`` take the flag off, at any
    status: a referral closed as not suitable is often the one flagged. Audited by reason code, never
    the referrer or the note."""
    require(user, "create_referral", store=store)
    with store.write() as session:
        referral = load_referral(session, referral_id)
        if expected_version is not None and referral.version != expected_version:
            raise ConflictError()
        if data is None and referral.inappropriate_reason is None:
            raise RefusedError("the referral is not flagged as inappropriate: there is no flag to take off")
        referral.inappropriate_reason = data.reason if data else None
        referral.inappropriate_referrer = data.referrer if data else None
        referral.inappropriate_note = (data.note or None) if data else None
        referral.inappropriate_by = user.username if data else None
        referral.updated_at = utc_now()
        session.flush()
        summary = (
            f"flagged as an inappropriate referral: reason {data.reason}" if data else "inappropriate flag taken off"
        )
        record_event(session, actor=user.username, entity_type="referral", entity_id=referral.id, action="update",
                     summary=summary)  # fmt: skip
        return Step(referral.version, referral.status)


# --- letters not yet sent (item 10) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """What an action left: the referral's new version (for the next optimistic edit) and status."""

    version: int
    status: str


@dataclass(frozen=True, slots=True, repr=False)
class UnsentLetter:
    """A decided referral whose GP letter has not been printed or saved (identifiers for display only)."""

    referral_id: str
    reference: str
    family_name: str
    given_name: str
    decided_at: datetime
    route: str | None
    step: int | None

    def days_waiting(self, today: date) -> int:
        return (today - self.decided_at.astimezone().date()).days


def letters_not_sent(store: Store, user: User, *, limit: int = 500) -> list[UnsentLetter]:
    """Every decided referral whose GP letter has not left the service, oldest decision first
    (``search``; recorded as a search of that many). "Decided" is exactly that: printing or saving the
    GP letter moves a referral to letter sent (``record_letter``)."""
    require(user, "search", store=store)
    latest = (
        select(Decision.referral_id, func.max(Decision.decided_at).label("decided_at"))
        .group_by(Decision.referral_id)
        .subquery()
    )
    query = (
        select(Referral.id, Referral.reference, Person.family_name, Person.given_name, latest.c.decided_at,
               Referral.current_route, Referral.current_step)
        .join(Person, Person.id == Referral.person_id)
        .join(latest, latest.c.referral_id == Referral.id)
        .where(Referral.status == "decided")
        .order_by(latest.c.decided_at, Referral.id)
        .limit(limit)
    )  # fmt: skip
    with store.write() as session:
        rows = [UnsentLetter(*row) for row in session.execute(query)]
        record_search(session, user, len(rows))
        return rows
