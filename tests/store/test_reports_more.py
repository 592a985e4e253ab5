"""The reports of returns and repeat referrals, high-risk cases, decisions and data completeness (issue
17, item 1), on SQLite and PostgreSQL: a hand-made store whose every figure the test knows from what it
put there (``world``, each referral's comment), never from the service's arithmetic; the copy meant to
leave the service hides small numbers, free text and references; a team leader's and a clinician's scope."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.store.test_meeting_queue import HIGH_RISK, QUESTION
from tests.store.test_reports import CORE, MANAGER, RANGE, TODAY, table
from tests.store.test_screenings import ANSWERS
from tests.users import as_admin, as_leader, as_pwp
from triage.services import DecisionInput, ScreeningInput, confirm_decision, create_referral, recommend, save_screening
from triage.services.completeness import ITEMS, missing
from triage.services.inputs import parse
from triage.services.journey import CloseInput, close_referral
from triage.services.meeting_queue import send_to_meeting
from triage.services.meetings import MeetingInput, decide_in_meeting, defer_case, open_meeting
from triage.services.referral_record import referral_record
from triage.services.reports import ReportRange, report_text, run_report
from triage.services.teams import add_team, assign_clinician, join_team, set_referral_team
from triage.services.users import add_account
from triage.store import Store
from triage.store.models import Referral, Screening

PWP, LEAD = as_pwp("pwp"), as_leader("lead")
EMPLOYED = {**ANSWERS, "assessment": {"circumstances": {"employment_status": "employed"}}}
NO_DESCRIPTOR = {**CORE, "problem_descriptor": None}
STEP_REASON = "Patient prefers  guided self-help"  # the double space is trimmed in the report
ROUTE_REASON = "Known to the CMHT already"
RATIONALE = "Complexity is high again: a care coordinator is needed"


def referral(serial: int, days_ago: int, **fields: object) -> str:
    received = (TODAY - timedelta(days=days_ago)).isoformat()
    return create_referral(store_of[0], PWP, referral_input(serial, received_on=received, **fields)).id


store_of: list[Store] = []


def screened(referral_id: str, answers: dict) -> None:  # type: ignore[type-arg]
    save_screening(store_of[0], PWP, referral_id, ScreeningInput.model_validate(answers))


def decide(referral_id: str, **data: object) -> None:
    routing = recommend(store_of[0], LEAD, referral_id)
    fields = {"confirmed_route": routing.route, "confirmed_step": routing.step, "warnings_acknowledged": True, **data}
    confirm_decision(store_of[0], LEAD, referral_id, DecisionInput.model_validate(fields))


def contacted(store: Store, referral_id: str, minutes_after: int) -> None:
    """The screening saved at 10:00 UTC on the day it was received, the contact ``minutes_after`` it."""
    with store.write() as session:
        screening = session.scalars(select(Screening).where(Screening.referral_id == referral_id)).one()
        received = session.get(Referral, referral_id).received_on  # type: ignore[union-attr]
        screening.screened_at = datetime.combine(received, time(10, 0), tzinfo=UTC)
        at = screening.screened_at + timedelta(minutes=minutes_after)
        screening.risk_details = {**screening.risk_details, "contacted_at": at.isoformat()}


@pytest.fixture
def world(store: Store) -> dict[str, str]:
    """Eight referrals received in the range (r2 to r9) and two outside it (r1, r10)."""
    store_of[:] = [store]
    with store.write() as session:
        for name, role in (("lead", "team_leader"), ("pwp", "pwp"), ("pwp.one", "pwp"), ("pwp.two", "pwp")):
            add_account(session, name, name, role, "a long enough password 1", actor="setup")
    r = {}
    r["r1"] = referral(21, 90)  # outside the range: the earlier referral of r2's person, closed before r2
    close_referral(store, PWP, r["r1"], CloseInput(reason="declined"))
    r["r2"] = referral(21, 30, returned_from="cmht")  # returned by the CMHT; a repeat after r1; decided back to
    screened(r["r2"], HIGH_COMPLEXITY)  # the CMHT (as the matrix recommends) with the rationale; lacks employment
    decide(r["r2"], return_rationale=RATIONALE)
    r["r3"] = referral(22, 20, returned_from="crisis_team")  # returned by the crisis team; not screened
    r["r4"] = referral(22, 10)  # the same person, while r3 is open; not screened
    r["r5"] = referral(23, 25)  # high risk, contact 20 min before the screening was saved; crisis team as
    screened(r["r5"], HIGH_RISK)  # recommended (a high-risk reason, not an override); lacks employment
    contacted(store, r["r5"], -20)
    decide(r["r5"], override_reason="Active plan tonight")
    r["r6"] = referral(24, 15)  # high risk, contact 90 min after; overridden to the CMHT; lacks employment
    screened(r["r6"], HIGH_RISK)
    contacted(store, r["r6"], 90)
    decide(r["r6"], confirmed_route="cmht", confirmed_step=None, override_reason=ROUTE_REASON)
    r["r7"] = referral(25, 12)  # complete; the same route, another step
    screened(r["r7"], EMPLOYED)
    step = recommend(store, LEAD, r["r7"]).step
    decide(r["r7"], confirmed_step=2 if step == 3 else 3, override_reason=STEP_REASON)
    r["r8"] = referral(26, 5)  # decided in the meeting as recommended; lacks employment
    screened(r["r8"], CORE)
    # deferred by the meeting, not decided; lacks the descriptor (no IAPT route can be confirmed without
    # one: HAZ-025) and employment
    r["r9"] = referral(27, 3)
    screened(r["r9"], NO_DESCRIPTOR)
    send_to_meeting(store, PWP, r["r9"], QUESTION)
    meeting = open_meeting(store, LEAD, parse(MeetingInput, {"held_on": TODAY, "chair": "lead", "attendees": ("pwp",)}))
    routing = recommend(store, LEAD, r["r8"])
    decide_in_meeting(store, LEAD, meeting, r["r8"], DecisionInput(confirmed_route=routing.route,
                      confirmed_step=routing.step, warnings_acknowledged=True))  # fmt: skip
    defer_case(store, LEAD, meeting, r["r9"], "Waiting for the GP's medication review")
    r["r10"] = referral(28, 70, returned_from="cmht")  # outside the range
    for key in ("r2", "r5"):
        assign_clinician(store, LEAD, r[key], "pwp.one")
    assign_clinician(store, LEAD, r["r6"], "pwp.two")
    return r


def test_returns_from_other_services_and_repeat_referrals(store: Store, world: dict[str, str]) -> None:
    report = run_report(store, MANAGER, "bounces", RANGE)
    assert report.referrals == 8
    assert table(report, "Referrals returned from another service") == {
        "Community mental health team (CMHT)": ("1", "12.5"), "Crisis team (CRHTT)": ("1", "12.5"),
        "Substance misuse services": ("0", "0.0"), "Another service": ("0", "0.0"), "Not a return": ("6", "75.0"),
        "Total": ("8", "100.0")}  # fmt: skip
    back = table(report, "Returned referrals referred back to the service that returned them")
    assert back["Community mental health team (CMHT)"] == ("1", "1", "1", "100.0")
    assert back["Crisis team (CRHTT)"] == ("1", "0", "0", "")  # not decided: no share
    assert back["Total"] == ("2", "1", "1", "100.0")
    again = table(report, "Referred to a service that had returned the person before")
    assert again == {"DaSH CMHT": ("1", "20.0"), "Total": ("1", "20.0")}  # r2, of the five decided
    assert table(report, "Repeat referrals") == {
        "First referral of the person": ("6", "75.0"), "Repeat: after an earlier referral": ("1", "12.5"),
        "Repeat: arrived while an earlier referral was open": ("1", "12.5"), "Total": ("8", "100.0")}  # fmt: skip
    people = table(report, "People referred more than once in the range")  # seven people: r3 and r4 one of them
    assert people == {"One": ("6", "85.7"), "Two": ("1", "14.3"), "Three or more": ("0", "0.0"),
                      "Total": ("7", "100.0")}  # fmt: skip


def test_high_risk_cases_their_contact_and_how_long_it_took(store: Store, world: dict[str, str]) -> None:
    report = run_report(store, MANAGER, "high_risk", RANGE)
    assert table(report, "High-risk cases") == {"Rated high risk": ("2", "25.0"), "Screened, never high risk": (
        "4", "50.0"), "Not screened yet": ("2", "25.0"), "Total": ("8", "100.0")}  # fmt: skip
    when = table(report, "When the high-risk contact was made")
    assert when["During the call (before the screening was saved)"] == ("1", "50.0")  # r5
    assert when["1 to 4 hours after"] == ("1", "50.0") and when["Within 1 hour after"] == ("0", "0.0")  # r6
    assert table(report, "Actions recorded for high-risk cases")["Contact and actions recorded"] == ("2", "100.0")
    routes = table(report, "High-risk cases by the route decided")
    assert (routes["DaSH CMHT"][0], routes["Total"][0]) == ("1", "2") and len(routes) == 3  # and the crisis team
    one_by_one = table(report, "High-risk cases, one by one")
    reference = {key: _reference(store, world[key]) for key in ("r5", "r6")}
    assert list(one_by_one) == [reference["r5"], reference["r6"]]  # in the order received
    assert one_by_one[reference["r5"]][1:4] == ("Duty manager J. Smith", _local(store, world["r5"], -20),
                                                "20 min before the screening was saved")  # fmt: skip
    assert one_by_one[reference["r6"]][3:] == ("1 h 30 min after the screening", "crisis team called during the "
                                               "call", "DaSH CMHT")  # fmt: skip


def test_decisions_against_the_matrix_overrides_and_the_meeting(store: Store, world: dict[str, str]) -> None:
    report = run_report(store, MANAGER, "decisions", RANGE)
    assert table(report, "Referrals decided") == {"Decided": ("5", "62.5"), "No decision yet": ("3", "37.5"),
                                                  "Total": ("8", "100.0")}  # fmt: skip
    assert table(report, "Agreement between the matrix and the route confirmed") == {
        "As the matrix recommended": ("3", "60.0"),  # r2, r5 (a high-risk reason is not an override) and r8
        "Another route": ("1", "20.0"), "The same route, another step": ("1", "20.0"), "Total": ("5", "100.0")}  # fmt: skip
    by_route = table(report, "Overrides by the route recommended and the route confirmed")
    assert len(by_route) == 3 and by_route["Total"] == ("2", "100.0")
    assert by_route["DaSH CRHTT, then DaSH CMHT"] == ("1", "50.0")  # r6
    assert any(k.endswith(": step 3, then step 2") for k in by_route)  # r7
    assert table(report, "Overrides by reason") == {STEP_REASON.replace("  ", " "): ("1", "50.0"), ROUTE_REASON: (
        "1", "50.0"), "Total": ("2", "100.0")}  # fmt: skip
    assert table(report, "Where the latest decision was taken") == {"In a referral meeting": ("1", "20.0"),
        "Outside a meeting": ("4", "80.0"), "Total": ("5", "100.0")}  # fmt: skip
    assert table(report, "Referral meeting outcomes") == {"Recommendation confirmed": ("1", "50.0"),
        "Another route or step chosen": ("0", "0.0"), "Deferred": ("1", "50.0"),
        "More information asked for": ("0", "0.0"), "Total": ("2", "100.0")}  # fmt: skip


def test_completeness_by_item_and_by_clinician(store: Store, world: dict[str, str]) -> None:
    report = run_report(store, MANAGER, "completeness", RANGE)
    assert table(report, "Complete records") == {"Complete": ("1", "12.5"), "Something not recorded": (
        "7", "87.5"), "Total": ("8", "100.0")}  # fmt: skip
    # r3 and r4 (not screened) lack the screening's five parts; r8 its descriptor; all but r7 employment
    assert table(report, "What the records lack, by item") == {
        "Problem descriptor": ("3", "37.5"), "Risk": ("2", "25.0"), "Risk questions": ("0", "0.0"),
        "PHQ-9": ("2", "25.0"), "GAD-7": ("2", "25.0"), "Employment status": ("7", "87.5")}  # fmt: skip
    assert table(report, "Completeness by clinician") == {
        "pwp.one": ("2", "0", "0.0", "0", "0", "0", "0", "0", "2"),  # r2, r5
        "pwp.two": ("1", "0", "0.0", "0", "0", "0", "0", "0", "1"),  # r6
        "Not assigned": ("5", "1", "20.0", "3", "2", "0", "2", "2", "4"),  # r3, r4, r7, r8, r9
        "Total": ("8", "1", "12.5", "3", "2", "0", "2", "2", "7")}  # fmt: skip
    # and, referral by referral, the report counts what each record view shows as missing
    shown = Counter(item for key in [f"r{n}" for n in range(2, 10)]
                    for item in missing(referral_record(store, PWP, world[key])))  # fmt: skip
    by_item = table(report, "What the records lack, by item")
    assert {item: by_item[item[:1].upper() + item[1:]][0] for item in ITEMS} == {i: str(shown[i]) for i in ITEMS}


def test_the_copy_that_leaves_hides_small_numbers_free_text_and_references(store: Store, world: dict[str, str]) -> None:
    leaving = ReportRange(RANGE.start, RANGE.end, leaving=True)
    bounces = run_report(store, MANAGER, "bounces", leaving)
    returns = table(bounces, "Referrals returned from another service")
    assert returns["Community mental health team (CMHT)"] == ("*", "*") and returns["Not a return"] == (
        "5",
        "50",
    )  # 6 of 8, each to the nearest 5
    back = table(bounces, "Returned referrals referred back to the service that returned them")
    assert back["Community mental health team (CMHT)"] == ("*", "*", "*", "*")
    high = run_report(store, MANAGER, "high_risk", leaving)
    assert "High-risk cases, one by one" not in [t.caption for t in high.tables]
    assert table(high, "High-risk cases")["Rated high risk"] == ("*", "*")
    decisions = run_report(store, MANAGER, "decisions", leaving)
    assert "Overrides by reason" not in [t.caption for t in decisions.tables]  # free text stays in the service
    clinicians = table(run_report(store, MANAGER, "completeness", leaving), "Completeness by clinician")
    # 2 and 1 hidden with the shares on them; 5 shown, its complete count of 1 hidden and the share on it
    assert clinicians["pwp.one"][:3] == ("*", "0", "*") and clinicians["Not assigned"][:3] == ("5", "*", "*")
    for report in (bounces, high, decisions):
        text = report_text(report)
        assert "REF-" not in text and "Duty manager" not in text and ROUTE_REASON not in text


def test_a_team_leaders_and_a_clinicians_scope(store: Store, world: dict[str, str]) -> None:
    admin = as_admin("admin")
    add_team(store, admin, "NORTH", "North")
    add_team(store, admin, "SOUTH", "South")
    with store.write() as session:
        add_account(session, "north.lead", "North Lead", "team_leader", "a long enough password 1", actor="setup")
    join_team(store, admin, "NORTH", "north.lead")
    set_referral_team(store, LEAD, world["r5"], "SOUTH")
    mine = run_report(store, as_leader("north.lead"), "high_risk", RANGE)
    assert table(mine, "High-risk cases")["Rated high risk"] == ("1", "14.3")  # r6; r5 is the South team's
    assert run_report(store, MANAGER, "high_risk", ReportRange(RANGE.start, RANGE.end, team="SOUTH")).referrals == 1
    theirs = run_report(store, MANAGER, "completeness", ReportRange(RANGE.start, RANGE.end, clinician="pwp.one"))
    assert table(theirs, "Completeness by clinician") == {
        "pwp.one": ("2", "0", "0.0", "0", "0", "0", "0", "0", "2"), "Total": ("2", "0", "0.0", "0", "0", "0", "0",
                                                                              "0", "2")}  # fmt: skip


def _reference(store: Store, referral_id: str) -> str:
    with store.read() as session:
        return session.get(Referral, referral_id).reference  # type: ignore[union-attr]


def _local(store: Store, referral_id: str, minutes: int) -> str:
    with store.read() as session:
        received = session.get(Referral, referral_id).received_on  # type: ignore[union-attr]
    at = datetime.combine(received, time(10, 0), tzinfo=UTC) + timedelta(minutes=minutes)
    return f"{at.astimezone():%d/%m/%Y %H:%M}"
