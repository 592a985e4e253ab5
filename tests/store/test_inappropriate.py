"""The inappropriate-referral flag in the store, on SQLite and PostgreSQL (issue 15 item 6;
requirements.md 9.37): flagged with a reason and the referrer at any status, shown on the record and in
``referrals show``'s JSON and text, exported, taken off again; every refusal leaves nothing written; the
audit trail has the reason code, never the referrer or the note; the database itself refuses a reason
without a referrer."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tests.store.conftest import referral_input
from tests.users import ADMIN, LEADER, PWP
from triage.services import create_referral, get_referral
from triage.services.inputs import InvalidInput
from triage.services.journey import (
    CloseInput,
    ContactInput,
    InappropriateInput,
    close_referral,
    flag_inappropriate,
    parse_journey,
    record_contact,
)
from triage.services.permissions import PermissionDenied
from triage.services.record_output import record_as_json, record_as_text
from triage.services.referral_record import referral_record
from triage.services.transfer import export_to_stream
from triage.store import ConflictError, IntegrityProblem, RefusedError, Store
from triage.store.models import AuditEvent, Referral

FLAG = {"reason": "substance_dependency", "referrer": "Jobcentre Plus, Central", "note": "alcohol, daily"}


def flag(**changes: Any) -> InappropriateInput:
    return parse_journey(InappropriateInput, {**FLAG, **changes})


def state(store: Store) -> tuple[Any, ...]:
    """Every referral row and the number of audit events: "nothing written" means these are equal."""
    with store.read() as session:
        return (
            [tuple(r) for r in session.execute(select(Referral.__table__).order_by(Referral.id))],
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def test_a_closed_referral_is_flagged_shown_exported_and_the_flag_taken_off(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1, source="jobcentre")).id
    close_referral(store, PWP, referral_id, CloseInput(reason="not_suitable"))
    step = flag_inappropriate(store, PWP, referral_id, flag())
    assert step.status == "closed"  # the flag moves no status
    stored = get_referral(store, PWP, referral_id)
    assert (stored.inappropriate_reason, stored.inappropriate_referrer, stored.inappropriate_note,
            stored.inappropriate_by, stored.version) == ("substance_dependency", "Jobcentre Plus, Central",
                                                         "alcohol, daily", PWP.username, step.version)  # fmt: skip

    record = referral_record(store, PWP, referral_id)
    assert record_as_json(record)["journey"]["inappropriate"] == {
        "reason": "substance_dependency", "referrer": "Jobcentre Plus, Central", "note": "alcohol, daily",
        "flagged_by": PWP.username}  # fmt: skip
    text = record_as_text(record)
    assert "Inappropriate referral: Drug or alcohol dependency (for substance misuse services)" in text
    assert "Referred by: Jobcentre Plus, Central" in text and "Why (note): alcohol, daily" in text

    out = io.StringIO()
    export_to_stream(store, LEADER, out, "json")
    (exported,) = json.loads(out.getvalue())
    assert {k: v for k, v in exported.items() if k.startswith("inappropriate_")} == {
        "inappropriate_reason": "substance_dependency", "inappropriate_referrer": "Jobcentre Plus, Central",
        "inappropriate_note": "alcohol, daily", "inappropriate_by": PWP.username}  # fmt: skip

    flag_inappropriate(store, LEADER, referral_id, None)
    stored = get_referral(store, PWP, referral_id)
    assert (stored.inappropriate_reason, stored.inappropriate_referrer, stored.inappropriate_note,
            stored.inappropriate_by) == (None, None, None, None)  # fmt: skip
    assert "Inappropriate referral: not flagged" in record_as_text(referral_record(store, PWP, referral_id))
    with store.read() as session:
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == referral_id)))
    assert "flagged as an inappropriate referral: reason substance_dependency" in summaries
    assert "inappropriate flag taken off" in summaries
    assert not any("Jobcentre" in s or "alcohol" in s for s in summaries)


def test_flagging_again_replaces_the_reason(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    flag_inappropriate(store, PWP, referral_id, flag())
    flag_inappropriate(store, PWP, referral_id, flag(reason="outside_remit", referrer="Dr B Khan", note=None))
    stored = get_referral(store, PWP, referral_id)
    assert (stored.inappropriate_reason, stored.inappropriate_referrer, stored.inappropriate_note) == (
        "outside_remit", "Dr B Khan", None)  # fmt: skip


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"reason": "other", "note": None}, "note: required when the reason is other"),
        ({"referrer": ""}, "referrer: "),
        ({"reason": "rude"}, "reason: "),
        ({"referrer": "x" * 101}, "referrer: "),
        ({"referrer": "Dr\u202eA"}, "referrer: "),
    ],
)
def test_bad_input_names_the_field(given: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        flag(**given)
    assert any(line.startswith(message) for line in raised.value.problems), raised.value.problems
    assert not any("Jobcentre" in line for line in raised.value.problems)  # never the value typed


def test_each_refusal_writes_nothing(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    version = get_referral(store, PWP, referral_id).version
    before = state(store)
    with pytest.raises(RefusedError, match="no flag to take off"):
        flag_inappropriate(store, PWP, referral_id, None)
    with pytest.raises(ConflictError):
        flag_inappropriate(store, PWP, referral_id, flag(), expected_version=version + 1)
    assert state(store) == before
    with pytest.raises(PermissionDenied):  # an admin sees no patient record and flags none
        flag_inappropriate(store, ADMIN, referral_id, flag())
    with store.read() as session:  # the refusal is audited (who, which action), nothing else is written
        stored = session.get(Referral, referral_id)
        assert stored is not None and stored.inappropriate_reason is None and stored.version == version


def test_the_database_refuses_a_reason_without_its_referrer(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    record_contact(store, PWP, referral_id, parse_journey(ContactInput, {
        "kind": "opted_in", "occurred_at": "2024-05-02T10:00:00", "channel": "online"}))  # fmt: skip
    with pytest.raises(IntegrityProblem, match="ck_referral_inappropriate"), store.write() as session:
        session.execute(update(Referral).where(Referral.id == referral_id).values(inappropriate_reason="other"))
    with pytest.raises(IntegrityProblem, match="ck_referral_inappropriate"), store.write() as session:
        session.execute(update(Referral).where(Referral.id == referral_id).values(
            inappropriate_reason="rude", inappropriate_referrer="Dr A"))  # fmt: skip
