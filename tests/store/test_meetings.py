"""The referral meeting (issue 16, items 2, 5 and 7), on both databases: opening one (bad input names
the field), deciding cases (confirmed, changed with a reason), deferring, asking for information,
closing it (the minutes built from the rows, kept with their sha256, audited, printed), the lock in the
services and in the database, a later decision revising the locked one, the name revealed and audited,
and every permission both ways with each refusal audited."""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.store.test_meeting_queue import HIGH_RISK, PWP, QUESTION, SEVERAL, last_event, queued, screened
from tests.store.test_screenings import ANSWERS
from tests.users import as_admin, as_leader, as_pwp
from triage.services import DecisionInput, confirm_decision, meetings, recommend
from triage.services.inputs import InvalidInput, parse
from triage.services.meeting_queue import meeting_queue, send_to_meeting
from triage.services.meetings import (
    MeetingInput,
    ask_for_information,
    close_meeting,
    decide_in_meeting,
    defer_case,
    meeting_case_record,
    meeting_info,
    minutes_pdf,
    open_meeting,
    open_meetings,
    presenter_allowed,
    reveal_name,
)
from triage.services.permissions import PermissionDenied
from triage.services.users import add_account
from triage.store import NotFoundError, RefusedError, Store, open_store
from triage.store.models import AuditEvent, Decision, Meeting, Referral
from triage.store.models import MeetingItem as MeetingItemRow

LEADER = as_leader("lead")
TODAY = date.today()
CHANGE_REASON = "The team knows the substance misuse service cannot see them before the CMHT does"


def accounts(store: Store) -> None:
    with store.write() as session:
        for name, display, role in (("lead", "Sam Leader", "team_leader"), ("pwp", "Priya Shah", "pwp"),
                                    ("pwp2", "Jo Other", "pwp"), ("admin", "Admin", "admin")):  # fmt: skip
            add_account(session, name, display, role, "a long enough password 1", actor="setup")


def meeting_input(**changes: object) -> MeetingInput:
    fields: dict[str, object] = {"held_on": TODAY, "chair": "lead", "attendees": ("pwp",), "guests": ("Alex Morgan",)}
    fields.update(changes)
    return parse(MeetingInput, fields)


def as_recommended(store: Store, referral_id: str) -> DecisionInput:
    routing = recommend(store, LEADER, referral_id)
    return DecisionInput(confirmed_route=routing.route, confirmed_step=routing.step,
                         warnings_acknowledged=bool(routing.warnings))  # fmt: skip


@pytest.mark.parametrize(("changes", "field"), [
    ({"held_on": TODAY - timedelta(days=1)}, "held_on"),
    ({"held_on": TODAY + timedelta(days=32)}, "held_on"),
    ({"chair": None}, "chair"),
    ({"chair_guest": "Dr Guest"}, "chair"),
    ({"attendees": ("lead",)}, "attendees"),
    ({"attendees": tuple(f"user{n}" for n in range(31))}, "attendees"),
    ({"guests": ("A" * 101,)}, "guests"),
    ({"guests": ("",)}, "guests"),
    ({"guests": ("Alex", "alex")}, "guests"),
], ids=["yesterday", "too-far-ahead", "no-chair", "two-chairs", "chair-twice", "31-attendees", "long-guest",
        "empty-guest", "guest-twice"])  # fmt: skip
def test_bad_meeting_input_names_the_field(changes: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        meeting_input(**changes)
    assert refused.value.problems[0].startswith(f"{field}"), refused.value.problems


def test_a_month_ahead_and_a_guest_chair_are_allowed(store: Store) -> None:
    accounts(store)
    meeting_id = open_meeting(store, LEADER, meeting_input(held_on=TODAY + timedelta(days=31), chair=None,
                                                          chair_guest="Dr Visiting", attendees=("lead", "pwp")))  # fmt: skip
    info = meeting_info(store, LEADER, meeting_id)
    assert [(a.name, a.username) for a in info.attendees] == [
        ("Dr Visiting", None), ("Sam Leader", "lead"), ("Priya Shah", "pwp"), ("Alex Morgan", None)]  # fmt: skip


def test_the_chair_must_be_an_active_team_leader_and_attendees_active_accounts(store: Store) -> None:
    accounts(store)
    with pytest.raises(RefusedError, match="^chair: must be an active team leader"):
        open_meeting(store, LEADER, meeting_input(chair="pwp", attendees=()))
    with pytest.raises(RefusedError, match="^attendees: there is no active account"):
        open_meeting(store, LEADER, meeting_input(attendees=("nobody",)))
    assert open_meetings(store, LEADER) == []  # nothing half written


def test_a_whole_meeting_decides_changes_defers_asks_and_closes_with_its_minutes(store: Store, tmp_path: Path) -> None:
    accounts(store)
    confirmed, changed, deferred, asked = (screened(store, n, SEVERAL) for n in range(1, 5))
    send_to_meeting(store, PWP, confirmed, QUESTION)
    meeting_id = open_meeting(store, LEADER, meeting_input())
    decision_id = decide_in_meeting(store, LEADER, meeting_id, confirmed, as_recommended(store, confirmed))
    other = DecisionInput(confirmed_route="substance_misuse")
    with pytest.raises(RefusedError, match="^override_reason: "):  # changed needs its reason
        decide_in_meeting(store, LEADER, meeting_id, changed, other)
    changed_id = decide_in_meeting(store, LEADER, meeting_id, changed, other.model_copy(update={"override_reason":
                                                                                                CHANGE_REASON}))  # fmt: skip
    defer_case(store, LEADER, meeting_id, deferred, "Waiting for the GP's medication review")
    ask_for_information(store, LEADER, meeting_id, asked, "The CMHT's discharge letter", "Priya Shah",
                        TODAY + timedelta(days=7))  # fmt: skip

    queue = {e.referral_id: e for e in meeting_queue(store, LEADER)}
    assert set(queue) == {deferred, asked}  # decided cases left; deferred and asked-for ones stay
    assert queue[deferred].deferred_reason == "Waiting for the GP's medication review"
    assert queue[asked].information_asked == "The CMHT's discharge letter"
    info = meeting_info(store, LEADER, meeting_id)
    assert [(i.referral_id, i.outcome, i.decision_id) for i in info.items] == [
        (confirmed, "confirmed", decision_id), (changed, "changed", changed_id), (deferred, "deferred", None),
        (asked, "more_info", None)]  # fmt: skip
    assert info.items[1].reason == CHANGE_REASON and info.items[3].action_owner == "Priya Shah"
    with store.read() as session:
        stored = {d.id: (d.in_meeting, d.meeting_id) for d in session.scalars(select(Decision))}
    assert stored == {decision_id: (True, meeting_id), changed_id: (True, meeting_id)}

    pdf = close_meeting(store, LEADER, meeting_id)
    with store.read() as session:
        row = session.get(Meeting, meeting_id)
        assert row is not None and row.minutes_pdf == pdf and row.minutes_sha256 == hashlib.sha256(pdf).hexdigest()
        assert row.closed_by == "lead" and row.closed_at is not None
        references = {r.id: r.reference for r in session.scalars(select(Referral))}
    closing = last_event(store)
    assert closing.entity_type == "meeting" and "2 deferred" not in closing.summary
    assert "4 cases" not in closing.summary and "3 cases, 1 deferred" in closing.summary

    from tests.letters.test_scripts import pdftotext

    words = " ".join(pdftotext(pdf, tmp_path).split())
    for expected in ("Sam Leader", "Priya Shah", "Alex Morgan (guest)", references[confirmed], references[changed],
                     references[deferred], references[asked], "recommendation confirmed", "another route or step",
                     "Waiting for the GP's medication review", "The CMHT's discharge letter", "sha256"):  # fmt: skip
        assert " ".join(expected.split()) in words, expected
    assert "Testfamily" not in words and "Testgiven" not in words  # by reference only, never a name
    assert CHANGE_REASON.split()[0] in words

    assert minutes_pdf(store, LEADER, meeting_id) == pdf
    printed = last_event(store)
    assert (printed.action, printed.entity_id) == ("print", meeting_id)


def test_a_closed_meeting_is_locked_in_the_services_and_in_the_database(store: Store) -> None:
    accounts(store)
    first, second = screened(store, 1, SEVERAL), screened(store, 2, SEVERAL)
    meeting_id = open_meeting(store, LEADER, meeting_input())
    decide_in_meeting(store, LEADER, meeting_id, first, as_recommended(store, first))
    with pytest.raises(RefusedError, match="still open"):
        minutes_pdf(store, LEADER, meeting_id)
    close_meeting(store, LEADER, meeting_id)
    for attempt in (lambda: decide_in_meeting(store, LEADER, meeting_id, second, as_recommended(store, second)),
                    lambda: defer_case(store, LEADER, meeting_id, second, "later"),
                    lambda: ask_for_information(store, LEADER, meeting_id, second, "x", "y", TODAY),
                    lambda: close_meeting(store, LEADER, meeting_id)):  # fmt: skip
        with pytest.raises(RefusedError, match="the meeting is closed: its outcomes are locked"):
            attempt()
    assert open_meetings(store, LEADER) == []
    for statement in ("UPDATE meeting_item SET reason = 'edited'", "DELETE FROM meeting_item",
                      "UPDATE decision SET override_reason = 'edited' WHERE meeting_id IS NOT NULL",
                      "UPDATE meeting SET closed_at = NULL", "DELETE FROM meeting"):  # fmt: skip
        with pytest.raises(Exception, match="(?i)refused"), store.engine.begin() as connection:  # either driver's
            connection.execute(text(statement))


def test_a_later_decision_on_a_locked_meeting_decision_needs_a_team_leader_and_revises_it(store: Store) -> None:
    accounts(store)
    referral_id = screened(store, 1, SEVERAL)
    meeting_id = open_meeting(store, LEADER, meeting_input())
    locked = decide_in_meeting(store, LEADER, meeting_id, referral_id, as_recommended(store, referral_id))
    close_meeting(store, LEADER, meeting_id)
    later = DecisionInput(confirmed_route="substance_misuse", override_reason="the CMHT has declined since")
    with pytest.raises(PermissionDenied):  # a team leader's (someone else's decision, and locked)
        confirm_decision(store, PWP, referral_id, later)
    assert (last_event(store).action, last_event(store).actor) == ("permission_denied", "pwp")
    revising = confirm_decision(store, LEADER, referral_id, later)
    with store.read() as session:
        decisions = {d.id: d for d in session.scalars(select(Decision))}
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == revising)).one()
    assert decisions[revising].revises_id == locked and decisions[revising].meeting_id is None
    assert decisions[locked].confirmed_route != "substance_misuse"  # the meeting's decision, unchanged
    assert f"revises the meeting decision {locked}" in event.summary
    # not a meeting review: the referral waits for the team again, with its reasons
    assert queued(store) == {referral_id: ("several_services", "override")}


def test_the_name_is_revealed_only_to_the_meeting_and_each_reveal_is_audited(store: Store) -> None:
    accounts(store)
    referral_id = screened(store, 1, HIGH_RISK)
    elsewhere = screened(store, 2, ANSWERS)  # not in the queue
    meeting_id = open_meeting(store, LEADER, meeting_input())
    assert reveal_name(store, PWP, meeting_id, referral_id) == "Testgiven Testfamily1"  # an attendee
    event = last_event(store)
    assert (event.action, event.actor, event.entity_type, event.entity_id, event.summary) == (
        "view", "pwp", "referral", referral_id, f"full name revealed in meeting {meeting_id}")  # fmt: skip
    assert "Testfamily" not in event.summary
    assert reveal_name(store, LEADER, meeting_id, referral_id) == "Testgiven Testfamily1"
    with pytest.raises(NotFoundError):
        reveal_name(store, LEADER, meeting_id, elsewhere)
    for outsider in (as_pwp("pwp2"), as_admin("admin")):
        with pytest.raises(PermissionDenied):
            reveal_name(store, outsider, meeting_id, referral_id)
        assert (last_event(store).action, last_event(store).actor) == ("permission_denied", outsider.username)


def test_an_attendee_sees_the_cases_a_pwp_who_is_not_listed_does_not(store: Store) -> None:
    accounts(store)
    referral_id = screened(store, 1, HIGH_RISK)
    meeting_id = open_meeting(store, LEADER, meeting_input())
    record = meeting_case_record(store, PWP, meeting_id, referral_id)
    assert record.referral.id == referral_id and last_event(store).action == "view"
    info = meeting_info(store, PWP, meeting_id)
    assert presenter_allowed(info, PWP) and presenter_allowed(info, LEADER)
    assert not presenter_allowed(info, as_pwp("pwp2")) and not presenter_allowed(info, as_admin("admin"))
    for outsider in (as_pwp("pwp2"), as_admin("admin")):
        for call in (lambda u: meeting_case_record(store, u, meeting_id, referral_id),
                     lambda u: meeting_info(store, u, meeting_id), lambda u: meeting_info(store, u, "no-such")):  # fmt: skip
            with pytest.raises(PermissionDenied):
                call(outsider)
            assert last_event(store).action == "permission_denied"


def test_only_a_team_leader_runs_a_meeting_and_each_refusal_is_audited(store: Store) -> None:
    accounts(store)
    referral_id = screened(store, 1, SEVERAL)
    meeting_id = open_meeting(store, LEADER, meeting_input())
    calls = {
        "open_meeting": lambda u: open_meeting(store, u, meeting_input()),
        "open_meetings": lambda u: open_meetings(store, u),
        "decide_in_meeting": lambda u: decide_in_meeting(store, u, meeting_id, referral_id, DecisionInput(
            confirmed_route="cmht")),
        "defer_case": lambda u: defer_case(store, u, meeting_id, referral_id, "later"),
        "ask_for_information": lambda u: ask_for_information(store, u, meeting_id, referral_id, "x", "y", TODAY),
        "close_meeting": lambda u: close_meeting(store, u, meeting_id),
        "minutes_pdf": lambda u: minutes_pdf(store, u, meeting_id),
    }  # fmt: skip
    for name, call in calls.items():
        for user in (PWP, as_admin("admin")):  # the PWP attends, and still may not run it
            with pytest.raises(PermissionDenied):
                call(user)
            event = last_event(store)
            assert (event.action, event.actor, event.summary) == ("permission_denied", user.username,
                                                                  "refused: run_meeting"), name  # fmt: skip
    assert meeting_info(store, LEADER, meeting_id).items == ()  # nothing was recorded by the refusals


def test_defer_and_ask_take_only_queued_cases_and_name_bad_fields(store: Store) -> None:
    accounts(store)
    queued_id, elsewhere = screened(store, 1, SEVERAL), screened(store, 2, ANSWERS)
    meeting_id = open_meeting(store, LEADER, meeting_input())
    with pytest.raises(RefusedError, match="not in the meeting queue"):
        defer_case(store, LEADER, meeting_id, elsewhere, "later")
    for bad in ("", "x" * 1001):
        with pytest.raises(InvalidInput, match="^reason: "):
            defer_case(store, LEADER, meeting_id, queued_id, bad)
    with pytest.raises(InvalidInput, match="^what: "):
        ask_for_information(store, LEADER, meeting_id, queued_id, "", "Priya", TODAY)
    with pytest.raises(InvalidInput, match="^owner: "):
        ask_for_information(store, LEADER, meeting_id, queued_id, "the letter", "", TODAY)
    with pytest.raises(InvalidInput, match="^due_on: "):
        ask_for_information(store, LEADER, meeting_id, queued_id, "the letter", "Priya", TODAY - timedelta(days=1))
    with pytest.raises(NotFoundError):
        defer_case(store, LEADER, "no-such-meeting", queued_id, "later")
    assert meeting_info(store, LEADER, meeting_id).items == ()


def test_the_minutes_data_is_built_from_the_stored_rows(store: Store) -> None:
    from datetime import UTC, datetime

    from triage.services.meeting_minutes import minutes_of

    accounts(store)
    decided, deferred_then_decided, deferred, asked = (screened(store, n, SEVERAL) for n in range(1, 5))
    meeting_id = open_meeting(store, LEADER, meeting_input(chair=None, chair_guest="Dr Visiting",
                                                          attendees=("lead", "pwp")))  # fmt: skip
    decide_in_meeting(store, LEADER, meeting_id, decided, DecisionInput(
        confirmed_route="substance_misuse", override_reason=CHANGE_REASON))  # fmt: skip
    defer_case(store, LEADER, meeting_id, deferred_then_decided, "first look")
    decide_in_meeting(store, LEADER, meeting_id, deferred_then_decided, as_recommended(store, deferred_then_decided))
    defer_case(store, LEADER, meeting_id, deferred, "Waiting for the GP")
    due = TODAY + timedelta(days=3)
    ask_for_information(store, LEADER, meeting_id, asked, "The discharge letter", "Priya Shah", due)
    closing = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    with store.read() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        minutes = minutes_of(session, meeting, "lead", closing)
        references = {r.id: r.reference for r in session.scalars(select(Referral))}
    assert (minutes.meeting_id, minutes.held_on, minutes.closed_at, minutes.closed_by) == (
        meeting_id, TODAY, closing, "Sam Leader")  # fmt: skip
    assert minutes.chair == "Dr Visiting (guest)"
    assert minutes.attendees == ("Dr Visiting (guest)", "Sam Leader", "Priya Shah", "Alex Morgan (guest)")
    assert [(c.reference, c.outcome) for c in minutes.cases] == [
        (references[decided], "another route or step chosen"),
        (references[deferred_then_decided], "recommendation confirmed"),
        (references[asked], "more information asked for"),
    ]  # a case deferred then decided in the same meeting is not listed as deferred
    changed = minutes.cases[0]
    assert (changed.route_label, changed.reason, changed.action) == ("DaSH Substance Misuse Services", CHANGE_REASON,
                                                                     None)  # fmt: skip
    asked_case = minutes.cases[2]
    assert (asked_case.route_label, asked_case.reason, asked_case.action, asked_case.action_owner,
            asked_case.action_due) == (None, None, "The discharge letter", "Priya Shah", due)  # fmt: skip
    assert [(c.reference, c.outcome, c.reason) for c in minutes.deferred] == [
        (references[deferred], "deferred", "Waiting for the GP")]  # fmt: skip
    with store.read() as session:
        sha = session.scalars(select(Decision.ruleset_sha256)).first()
    assert minutes.ruleset.startswith("doncaster") and f"sha256 {sha}" in minutes.ruleset
    assert minutes.service_name


def test_a_decision_racing_the_close_is_in_the_minutes(
    store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two laptops on the team server: one decides a case while the other closes the meeting. The
    decision is paused after its meeting item is written and before it commits, and the close starts
    in that pause: the close must wait for it and list it in the minutes, never close over an
    uncommitted decision and leave a decided case in a closed meeting that its minutes do not list.
    Each side has its own store, as two processes would."""
    accounts(store)
    case = screened(store, 10, SEVERAL)
    meeting_id = open_meeting(store, LEADER, meeting_input())
    data, written = as_recommended(store, case), threading.Event()
    add_item = meetings._add_item

    def add_item_then_pause(*args: object, **kwargs: object) -> None:
        add_item(*args, **kwargs)  # type: ignore[arg-type]
        written.set()
        time.sleep(0.5)  # the decision's transaction is still open: the close runs now

    monkeypatch.setattr(meetings, "_add_item", add_item_then_pause)
    deciding, closing = open_store(database_url), open_store(database_url)
    try:
        with ThreadPoolExecutor(2) as pool:
            decided = pool.submit(decide_in_meeting, deciding, LEADER, meeting_id, case, data)
            assert written.wait(30), "the decision never wrote its item"
            closed = pool.submit(close_meeting, closing, LEADER, meeting_id)
            decision_id, _ = decided.result(timeout=60), closed.result(timeout=60)
    finally:
        deciding.close()
        closing.close()
    with store.read() as session:
        items = session.scalars(select(MeetingItemRow).where(MeetingItemRow.meeting_id == meeting_id)).all()
        assert [item.decision_id for item in items] == [decision_id]
        closing_event = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == meeting_id,
                                        AuditEvent.summary.startswith("meeting closed"))).one()  # fmt: skip
    assert "1 cases" in closing_event.summary, closing_event.summary  # the minutes list the decision
