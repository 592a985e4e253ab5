"""Editing a referral after it was created: the patient's postal address and the referring GP
(``ReferralUpdate``), validated as the new-referral form validates them, audited by field (names,
never values), and what the letters and the read-only record then say. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.store.conftest import referral_input
from tests.store.test_letters_store import PRACTICE, build, decided
from tests.users import PWP, as_admin
from triage.services import create_referral, get_referral, parse, save_gp_practice, update_referral
from triage.services.inputs import GpPracticeInput, InvalidInput, ReferralUpdate
from triage.services.referral_record import record_as_text, referral_record
from triage.store import Store
from triage.store.models import AuditEvent

NEW_ADDRESS = {"address_line1": "7 New Street", "address_line2": "Wheatley", "address_line3": "Doncaster",
               "postcode": "dn2 4aa"}  # fmt: skip


def updates(store: Store, referral_id: str) -> list[str]:
    with store.read() as session:
        query = select(AuditEvent.summary).where(AuditEvent.entity_id == referral_id, AuditEvent.action == "update")
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_the_address_and_referring_gp_are_edited_audited_by_field_and_letters_follow(store: Store) -> None:
    referral_id, decision_id = decided(store, practice={**PRACTICE, "gp_names": ("Dr A Example", "Dr B Sample")})
    version = get_referral(store, PWP, referral_id).version
    update_referral(
        store, PWP, referral_id, version, parse(ReferralUpdate, {**NEW_ADDRESS, "referring_gp": "Dr B Sample"})
    )
    stored = get_referral(store, PWP, referral_id)
    assert stored.address_lines == ("7 New Street", "Wheatley", "Doncaster") and stored.postcode == "DN2 4AA"
    assert stored.referring_gp == "Dr B Sample"
    summary = updates(store, referral_id)[-1]
    assert summary == "changed: address_line1, address_line2, postcode, referring_gp"  # the town was Doncaster
    assert "New Street" not in summary and "DN2" not in summary and "Sample" not in summary
    patient = " ".join(build(store, decision_id, "patient").paragraphs)
    assert "7 New Street Wheatley Doncaster DN2 4AA" in " ".join(patient.split())
    assert "Dear Dr B Sample," in build(store, decision_id, "gp").paragraphs
    text = record_as_text(referral_record(store, PWP, referral_id))
    assert "7 New Street, Wheatley, Doncaster, DN2 4AA" in text and "Dr B Sample" in text


@pytest.mark.parametrize(
    ("change", "field"),
    [({"postcode": "DN4"}, "postcode"), ({"postcode": None}, "postcode"), ({"address_line1": None}, "address_line1"),
     ({"address_line2": "Flat\u202e2"}, "address_line2"), ({"referring_gp": "Dr\x07A"}, "referring_gp")],
)  # fmt: skip
def test_a_bad_address_or_gp_is_refused_naming_the_field_and_nothing_is_written(
    store: Store, change: dict, field: str
) -> None:
    referral_id = create_referral(store, PWP, referral_input(1, **NEW_ADDRESS)).id
    before = get_referral(store, PWP, referral_id)
    with pytest.raises(InvalidInput) as refused:
        update_referral(store, PWP, referral_id, before.version, parse(ReferralUpdate, change))
    assert [p.split(":")[0] for p in refused.value.problems] == [field]
    after = get_referral(store, PWP, referral_id)
    assert (after.address_lines, after.postcode, after.version) == (
        before.address_lines,
        before.postcode,
        before.version,
    )
    assert updates(store, referral_id) == []


def test_naming_a_gp_ends_the_recorded_choice_of_the_practice(store: Store) -> None:
    save_gp_practice(store, as_admin(), parse(GpPracticeInput, PRACTICE))
    referral_id = create_referral(store, PWP, referral_input(1, letter_to_practice=True)).id
    update_referral(store, PWP, referral_id, 1, parse(ReferralUpdate, {"referring_gp": "Dr A Example"}))
    stored = get_referral(store, PWP, referral_id)
    assert (stored.referring_gp, stored.letter_to_practice) == ("Dr A Example", False)
    assert updates(store, referral_id)[-1] == "changed: letter_to_practice, referring_gp"
