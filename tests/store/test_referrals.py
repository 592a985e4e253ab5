"""Referrals on both databases: creation, duplicates, identity, lifecycle, deletion refused, search,
history, the practice directory and the all-or-nothing import."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from tests.store.conftest import make_nhs_number, referral_input
from tests.users import PWP, as_admin, as_pwp
from triage.services import (
    GpPracticeInput,
    IdentityMismatch,
    ReferralUpdate,
    change_status,
    create_referral,
    delete_referral,
    find_referrals,
    get_referral,
    import_referrals,
    person_history,
    save_gp_practice,
    update_referral,
)
from triage.store import IntegrityProblem, RefusedError, Store
from triage.store.audit import events_for
from triage.store.models import AuditEvent, Person, Referral


def count(store: Store, model: type) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_new_referral_is_stored_with_its_person_and_first_status(store: Store) -> None:
    save_gp_practice(
        store, as_admin("admin"), GpPracticeInput(code="C84001", name="Test Practice", gp_names=("Dr Test",))
    )
    created = create_referral(
        store, as_pwp("pwp"), referral_input(1, gp_practice_code="c84001", phone="07700 900123", postcode="dn1 2ab")
    )
    referral = get_referral(store, PWP, created.id)
    assert referral.person.nhs_number == make_nhs_number(1)
    assert (referral.status, referral.source, referral.version) == ("received", "gp", 1)
    assert (referral.phone, referral.postcode, referral.gp_practice.code) == ("07700900123", "DN1 2AB", "C84001")
    assert [change.status for change in referral.status_changes] == ["received"]
    assert referral.status_changes[0].changed_at.tzinfo is not None
    assert not created.is_duplicate


def test_an_unknown_gp_practice_is_refused(store: Store) -> None:
    with pytest.raises(RefusedError, match="practice directory"):
        create_referral(store, as_pwp("pwp"), referral_input(1, gp_practice_code="C99999"))
    assert count(store, Referral) == 0


def test_a_second_open_referral_for_the_same_person_is_flagged_and_linked(store: Store) -> None:
    first = create_referral(store, as_pwp("pwp"), referral_input(1))
    second = create_referral(store, as_pwp("pwp"), referral_input(1, received_on="2024-06-01"))
    assert second.duplicate_of_id == first.id and second.person_id == first.person_id
    assert count(store, Person) == 1
    with store.read() as session:
        (event,) = [e for e in events_for(session, "referral", second.id) if e.action == "create"]
    assert "duplicate" in event.summary


def test_a_referral_after_the_last_one_closed_is_not_a_duplicate(store: Store) -> None:
    first = create_referral(store, as_pwp("pwp"), referral_input(1))
    change_status(store, as_pwp("pwp"), first.id, "closed")
    again = create_referral(store, as_pwp("pwp"), referral_input(1, received_on="2024-07-01", returned_from="cmht"))
    assert again.duplicate_of_id is None and again.person_id == first.person_id


def test_a_different_date_of_birth_for_a_known_nhs_number_is_refused(store: Store) -> None:
    create_referral(store, as_pwp("pwp"), referral_input(1))
    with pytest.raises(IdentityMismatch) as caught:
        create_referral(store, as_pwp("pwp"), referral_input(1, date_of_birth="1990-01-01"))
    assert make_nhs_number(1) not in str(caught.value)
    assert count(store, Referral) == 1


def test_a_changed_name_updates_the_person_and_is_audited_without_values(store: Store) -> None:
    first = create_referral(store, as_pwp("pwp"), referral_input(1))
    create_referral(store, as_pwp("pwp"), referral_input(1, family_name="Newname"))
    with store.read() as session:
        person = session.get(Person, first.person_id)
        assert person is not None and person.family_name == "Newname" and person.version == 2
        updates = [e for e in events_for(session, "person", first.person_id) if e.action == "update"]
    assert [e.summary for e in updates] == ["changed: family_name"]


def test_the_lifecycle_is_followed_and_dated(store: Store) -> None:
    created = create_referral(store, as_pwp("pwp"), referral_input(1))
    change_status(store, as_pwp("pwp"), created.id, "no_contact")
    change_status(store, as_pwp("pwp"), created.id, "contacted")
    with pytest.raises(RefusedError, match="cannot go from contacted to letter_sent"):
        change_status(store, as_pwp("pwp"), created.id, "letter_sent")
    change_status(store, as_pwp("lead"), created.id, "closed")
    with pytest.raises(RefusedError):
        change_status(store, as_pwp("lead"), created.id, "received")
    referral = get_referral(store, PWP, created.id)
    assert [c.status for c in referral.status_changes] == ["received", "no_contact", "contacted", "closed"]
    assert [c.actor for c in referral.status_changes][-1] == "lead"
    times = [c.changed_at for c in referral.status_changes]
    assert times == sorted(times)


def test_deleting_a_referral_is_refused_and_audited(store: Store) -> None:
    created = create_referral(store, as_pwp("pwp"), referral_input(1))
    with pytest.raises(RefusedError, match="cannot be deleted"):
        delete_referral(store, as_pwp("someone"), created.id)
    with store.read() as session:
        actions = [e.action for e in events_for(session, "referral", created.id)]
    assert actions == ["create", "attempted_deletion"]
    # and the database itself refuses a DELETE that bypasses the service
    with pytest.raises(IntegrityProblem, match="refused"), store.write() as session:
        session.execute(text("DELETE FROM referral"))
    assert count(store, Referral) == 1


def test_updates_change_only_the_given_fields_and_are_audited_by_name(store: Store) -> None:
    created = create_referral(store, as_pwp("pwp"), referral_input(1, phone="07700900123"))
    version = update_referral(
        store, as_pwp("pwp"), created.id, 1, ReferralUpdate(postcode="DN1 2AB", interpreter_language="Polish")
    )
    referral = get_referral(store, PWP, created.id)
    assert version == 2 == referral.version
    assert (referral.phone, referral.postcode, referral.interpreter_language) == ("07700900123", "DN1 2AB", "Polish")
    with store.read() as session:
        summaries = [e.summary for e in events_for(session, "referral", created.id) if e.action != "view"]
    assert summaries[-1] == "changed: interpreter_language, postcode"
    assert "DN1" not in " ".join(summaries)


def test_search_by_nhs_number_and_by_family_name_prefix(store: Store) -> None:
    for serial, family in [(1, "Ashworth"), (2, "ashby"), (3, "Brown"), (4, "Ash_ton")]:
        create_referral(store, as_pwp("pwp"), referral_input(serial, family_name=family))
    by_number = find_referrals(store, PWP, nhs_number=make_nhs_number(3))
    assert [r.person.family_name for r in by_number] == ["Brown"]
    assert sorted(r.person.family_name for r in find_referrals(store, PWP, family_name_prefix="ASH")) == [
        "Ash_ton", "Ashworth", "ashby"]  # fmt: skip
    assert [r.person.family_name for r in find_referrals(store, PWP, family_name_prefix="ash_")] == ["Ash_ton"]


def test_history_shows_earlier_referrals_routes_and_returns(store: Store) -> None:
    first = create_referral(store, as_pwp("pwp"), referral_input(1, received_on="2023-01-10"))
    change_status(store, as_pwp("pwp"), first.id, "closed")
    second = create_referral(store, as_pwp("pwp"), referral_input(1, received_on="2023-06-01", returned_from="cmht"))
    history = person_history(store, PWP, first.person_id)
    assert [(h.referral_id, h.status, h.returned_from) for h in history] == [
        (first.id, "closed", None), (second.id, "received", "cmht")]  # fmt: skip


def test_an_import_is_all_or_nothing(store: Store) -> None:
    rows = [referral_input(n) for n in range(1, 6)] + [referral_input(6, gp_practice_code="C99999")]
    with pytest.raises(RefusedError):
        import_referrals(store, as_pwp("admin"), rows)
    assert (count(store, Referral), count(store, Person), count(store, AuditEvent)) == (0, 0, 0)
    created = import_referrals(store, as_pwp("admin"), rows[:5] + [referral_input(1, received_on="2024-06-02")])
    assert len(created) == 6 and created[-1].duplicate_of_id == created[0].id
    with store.read() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert event.summary == "imported 6 referrals (1 flagged as possible duplicates)"
