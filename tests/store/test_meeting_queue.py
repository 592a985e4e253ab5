"""The referral meeting's queue (issue 16, items 1 and 6), on both databases: each way into it (high
risk, several services, an override, a service that returned the person, supervision, sent by a PWP)
and out (closed; a meeting's decision: tests/store/test_meetings.py), a high-risk referral decided at
once staying in it, the team leader's order, the supervision queue per supervisor, the permissions
both ways with each refusal audited, and a listing that reads only the queue's rows."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select, text

from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.store.test_ping_pong import RATIONALE, returned_then_screened
from tests.store.test_screenings import ANSWERS
from tests.users import as_admin, as_leader, as_pwp
from triage.services import DecisionInput, ScreeningInput, confirm_decision, create_referral, save_screening
from triage.services.inputs import InvalidInput
from triage.services.journey import CloseInput, close_referral
from triage.services.meeting_queue import (
    initials,
    meeting_queue,
    move_in_queue,
    send_to_meeting,
    set_supervisor,
    supervision_queue,
)
from triage.services.permissions import PermissionDenied
from triage.services.users import add_account
from triage.store import NotFoundError, RefusedError, Store
from triage.store.models import AuditEvent, MeetingQueueEntry, Person, Referral

PWP, LEADER = as_pwp("pwp"), as_leader("lead")
HIGH_RISK = {**ANSWERS, "risk": "high", "risk_details": {
    "thoughts": {"present": "yes", "detail": "daily"}, "intent": {"present": "yes", "detail": "tonight"},
    "plan": {"present": "yes", "detail": "tablets"}, "protective_factors": "sister nearby",
    "contacted": "Duty manager J. Smith", "contacted_at": "2026-11-23T10:05:00",
    "actions_taken": "crisis team called during the call"}}  # fmt: skip
SEVERAL = {**HIGH_COMPLEXITY, "substance_use": "high"}  # the CMHT and substance misuse services both fire
QUESTION = "Is step 3 right with the history of two failed courses?"


def screened(store: Store, serial: int, answers: dict = ANSWERS, *, by: str = "pwp") -> str:
    referral_id = create_referral(store, as_pwp(by), referral_input(serial)).id
    save_screening(store, as_pwp(by), referral_id, ScreeningInput.model_validate(answers))
    return referral_id


def queued(store: Store) -> dict[str, tuple[str, ...]]:
    return {entry.referral_id: entry.reasons for entry in meeting_queue(store, LEADER)}


def last_event(store: Store) -> AuditEvent:
    with store.read() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        session.expunge(event)
        return event


def test_a_plain_screening_decided_as_recommended_never_joins(store: Store) -> None:
    referral_id = screened(store, 1)
    confirm_decision(store, PWP, referral_id, DecisionInput(confirmed_route="integrated_iapt", confirmed_step=3))
    assert queued(store) == {}


def test_high_risk_joins_and_a_pwps_crisis_decision_goes_ahead_and_stays_in_the_queue(store: Store) -> None:
    referral_id = screened(store, 1, HIGH_RISK)
    assert queued(store) == {referral_id: ("high_risk",)}
    decided = DecisionInput(confirmed_route="crisis_team", override_reason="plan for tonight: the crisis team "
                            "assesses today", warnings_acknowledged=True)  # fmt: skip
    decision_id = confirm_decision(store, PWP, referral_id, decided)  # not held up by the queue
    assert decision_id
    (entry,) = meeting_queue(store, LEADER)
    assert entry.referral_id == referral_id and entry.reasons == ("high_risk",)  # until a meeting reviews it
    assert (entry.reference, entry.initials, entry.screened_by, entry.waited_days) == (
        get_reference(store, referral_id), "T. T.", "pwp", 0)  # fmt: skip


def get_reference(store: Store, referral_id: str) -> str:
    with store.read() as session:
        return session.get(Referral, referral_id).reference  # type: ignore[union-attr]


def test_several_services_outside_iapt_join_but_one_does_not(store: Store) -> None:
    several, one = screened(store, 1, SEVERAL), screened(store, 2, HIGH_COMPLEXITY)
    assert queued(store) == {several: ("several_services",)}
    assert one not in queued(store)


def test_an_override_joins_and_a_screening_flagged_for_supervision_joins(store: Store) -> None:
    overridden, flagged = screened(store, 1, HIGH_COMPLEXITY), screened(store, 2, {**ANSWERS,
                                                                                  "discuss_in_supervision": True})  # fmt: skip
    assert queued(store) == {flagged: ("supervision",)}
    confirm_decision(store, PWP, overridden, DecisionInput(confirmed_route="core_iapt", confirmed_step=3,
                                                           override_reason="CMHT declined last month"))  # fmt: skip
    assert queued(store) == {flagged: ("supervision",), overridden: ("override",)}


def test_choosing_again_a_service_that_returned_the_person_joins(store: Store) -> None:
    referral_id = returned_then_screened(store)
    assert referral_id not in queued(store)
    confirm_decision(store, PWP, referral_id, DecisionInput(confirmed_route="cmht", return_rationale=RATIONALE))
    assert queued(store)[referral_id] == ("returned_service",)


def test_a_pwp_sends_a_referral_with_a_question_and_bad_questions_name_the_field(store: Store) -> None:
    referral_id = screened(store, 1)
    for bad in ("", "   ", "x" * 1001):
        with pytest.raises(InvalidInput, match="^question: "):
            send_to_meeting(store, PWP, referral_id, bad)
    assert queued(store) == {}  # nothing half written
    send_to_meeting(store, PWP, referral_id, QUESTION)
    (entry,) = meeting_queue(store, LEADER)
    assert (entry.reasons, entry.sent_by, entry.question) == (("sent",), "pwp", QUESTION)
    event = last_event(store)
    assert QUESTION not in event.summary and "Testfamily" not in event.summary
    with pytest.raises(NotFoundError):
        send_to_meeting(store, PWP, "no-such-referral", QUESTION)


def test_a_closed_referral_leaves_the_queue_and_cannot_be_sent(store: Store) -> None:
    referral_id = screened(store, 1, SEVERAL)
    send_to_meeting(store, PWP, referral_id, QUESTION)
    assert queued(store) == {referral_id: ("several_services", "sent")}
    close_referral(store, PWP, referral_id, CloseInput(reason="declined"))
    assert queued(store) == {}
    with pytest.raises(RefusedError, match="closed"):
        send_to_meeting(store, PWP, referral_id, QUESTION)


def test_a_new_screening_changes_the_reasons_and_keeps_the_place(store: Store) -> None:
    first, second = screened(store, 1, HIGH_RISK), screened(store, 2, SEVERAL)
    before = meeting_queue(store, LEADER)
    save_screening(store, PWP, first, ScreeningInput.model_validate({**HIGH_RISK, "discuss_in_supervision": True}))
    after = meeting_queue(store, LEADER)
    assert [e.referral_id for e in after] == [first, second] and after[0].joined_at == before[0].joined_at
    assert after[0].reasons == ("high_risk", "supervision")


def test_a_team_leader_reorders_the_queue(store: Store) -> None:
    ids = [screened(store, n, SEVERAL) for n in range(1, 5)]
    move_in_queue(store, LEADER, ids[3], 1)
    assert [e.referral_id for e in meeting_queue(store, LEADER)] == [ids[3], ids[0], ids[1], ids[2]]
    move_in_queue(store, LEADER, ids[3], 99)  # past the end: last
    entries = meeting_queue(store, LEADER)
    assert [e.referral_id for e in entries] == ids and [e.position for e in entries] == [1, 2, 3, 4]
    for bad in (0, -1, True):
        with pytest.raises(RefusedError, match="^position: "):
            move_in_queue(store, LEADER, ids[0], bad)
    with pytest.raises(NotFoundError, match="not in the meeting queue"):
        move_in_queue(store, LEADER, "no-such-referral", 1)
    # a newcomer joins at the end
    newcomer = screened(store, 9, SEVERAL)
    assert meeting_queue(store, LEADER)[-1].referral_id == newcomer


@pytest.mark.parametrize("call", [
    lambda s, u: meeting_queue(s, u), lambda s, u: move_in_queue(s, u, "any", 1),
    lambda s, u: supervision_queue(s, u),
], ids=["meeting_queue", "move_in_queue", "supervision_queue"])  # fmt: skip
def test_only_a_team_leader_sees_or_orders_the_queue_and_each_refusal_is_audited(store: Store, call) -> None:  # type: ignore[no-untyped-def]
    screened(store, 1, SEVERAL)
    for user in (PWP, as_admin("admin")):
        with pytest.raises(PermissionDenied):
            call(store, user)
        event = last_event(store)
        assert (event.action, event.actor) == ("permission_denied", user.username)


def test_an_admin_may_not_send_to_the_meeting_and_the_refusal_is_audited(store: Store) -> None:
    referral_id = screened(store, 1)
    with pytest.raises(PermissionDenied):
        send_to_meeting(store, as_admin("admin"), referral_id, QUESTION)
    assert (last_event(store).action, last_event(store).summary) == ("permission_denied", "refused: send_to_meeting")
    send_to_meeting(store, LEADER, referral_id, QUESTION)  # a team leader may
    assert queued(store) == {referral_id: ("sent",)}


def test_the_listing_is_audited_as_a_count_and_never_a_name(store: Store) -> None:
    screened(store, 1, SEVERAL), screened(store, 2, SEVERAL)
    meeting_queue(store, LEADER)
    event = last_event(store)
    assert (event.action, event.entity_id, event.summary) == ("search", "*", "search returned 2 results")


def accounts(store: Store) -> None:
    with store.write() as session:
        for name, role in (("lead", "team_leader"), ("other.lead", "team_leader"), ("pwp", "pwp"),
                           ("pwp2", "pwp"), ("admin", "admin")):  # fmt: skip
            add_account(session, name, name, role, "a long enough password 1", actor="setup")


def test_the_supervision_queue_is_per_supervisor(store: Store) -> None:
    accounts(store)
    admin = as_admin("admin")
    set_supervisor(store, admin, "pwp", "lead")
    set_supervisor(store, admin, "PWP2 ", "Other.Lead")  # names as typed
    flagged = {**ANSWERS, "discuss_in_supervision": True}
    mine, theirs = screened(store, 1, flagged, by="pwp"), screened(store, 2, flagged, by="pwp2")
    screened(store, 3, SEVERAL, by="pwp")  # in the meeting queue, not flagged for supervision
    assert [e.referral_id for e in supervision_queue(store, LEADER)] == [mine]
    assert [e.referral_id for e in supervision_queue(store, LEADER, "other.lead")] == [theirs]
    set_supervisor(store, admin, "pwp2", None)
    assert (last_event(store).entity_id, last_event(store).summary) == ("pwp2", "supervisor removed")
    assert supervision_queue(store, LEADER, "other.lead") == []


def test_a_supervisor_must_be_an_active_team_leader_and_only_an_admin_names_one(store: Store) -> None:
    accounts(store)
    admin = as_admin("admin")
    with pytest.raises(RefusedError, match="^supervisor: must be an active team leader"):
        set_supervisor(store, admin, "pwp", "pwp2")
    with pytest.raises(RefusedError, match="^supervisor: an account cannot supervise itself"):
        set_supervisor(store, admin, "lead", "lead")
    with pytest.raises(NotFoundError, match="^supervisor: "):
        set_supervisor(store, admin, "pwp", "nobody")
    with pytest.raises(NotFoundError, match="^username: "):
        set_supervisor(store, admin, "nobody", "lead")
    for user in (LEADER, PWP):
        with pytest.raises(PermissionDenied):
            set_supervisor(store, user, "pwp", "lead")
        assert last_event(store).summary == "refused: users"
    set_supervisor(store, admin, "pwp", "lead")
    assert last_event(store).summary == "supervisor set to lead"


def test_initials_are_what_a_projector_may_show() -> None:
    assert initials("Priya", "Shah") == "P. S."
    assert initials(" zoë", "o'neill ") == "Z. O."


def test_the_queue_is_listed_fast_with_100k_referrals_in_the_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from triage.store import open_store

    with open_store(str(tmp_path / "big.db")) as store:
        ids = [screened(store, n, SEVERAL) for n in range(1, 11)]
        with store.write() as session:  # 100,000 more referrals, none waiting for the team
            now = datetime.now(UTC)
            people = [{"id": f"p{n}", "nhs_number": f"{n:010d}", "given_name": "A", "family_name": "B",
                       "name_key": "b", "date_of_birth": date(1980, 1, 1), "version": 1} for n in range(100_000)]  # fmt: skip
            session.execute(insert(Person), people)
            session.execute(insert(Referral), [
                {"id": f"r{n}", "person_id": f"p{n}", "received_on": date(2024, 1, 1), "source": "gp",
                 "status": "received", "reference": f"BIG-{n:06d}", "letter_to_practice": False,
                 "created_at": now, "updated_at": now, "version": 1} for n in range(100_000)])  # fmt: skip
        started = time.perf_counter()
        entries = meeting_queue(store, LEADER)
        took = time.perf_counter() - started
        assert [e.referral_id for e in entries] == ids
        assert took < 1.0, f"the queue took {took:.2f}s with 100k referrals"
        with store.read() as session:
            plan = " ".join(str(row) for row in session.execute(text(
                "EXPLAIN QUERY PLAN SELECT * FROM meeting_queue_entry JOIN referral ON referral.id = "
                "meeting_queue_entry.referral_id ORDER BY meeting_queue_entry.position")))  # fmt: skip
        assert "SCAN referral" not in plan  # referrals are looked up by key, never scanned
        assert f"SCAN {MeetingQueueEntry.__tablename__} USING INDEX ix_meeting_queue_entry_position" in plan


# --- out of the queue by a meeting's decision (the meetings themselves: tests/store/test_meetings.py) ---


def meeting(store: Store) -> str:
    from triage.services.meetings import MeetingInput, open_meeting

    return open_meeting(store, LEADER, MeetingInput(held_on=date.today(), chair_guest="Dr Chair"))


def recommended(store: Store, referral_id: str) -> DecisionInput:
    from triage.services import recommend

    routing = recommend(store, LEADER, referral_id)
    return DecisionInput(confirmed_route=routing.route, confirmed_step=routing.step,
                         override_reason="reviewed by the team" if routing.route == "crisis_team" else None,
                         warnings_acknowledged=bool(routing.warnings))  # fmt: skip


def test_a_high_risk_referral_a_pwp_decided_leaves_only_when_a_meeting_decides_it(store: Store) -> None:
    from triage.services.meetings import decide_in_meeting

    referral_id, other = screened(store, 1, HIGH_RISK), screened(store, 2, SEVERAL)
    send_to_meeting(store, PWP, referral_id, QUESTION)
    confirm_decision(store, PWP, referral_id, recommended(store, referral_id))
    assert queued(store)[referral_id] == ("high_risk", "sent")
    decide_in_meeting(store, LEADER, meeting(store), referral_id, recommended(store, referral_id))
    assert queued(store) == {other: ("several_services",)}
    moves = [(e.actor, e.summary) for e in events_of(store, referral_id) if "the meeting queue" in e.summary]
    assert moves == [("pwp", "joined the meeting queue: high_risk"), ("lead", "left the meeting queue")]


def events_of(store: Store, referral_id: str) -> list[AuditEvent]:
    with store.read() as session:
        rows = list(
            session.scalars(select(AuditEvent).where(AuditEvent.entity_id == referral_id).order_by(AuditEvent.id))
        )
        session.expunge_all()
        return rows


def test_a_deferred_case_stays_with_its_reason_until_a_later_meeting_decides_it(store: Store) -> None:
    from triage.services.meetings import close_meeting, decide_in_meeting, defer_case

    referral_id = screened(store, 1, SEVERAL)
    first = meeting(store)
    defer_case(store, LEADER, first, referral_id, "Waiting for the GP's review")
    close_meeting(store, LEADER, first)
    (entry,) = meeting_queue(store, LEADER)
    assert (entry.referral_id, entry.reasons, entry.deferred_reason) == (
        referral_id, ("several_services",), "Waiting for the GP's review")  # fmt: skip
    decide_in_meeting(store, LEADER, meeting(store), referral_id, recommended(store, referral_id))
    assert queued(store) == {}
    # a new screening after the meeting's decision puts it back, for the team to look at again
    save_screening(store, PWP, referral_id, ScreeningInput.model_validate(SEVERAL))
    assert queued(store) == {referral_id: ("several_services",)}
