"""Correcting a mistyped name, date of birth or NHS number (issue 15, item 9, first half), on SQLite
and PostgreSQL: with a reason (category and words, both required), permission-checked, kept as a row
of its own with the value before and after, audited by field and reason category with no patient data,
shown in the record's history and in ``triage referrals show``; an NHS number checked (modulus 11) and
one belonging to another person refused, nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.store.conftest import make_nhs_number, referral_input
from tests.users import PWP, as_admin
from triage.services import create_referral, get_referral, parse
from triage.services.corrections import NHS_NUMBER_CLASH, CorrectionInput, correct_identity
from triage.services.inputs import InvalidInput
from triage.services.permissions import PermissionDenied
from triage.services.referral_record import record_as_text, referral_record
from triage.store import ConflictError, RefusedError, Store
from triage.store.models import AuditEvent, IdentityCorrection

REASON = {"reason_category": "typing_error", "reason": "Letters swapped when typed from the referral"}


def correction(**fields: object) -> CorrectionInput:
    return parse(CorrectionInput, {**REASON, **fields})


def person_events(store: Store) -> list[str]:
    with store.read() as session:
        query = select(AuditEvent.summary).where(AuditEvent.entity_type == "person", AuditEvent.action == "update")
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_a_family_name_and_date_of_birth_are_corrected_kept_audited_and_shown(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1, family_name="Exmaple")).id
    version = get_referral(store, PWP, referral_id).person.version
    correct_identity(store, PWP, referral_id, version, correction(family_name="Example", date_of_birth="1985-04-13"))
    person = get_referral(store, PWP, referral_id).person
    assert (person.family_name, person.name_key, person.date_of_birth) == ("Example", "example", date(1985, 4, 13))
    with store.read() as session:
        rows = session.scalars(select(IdentityCorrection).order_by(IdentityCorrection.field)).all()
        assert [(r.field, r.old_value, r.new_value, r.reason_category, r.corrected_by) for r in rows] == [
            ("date_of_birth", "1985-03-14", "1985-04-13", "typing_error", PWP.username),
            ("family_name", "Exmaple", "Example", "typing_error", PWP.username),
        ]
    summary = person_events(store)[-1]
    assert summary == "identity corrected: date_of_birth, family_name (reason: typing_error)"
    for value in ("Exmaple", "Example", "1985", "swapped"):
        assert value not in summary
    text = record_as_text(referral_record(store, PWP, referral_id))
    assert "Family name corrected from “Exmaple” to “Example” (Mistyped when entered: Letters swapped" in text
    assert "Date of birth corrected from “14/03/1985” to “13/04/1985”" in text


def test_an_nhs_number_is_checked_and_one_of_another_person_is_refused_with_nothing_written(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    create_referral(store, PWP, referral_input(2))
    with pytest.raises(InvalidInput) as bad:
        correction(nhs_number="9434765918")  # check digit wrong (9434765919 is valid)
    assert [p.split(":")[0] for p in bad.value.problems] == ["nhs_number"]
    with pytest.raises(RefusedError) as clash:
        correct_identity(store, PWP, referral_id, 1, correction(nhs_number=make_nhs_number(2)))
    assert str(clash.value) == NHS_NUMBER_CLASH and make_nhs_number(2) not in str(clash.value)
    assert get_referral(store, PWP, referral_id).person.nhs_number == make_nhs_number(1)
    correct_identity(store, PWP, referral_id, 1, correction(nhs_number="943 476 5919"))
    assert get_referral(store, PWP, referral_id).person.nhs_number == "9434765919"
    assert person_events(store)[-1] == "identity corrected: nhs_number (reason: typing_error)"


@pytest.mark.parametrize(
    ("data", "field"),
    [({"family_name": "Example", "reason_category": "typing_error", "reason": "  "}, "reason"),
     ({"family_name": "Example", "reason_category": "typing_error", "reason": "."}, "reason"),
     ({"family_name": "Example", "reason": "Mistyped"}, "reason_category"),
     ({"family_name": "Example", "reason_category": "guess", "reason": "Mistyped"}, "reason_category"),
     ({"reason_category": "typing_error", "reason": "Mistyped"}, "input"),
     ({"date_of_birth": "2999-01-01", **REASON}, "date_of_birth")],
)  # fmt: skip
def test_a_correction_without_a_reason_or_identifier_is_refused_naming_the_field(data: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(CorrectionInput, data)
    assert [p.split(":")[0] for p in refused.value.problems] == [field], refused.value.problems
    assert "Example" not in str(refused.value)


def test_refused_without_permission_or_when_stale_or_unchanged(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    with pytest.raises(PermissionDenied):
        correct_identity(store, as_admin(), referral_id, 1, correction(family_name="Other"))
    with pytest.raises(ConflictError):
        correct_identity(store, PWP, referral_id, 7, correction(family_name="Other"))
    with pytest.raises(RefusedError):
        correct_identity(store, PWP, referral_id, 1, correction(family_name="Testfamily1"))  # as on record
    with pytest.raises(RefusedError):  # a birth after the referral arrived
        correct_identity(store, PWP, referral_id, 1, correction(date_of_birth="2024-06-01"))
    assert get_referral(store, PWP, referral_id).person.version == 1
    assert person_events(store) == []
    with store.read() as session:
        assert session.scalars(select(IdentityCorrection)).all() == []
