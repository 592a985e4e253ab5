"""Two people editing the same referral never silently overwrite each other."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session

from tests.store.conftest import referral_input
from tests.users import PWP, as_pwp
from triage.services import ReferralUpdate, create_referral, get_referral, update_referral
from triage.store import ConflictError, Store
from triage.store.audit import events_for
from triage.store.models import Referral

MESSAGE = "this referral was changed by someone else since you opened it; reload"


def test_the_second_of_two_editors_gets_a_conflict_and_writes_nothing(store: Store) -> None:
    created = create_referral(store, as_pwp("pwp"), referral_input(1))
    opened_by_alice = get_referral(store, PWP, created.id)
    opened_by_bob = get_referral(store, PWP, created.id)
    update_referral(store, as_pwp("bob"), created.id, opened_by_bob.version, ReferralUpdate(phone="07700900111"))
    with pytest.raises(ConflictError) as caught:
        update_referral(
            store, as_pwp("alice"), created.id, opened_by_alice.version, ReferralUpdate(phone="07700900222")
        )
    assert str(caught.value) == MESSAGE
    referral = get_referral(store, PWP, created.id)
    assert (referral.phone, referral.version) == ("07700900111", 2)
    with store.read() as session:
        assert [e.actor for e in events_for(session, "referral", created.id) if e.action != "view"] == ["pwp", "bob"]


def test_the_version_column_guards_an_orm_session_holding_a_stale_copy(store: Store) -> None:
    """Without the service's check: the UPDATE itself carries WHERE version = <what was read>."""
    created = create_referral(store, as_pwp("pwp"), referral_input(1))
    stale = Session(store.engine, expire_on_commit=False)
    try:
        referral = stale.get(Referral, created.id)
        assert referral is not None
        stale.commit()  # the read transaction ends; the copy in memory is now what "was opened"
        update_referral(store, as_pwp("bob"), created.id, 1, ReferralUpdate(postcode="DN1 2AB"))
        referral.phone = "07700900333"
        with pytest.raises(ConflictError), store.write() as session:
            session.merge(referral)
    finally:
        stale.close()
    assert get_referral(store, PWP, created.id).phone is None


def test_simultaneous_saves_from_the_same_version_let_exactly_one_through(store: Store) -> None:
    created = create_referral(store, as_pwp("pwp"), referral_input(1))
    start, outcomes = threading.Barrier(4), []
    lock = threading.Lock()

    def save(n: int) -> None:
        start.wait()
        try:
            update_referral(store, as_pwp(f"user{n}"), created.id, 1, ReferralUpdate(phone=f"0770090000{n}"))
            outcome = "saved"
        except ConflictError:
            outcome = "conflict"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "saved"]
    assert get_referral(store, PWP, created.id).version == 2
