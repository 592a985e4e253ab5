"""Correcting a person's identifiers (issue 15, item 9): a mistyped given name, family name, date of
birth or NHS number, put right with a reason.

A correction is not an edit: the identifiers say who the person is, and every letter, search and
merge rests on them. So each is permission-checked (``create_referral``: the roles that add and edit
referrals), needs a reason (a category and the words typed, both required), is kept as a row of its
own (``IdentityCorrection``: the value it had, the value given, who and when, never changed), and is
audited by field and reason category only: the values and the words typed stay in the store, never
in the audit summary, a message or a log. An NHS number given is checked as at creation (modulus
11), and one already on record for another person is refused: that is a merge, not a correction.
The person's version guards against a concurrent change, as a referral's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.fields import has_words, no_control_characters_but_line_breaks
from triage.services.inputs import MAX_AGE_YEARS, Name, NhsNumber, PastDate, register_input, strict_config
from triage.services.permissions import User, require
from triage.services.referrals import load_referral
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import ConflictError, RefusedError
from triage.store.models import IdentityCorrection, Person, Referral, person_names
from triage.store.types import utc_now
from triage.store.vocabulary import IDENTITY_FIELDS, CorrectionReason, IdentityField

REASON_HELP = "say in words why the identifier was wrong and how the right one is known"
NOTHING_CORRECTED = "input: give at least one of given_name, family_name, date_of_birth or nhs_number that differs from the record"  # fmt: skip
NHS_NUMBER_CLASH = (
    "nhs_number: that NHS number is already on record for another person; check it against the referral "
    "(two records of one person are merged by a team leader, not corrected)"
)


@register_input
class CorrectionInput(BaseModel):
    """The identifiers to correct (only those given are changed) and why."""

    model_config = strict_config()

    given_name: Name | None = Field(default=None, repr=False)
    family_name: Name | None = Field(default=None, repr=False)
    date_of_birth: PastDate | None = Field(default=None, repr=False)
    nhs_number: NhsNumber | None = Field(default=None, repr=False)
    reason_category: CorrectionReason | None = None  # required: checked below, with the reason, in one go
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=500),
        AfterValidator(no_control_characters_but_line_breaks),
    ] = Field(repr=False)

    @model_validator(mode="after")
    def _something_and_why(self) -> CorrectionInput:
        problems = []
        if all(getattr(self, name) is None for name in IDENTITY_FIELDS):
            problems.append(NOTHING_CORRECTED)
        if self.reason_category is None:
            problems.append("reason_category: required; choose why the identifier is corrected")
        if not has_words(self.reason):
            problems.append(f"reason: required; {REASON_HELP}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def given(self) -> dict[IdentityField, str | date]:
        return {name: getattr(self, name) for name in IDENTITY_FIELDS if getattr(self, name) is not None}


@dataclass(frozen=True, slots=True, repr=False)
class CorrectionEntry:
    """One identifier corrected, for the record's history (its values: patient data, not in repr)."""

    field: str
    old_value: str
    new_value: str
    reason_category: str
    reason: str
    corrected_by: str
    corrected_at: datetime


def correct_identity(store: Store, user: User, referral_id: str, expected_version: int, data: CorrectionInput) -> int:
    """Correct the identifiers of the person ``referral_id`` is about. ``expected_version`` is the
    person's version the corrector saw (ConflictError if it changed since; nothing written). Refused,
    with nothing written, when nothing differs from the record, when the date of birth would fall after
    a referral was received, or when the NHS number belongs to another person. Returns the new version."""
    require(user, "create_referral", store=store)
    with store.write() as session:
        person = load_referral(session, referral_id).person
        if person.version != expected_version:
            raise ConflictError()
        changes = {name: value for name, value in data.given().items() if getattr(person, name) != value}
        if not changes:
            raise RefusedError(NOTHING_CORRECTED)
        _check(session, person, changes)
        now = utc_now()
        for name, value in changes.items():
            session.add(IdentityCorrection(
                person_id=person.id, referral_id=referral_id, field=name, old_value=_text(getattr(person, name)),
                new_value=_text(value), reason_category=str(data.reason_category), reason=data.reason,
                corrected_by=user.username, corrected_at=now,
            ))  # fmt: skip
            setattr(person, name, value)
        for key, text in person_names(person.given_name, person.family_name).items():  # the search keys too
            setattr(person, key, text)
        session.flush()  # UPDATE ... WHERE version = expected: a concurrent save makes this fail
        record_event(session, actor=user.username, entity_type="person", entity_id=person.id, action="update",
                     summary=f"identity corrected: {', '.join(sorted(changes))} (reason: {data.reason_category})")  # fmt: skip
        return person.version


def _check(session: Session, person: Person, changes: dict[IdentityField, str | date]) -> None:
    nhs_number = changes.get("nhs_number")
    if nhs_number is not None:
        other = session.scalars(select(Person.id).where(Person.nhs_number == nhs_number, Person.id != person.id))
        if other.first() is not None:
            raise RefusedError(NHS_NUMBER_CLASH)
    born = changes.get("date_of_birth")
    if isinstance(born, date):
        first = session.scalar(select(func.min(Referral.received_on)).where(Referral.person_id == person.id))
        if first is not None and born > first:
            raise RefusedError("date_of_birth: must be before the person's first referral was received")
        if first is not None and first.year - born.year > MAX_AGE_YEARS:
            raise RefusedError(f"date_of_birth: gives an age over {MAX_AGE_YEARS} years")


def _text(value: str | date) -> str:
    return value.isoformat() if isinstance(value, date) else value


def corrections_of(session: Session, person_id: str) -> tuple[CorrectionEntry, ...]:
    """Every correction of the person's identifiers, oldest first."""
    rows = session.scalars(
        select(IdentityCorrection).where(IdentityCorrection.person_id == person_id)
        .order_by(IdentityCorrection.corrected_at, IdentityCorrection.id)
    )  # fmt: skip
    return tuple(CorrectionEntry(row.field, row.old_value, row.new_value, row.reason_category, row.reason,
                                 row.corrected_by, row.corrected_at) for row in rows)  # fmt: skip
