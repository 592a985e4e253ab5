"""Merging two records found to be the same person, and undoing it (issue 15, item 9, second half).

Two person rows for one human arise when a referral arrives with a wrong NHS number: the store keeps
one person per NHS number, so the second referral made a second person. A correction cannot fix it
(the right number is already on record for the other person: services/corrections.py refuses it), so a
team leader merges them (``merge_people``): every referral of the merged record moves to the kept one,
with its screenings, decisions and letters (they hang off the referral, so nothing else is rewritten);
the merged person's row is kept, marked ``merged_into_id``, never deleted; and one ``PersonMerge`` row
says which referrals moved, why, by whom and when, so ``undo_merge`` moves exactly those back.

What keeps a wrong merge of two different people from happening quietly:

- the permission (``merge_people``: team leaders only), checked before anything is read;
- the leader looks at both records side by side first (``merge_preview``, audited as a view of each);
- the dates of birth must agree: two records with different dates of birth and different NHS numbers
  are two people until one is shown to be mistyped and corrected (with its own reason) first;
- every person has an NHS number, one per person, so the two always differ: the leader says which is
  right by typing the kept record's number again (``MergeInput.nhs_number``), and anything else is refused;
- a reason, a category and the words typed, both required, as for a correction;
- the versions of both people as the leader saw them: a change since then refuses it (ConflictError).

Audited in the same transaction, by entity ids, counts and the reason category only: no name, date of
birth, NHS number or typed words reaches the audit trail or a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from triage.fields import check_nhs_number, has_words, no_control_characters_but_line_breaks, normalise_nhs_number
from triage.services.inputs import NhsNumber, register_input, strict_config
from triage.services.permissions import User, record_view, require
from triage.services.referrals import load_referral
from triage.services.teams import find_referral
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import ConflictError, NotFoundError, RefusedError
from triage.store.models import Person, PersonMerge, Referral
from triage.store.types import utc_now
from triage.store.vocabulary import EntityType, MergeReason

REASON_HELP = "say in words how the two records were found to be the same person"
UNDO_HELP = "say in words why the merge was wrong"
STALE = "one of the two records was changed since you looked at them side by side; look again"
PREVIEW_SUMMARY = "viewed side by side to merge (name, date of birth, NHS number, referral count)"
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(no_control_characters_but_line_breaks)
]


class MergeRefused(RefusedError):
    """The two records may not be merged (or the merge undone) as asked; nothing was written. The
    message names the field to look at and never a value."""


@register_input
class MergeInput(BaseModel):
    """Why two records are one person, and the NHS number that is right (the kept record's, retyped)."""

    model_config = strict_config()

    nhs_number: NhsNumber | None = Field(default=None, repr=False)  # required: checked below, with the reason
    reason_category: MergeReason | None = None
    reason: Reason = Field(repr=False)

    @model_validator(mode="after")
    def _why(self) -> MergeInput:
        problems = []
        if self.nhs_number is None:
            problems.append("nhs_number: required; type the NHS number that is right, the kept record's")
        if self.reason_category is None:
            problems.append("reason_category: required; choose how the two were found to be one person")
        if not has_words(self.reason):
            problems.append(f"reason: required; {REASON_HELP}")
        if problems:
            raise ValueError("\n".join(problems))
        return self


@register_input
class UndoMergeInput(BaseModel):
    """Why a merge is undone."""

    model_config = strict_config()

    undo_reason: Reason = Field(repr=False)

    @model_validator(mode="after")
    def _why(self) -> UndoMergeInput:
        if not has_words(self.undo_reason):
            raise ValueError(f"undo_reason: required; {UNDO_HELP}")
        return self


@dataclass(frozen=True, slots=True, repr=False)
class MergeSide:
    """One of the two records as the leader sees it before merging (patient data: not in repr)."""

    referral_id: str
    reference: str
    person_id: str
    given_name: str
    family_name: str
    date_of_birth: date
    nhs_number: str
    referral_count: int
    version: int  # the person's: what merge_people expects back
    merged_into_id: str | None


@dataclass(frozen=True, slots=True, repr=False)
class MergePreview:
    """Both records side by side, and why a merge of them would be refused (empty: it may go ahead)."""

    this: MergeSide
    other: MergeSide
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True, repr=False)
class MergeEntry:
    """One merge the person took part in, for the record's history."""

    id: int
    kept: bool  # this person is the one kept (else: the one merged into the other)
    other_person_id: str
    other_nhs_number: str
    referral_ids: tuple[str, ...]
    reason_category: str
    reason: str
    merged_by: str
    merged_at: datetime
    undone_by: str | None
    undone_at: datetime | None
    undo_reason: str | None


# --- looking first ---------------------------------------------------------------------------------


def merge_preview(store: Store, user: User, referral_id: str, other: str) -> MergePreview:
    """The person of ``referral_id`` (an id or a service reference) beside the record ``other`` names: a
    referral's id, its service reference (DON-000123) or a person's full NHS number (their latest referral). ``merge_people``;
    recorded as a view of each person. NotFoundError naming the field when nothing matches."""
    require(user, "merge_people", store=store)
    with store.write() as session:  # written only by the audit events
        this = find_referral(session, referral_id)
        that = _other_referral(session, other)
        sides = _side(session, this), _side(session, that)
        for side in sides if sides[0].person_id != sides[1].person_id else sides[:1]:
            record_view(session, user, "person", side.person_id, summary=PREVIEW_SUMMARY)
        return MergePreview(sides[0], sides[1], tuple(_problems(sides[0], sides[1])))


def _other_referral(session: Session, typed: str) -> Referral:
    digits = normalise_nhs_number(typed)
    try:
        number = check_nhs_number(digits)
    except ValueError:
        number = None
    if number is not None:
        found = session.scalars(
            select(Referral).join(Person).where(Person.nhs_number == number)
            .order_by(Referral.received_on.desc(), Referral.created_at.desc())
        ).first()  # fmt: skip
        if found is None:
            raise NotFoundError("other: no referral of a person with that NHS number")
        return found
    try:
        return find_referral(session, typed)
    except NotFoundError:
        raise NotFoundError(
            "other: no referral with that reference or id, and no person with that NHS number"
        ) from None


def _side(session: Session, referral: Referral) -> MergeSide:
    person = referral.person
    count = session.scalar(select(func.count()).select_from(Referral).where(Referral.person_id == person.id)) or 0
    return MergeSide(referral.id, referral.reference, person.id, person.given_name, person.family_name,
                     person.date_of_birth, person.nhs_number, count, person.version, person.merged_into_id)  # fmt: skip


def _problems(kept: MergeSide, other: MergeSide) -> list[str]:
    """Why these two may not be merged, each naming its field, never a value."""
    if kept.person_id == other.person_id:
        return ["other: both referrals are already of the same person"]
    problems = []
    if kept.merged_into_id is not None or other.merged_into_id is not None:
        problems.append("other: one of the two records was merged into another; undo that merge first")
    if kept.date_of_birth != other.date_of_birth:
        problems.append("date_of_birth: the two records give different dates of birth; if one is mistyped, "
                        "correct it first (Correct identifiers, with a reason), then merge")  # fmt: skip
    return problems


# --- merging ---------------------------------------------------------------------------------------


def merge_people(
    store: Store, user: User, keep_referral_id: str, other_referral_id: str, keep_version: int, other_version: int,
    data: MergeInput,
) -> int:  # fmt: skip
    """Merge the person of ``other_referral_id`` into the person of ``keep_referral_id``: every referral
    of the other moves to the kept person; the other is kept, marked merged. ``keep_version`` and
    ``other_version`` are the people's versions as the leader saw them side by side (ConflictError if
    either changed). Refused with nothing written (``MergeRefused``, naming the field) when they are one
    person already, either was merged, the dates of birth differ or the NHS number typed is not the
    kept record's. Audited by ids and the reason category. Returns the merge's id (what undo takes)."""
    require(user, "merge_people", store=store)
    with store.write() as session:
        keeping, other = load_referral(session, keep_referral_id), load_referral(session, other_referral_id)
        kept, merged = keeping.person, other.person
        if kept.version != keep_version or merged.version != other_version:
            raise ConflictError(STALE)
        problems = _problems(_side(session, keeping), _side(session, other))
        if not problems and data.nhs_number != kept.nhs_number:
            problems.append("nhs_number: is the other record's NHS number; keep the record whose number is right"
                            if data.nhs_number == merged.nhs_number else
                            "nhs_number: is neither record's NHS number; type the kept record's number, the one "
                            "that is right")  # fmt: skip
        if problems:
            raise MergeRefused("\n".join(problems))
        moving = list(session.scalars(select(Referral).where(Referral.person_id == merged.id).order_by(Referral.id)))
        merge = PersonMerge(kept_person_id=kept.id, merged_person_id=merged.id, referral_ids=[r.id for r in moving],
                            reason_category=str(data.reason_category), reason=data.reason, merged_by=user.username,
                            merged_at=utc_now())  # fmt: skip
        session.add(merge)
        for referral in moving:
            referral.person = kept
            referral.updated_at = merge.merged_at
        merged.merged_into_id = kept.id
        flag_modified(kept, "given_name")  # the kept person's version moves on too: a look before this is stale
        session.flush()  # UPDATE ... WHERE version = expected: a concurrent save makes this fail
        _audit_moves(session, user, merge, "merge", kept.id, merged.id)
        return merge.id


def undo_merge(store: Store, user: User, merge_id: int, data: UndoMergeInput) -> None:
    """Undo the merge ``merge_id``: exactly the referrals it moved go back to the merged person, whose
    mark is cleared; the merge row keeps who undid it, when and why (``merge_people``). Refused with
    nothing written when it was undone already, when the kept person was merged on since (undo that
    first), or when a referral it moved is no longer the kept person's."""
    require(user, "merge_people", store=store)
    with store.write() as session:
        merge = session.get(PersonMerge, merge_id, populate_existing=True) if isinstance(merge_id, int) else None
        if merge is None:
            raise NotFoundError("merge: no merge with that number")
        if merge.undone_at is not None:
            raise MergeRefused("merge: that merge was undone already")
        kept, merged = session.get_one(Person, merge.kept_person_id), session.get_one(Person, merge.merged_person_id)
        if kept.merged_into_id is not None:
            raise MergeRefused("merge: the kept record was merged into another since; undo that merge first")
        moving = list(session.scalars(select(Referral).where(Referral.id.in_(merge.referral_ids))))
        if len(moving) != len(merge.referral_ids) or any(r.person_id != kept.id for r in moving):
            raise MergeRefused("merge: a referral it moved is no longer with the kept record; it cannot be undone")
        now = utc_now()
        for referral in moving:
            referral.person = merged
            referral.updated_at = now
        merged.merged_into_id = None
        flag_modified(kept, "given_name")
        merge.undone_by, merge.undone_at, merge.undo_reason = user.username, now, data.undo_reason
        session.flush()
        _audit_moves(session, user, merge, "undo", kept.id, merged.id)


def _audit_moves(session: Session, user: User, merge: PersonMerge, what: str, kept_id: str, merged_id: str) -> None:
    """One event for each person and each referral moved: ids, the count and the reason category only."""
    count = len(merge.referral_ids)
    moved = f"{count} referral{'' if count == 1 else 's'}"
    lines: list[tuple[EntityType, str, str]]
    if what == "merge":
        lines = [("person", kept_id, f"merge {merge.id}: person {merged_id} merged into this person, {moved} moved "
                                     f"(reason: {merge.reason_category})"),
                 ("person", merged_id, f"merge {merge.id}: merged into person {kept_id}, {moved} moved "
                                       f"(reason: {merge.reason_category})")]  # fmt: skip
        lines += [("referral", r, f"merge {merge.id}: moved to person {kept_id}") for r in merge.referral_ids]
    else:
        lines = [("person", kept_id, f"merge {merge.id} undone: {moved} moved back to person {merged_id}"),
                 ("person", merged_id, f"merge {merge.id} undone: no longer merged, {moved} moved back")]  # fmt: skip
        lines += [("referral", r, f"merge {merge.id} undone: moved back to person {merged_id}")
                  for r in merge.referral_ids]  # fmt: skip
    for entity_type, entity_id, summary in lines:
        record_event(session, actor=user.username, entity_type=entity_type, entity_id=entity_id, action="update",
                     summary=summary)  # fmt: skip


# --- the record's history --------------------------------------------------------------------------


def merges_of(session: Session, person_id: str) -> tuple[MergeEntry, ...]:
    """Every merge the person was kept or merged in, oldest first (with its undoing, if any)."""
    rows = session.scalars(
        select(PersonMerge).where(or_(PersonMerge.kept_person_id == person_id, PersonMerge.merged_person_id == person_id))
        .order_by(PersonMerge.merged_at, PersonMerge.id)
    ).all()  # fmt: skip
    entries = []
    for row in rows:
        kept = row.kept_person_id == person_id
        other = session.get_one(Person, row.merged_person_id if kept else row.kept_person_id)
        entries.append(MergeEntry(row.id, kept, other.id, other.nhs_number, tuple(row.referral_ids),
                                  row.reason_category, row.reason, row.merged_by, row.merged_at, row.undone_by,
                                  row.undone_at, row.undo_reason))  # fmt: skip
    return tuple(entries)


def undoable(entries: tuple[MergeEntry, ...]) -> tuple[MergeEntry, ...]:
    """The merges into this person not yet undone: what "Undo merge" offers."""
    return tuple(entry for entry in entries if entry.kept and entry.undone_at is None)
