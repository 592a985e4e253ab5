"""The audit trail: every change recorded without identifiers, append-only in the database, and
tampering behind the application's back (triggers dropped) detected by verify_database."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.store.conftest import make_nhs_number, referral_input
from tests.users import as_pwp
from triage.services import ReferralUpdate, change_status, create_referral, update_referral
from triage.store import IntegrityProblem, Store, verify_audit_chain, verify_database
from triage.store.audit import record_event
from triage.store.integrity import GUARD_TRIGGERS
from triage.store.models import AuditEvent


def drop_guards(store: Store) -> None:
    """What someone with the database file or an admin login could do."""
    with store.engine.begin() as connection:
        for name in GUARD_TRIGGERS:
            table = next(t for t in ("audit_event", "audit_head", "referral_status_change", "referral", "person",
                                     "screening", "decision") if name.startswith(t))  # fmt: skip
            on = f" ON {table}" if store.dialect == "postgresql" else ""
            connection.exec_driver_sql(f"DROP TRIGGER {name}{on}")


def populated(store: Store) -> list[str]:
    ids = [create_referral(store, as_pwp("pwp"), referral_input(n)).id for n in range(1, 4)]
    update_referral(store, as_pwp("pwp"), ids[0], 1, ReferralUpdate(phone="07700900123"))
    change_status(store, as_pwp("pwp"), ids[1], "contacted")
    return ids


def test_a_sound_store_verifies_clean(store: Store) -> None:
    populated(store)
    assert verify_database(store) == []


def test_events_carry_actor_time_entity_action_and_no_identifiers(store: Store) -> None:
    populated(store)
    with store.read() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert {e.action for e in events} == {"create", "update"}
    assert all(e.occurred_at.tzinfo is not None and e.actor == "pwp" for e in events)
    text_of_trail = " ".join(f"{e.summary} {e.entity_id}" for e in events)
    for n in range(1, 4):
        assert make_nhs_number(n) not in text_of_trail and f"Testfamily{n}" not in text_of_trail
    assert "07700900123" not in text_of_trail


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_the_trail(store: Store, statement: str) -> None:
    populated(store)
    with pytest.raises(IntegrityProblem, match="refused"), store.write() as session:
        session.execute(text(statement))
    assert verify_database(store) == []


def test_a_changed_event_is_detected(store: Store) -> None:
    populated(store)
    drop_guards(store)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_event SET summary = 'nothing happened' WHERE id = 3")
    problems = verify_audit_chain_of(store)
    assert problems == ["audit event 3: its content does not match its hash (changed after writing)"]
    assert any("guard audit_event_no_update is missing" in p for p in verify_database(store))


def test_a_changed_and_rehashed_event_is_detected_by_the_next_link(store: Store) -> None:
    populated(store)
    drop_guards(store)
    from triage.store.audit import chain_hash

    with store.write() as session:
        event = session.get(AuditEvent, 2)
        assert event is not None
        event.actor = "mallory"
        event.hash = chain_hash(event.prev_hash, event)
    problems = verify_audit_chain_of(store)
    assert "audit event 3: does not follow the event before it (the chain is broken)" in problems


def test_a_deleted_event_is_detected(store: Store) -> None:
    populated(store)
    drop_guards(store)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_event WHERE id = 4")
    problems = verify_audit_chain_of(store)
    assert "audit events 4-4 are missing (deleted)" in problems
    assert "audit event 5: does not follow the event before it (the chain is broken)" in problems


def test_events_cut_off_the_end_are_detected(store: Store) -> None:
    populated(store)
    drop_guards(store)
    with store.engine.begin() as connection:
        last = connection.exec_driver_sql("SELECT max(id) FROM audit_event").scalar_one()
        connection.exec_driver_sql(f"DELETE FROM audit_event WHERE id >= {last - 1}")
    problems = verify_audit_chain_of(store)
    assert problems and "events were removed from the end" in problems[0]


def test_a_referral_written_behind_the_applications_back_is_detected(store: Store) -> None:
    ids = populated(store)
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO referral (id, person_id, received_on, source, status, created_at, updated_at, version) "
                "SELECT 'forged', person_id, received_on, source, status, created_at, updated_at, 1 "
                "FROM referral WHERE id = :id"
            ),
            {"id": ids[0]},
        )
    assert verify_database(store) == [
        "1 referrals have no creation event in the audit trail (written behind the application's back)"
    ]


def test_record_event_checks_its_vocabulary(store: Store) -> None:
    with pytest.raises(ValueError), store.write() as session:
        record_event(session, actor="x", entity_type="referral", entity_id="1", action="erase", summary="")  # type: ignore[arg-type]
    with pytest.raises(ValueError), store.write() as session:
        record_event(session, actor=" ", entity_type="referral", entity_id="1", action="create", summary="")


def verify_audit_chain_of(store: Store) -> list[str]:
    with store.read() as session:
        return verify_audit_chain(session)
