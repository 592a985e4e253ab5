"""The service's reports on a hand-made store, on SQLite and PostgreSQL (issue 17, items 1 and 2): each
figure checked against what the test itself knows it put there (``WORLD``), never against the service's
own arithmetic; the range, team and clinician filters; a team leader kept to their own teams; small
numbers hidden, with the total that would reveal them, only in the copy meant to leave the service;
every run audited without a figure or an identifier; every other role refused."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.store.test_letters_store import decided
from tests.store.test_screenings import ANSWERS
from tests.users import ADMIN, LEADER, PWP, as_admin, as_leader
from triage.services import create_referral, get_referral
from triage.services.journey import (
    ContactInput,
    InappropriateInput,
    TreatmentInput,
    flag_inappropriate,
    record_contact,
    record_treatment_start,
)
from triage.services.permissions import PermissionDenied, User
from triage.services.reports import Report, ReportRange, report_text, run_report, write_report_csv
from triage.services.teams import add_team, join_team, set_referral_team
from triage.services.users import add_account
from triage.store import RefusedError, Store
from triage.store.models import AuditEvent

TODAY = date.today()
CORE = {**ANSWERS, "long_term_conditions": ()}  # core IAPT (no long-term condition)
LTC = ANSWERS  # integrated IAPT: diabetes recorded
MUS = {**CORE, "medically_unexplained_symptoms": True}
MANAGER = User("manager.one", "Manager One", "service_manager")


@dataclass(frozen=True)
class Made:
    """One referral of the world, as the test made it: what every report figure is checked against."""

    serial: int
    days_ago: int  # received this many days before today
    source: str
    answers: dict[str, Any] | None  # screened and decided as recommended, or not screened
    contact_days: int | None = None  # first contact made this many days after it was received
    treatment_days: int | None = None  # treatment started this many days after it was received
    flag: tuple[str, str] | None = None  # inappropriate: (reason, referrer)


WORLD = (
    Made(1, 40, "gp", CORE, contact_days=1, treatment_days=20),
    Made(2, 35, "gp", HIGH_COMPLEXITY, contact_days=2),
    Made(3, 30, "self", LTC, contact_days=5, treatment_days=30),
    Made(4, 25, "jobcentre", None, flag=("substance_dependency", "Jobcentre Plus")),
    Made(5, 20, "gp", None, contact_days=3, flag=("outside_remit", "Dr A Example")),
    Made(6, 10, "gp", MUS, contact_days=0),
    Made(7, 2, "other", None),
)
OUTSIDE = (Made(8, 90, "gp", None), Made(9, 0, "gp", None))  # received before the range, and after it (today)
RANGE = ReportRange(TODAY - timedelta(days=60), TODAY - timedelta(days=1))


def make(store: Store, made: Made) -> str:
    received = TODAY - timedelta(days=made.days_ago)
    fields = {"received_on": received.isoformat(), "source": made.source}
    if made.answers is not None:
        referral_id, _ = decided(store, made.answers, serial=made.serial, practice=None, referral=fields)
    else:
        referral_id = create_referral(store, PWP, referral_input(made.serial, **fields)).id
    if made.contact_days is not None:
        at = received + timedelta(days=made.contact_days)
        record_contact(store, PWP, referral_id, ContactInput(kind="attempt", occurred_at=f"{at}T12:00:00",
                                                              channel="telephone", outcome="reached"))  # fmt: skip
    if made.treatment_days is not None:
        record_treatment_start(store, PWP, referral_id, TreatmentInput(
            started_on=received + timedelta(days=made.treatment_days)))  # fmt: skip
    if made.flag is not None:
        flag_inappropriate(store, PWP, referral_id, InappropriateInput(reason=made.flag[0], referrer=made.flag[1]))
    return referral_id


@pytest.fixture
def world(store: Store) -> dict[int, str]:
    return {made.serial: make(store, made) for made in (*WORLD, *OUTSIDE)}


def table(report: Report, caption: str) -> dict[str, tuple[str, ...]]:
    """A table's rows by their first cell, each cell as a person reads it."""
    (found,) = [t for t in report.tables if t.caption == caption]
    return {str(found.rows[r][0]): tuple(found.shown(r, c) for c in range(1, len(found.columns)))
            for r in range(len(found.rows))}  # fmt: skip


def test_referrals_by_destination_source_step_and_pathway(store: Store, world: dict[int, str]) -> None:
    report = run_report(store, MANAGER, "referrals", RANGE)
    assert report.referrals == len(WORLD)  # the two outside the range are not counted
    assert table(report, "Referrals by destination") == {
        "Integrated IAPT (long-term conditions and medically unexplained symptoms)": ("2", "28.6"),  # 3 LTC, 6 MUS
        "No decision yet": ("3", "42.9"),
        "Core IAPT": ("1", "14.3"),
        "DaSH CMHT": ("1", "14.3"),
        "Total": ("7", "100.0"),
    }
    sources = table(report, "Referrals by source")
    assert (sources["GP"], sources["Self-referral"][0], sources["Jobcentre"][0], sources["Total"][0]) == (
        ("4", "57.1"), "1", "1", "7")  # fmt: skip
    assert sources["Occupational health"] == ("0", "0.0")  # every source shown, 0 or not
    steps = table(report, "Referrals by step")
    assert {k: v[0] for k, v in steps.items()} == {"Step 2": "0", "Step 3": "3", "No step (not an IAPT route)": "1",
                                                   "No decision yet": "3", "Total": "7"}  # fmt: skip
    pathways = table(report, "Referrals by LTC/MUS pathway")
    # 2 and 3 recorded diabetes (HIGH_COMPLEXITY is ANSWERS, with its condition), 6 MUS, 1 neither
    assert {k: v[0] for k, v in pathways.items()} == {"Long-term condition": "2", "MUS": "1", "LTC and MUS": "0",
                                                      "Neither": "1", "Not screened yet": "3", "Total": "7"}  # fmt: skip


def test_inappropriate_referrals_by_referrer_and_reason(store: Store, world: dict[int, str]) -> None:
    report = run_report(store, MANAGER, "inappropriate", RANGE)
    assert table(report, "Referrals flagged as inappropriate")["Flagged as inappropriate"] == ("2", "28.6")
    reasons = table(report, "Inappropriate referrals by reason")
    assert reasons["Drug or alcohol dependency (for substance misuse services)"] == ("1", "50.0")
    assert reasons["Outside the service's remit"] == ("1", "50.0") and reasons["Total"] == ("2", "100.0")
    by_referrer = table(report, "Inappropriate referrals by referrer and practice")
    assert by_referrer == {
        "Dr A Example": ("No practice recorded", "1", "Outside the service's remit (1)"),
        "Jobcentre Plus": (
            "No practice recorded",
            "1",
            "Drug or alcohol dependency (for substance misuse services) (1)",
        ),
        "Total": ("", "2", ""),
    }


def test_waits_their_distribution_targets_and_the_people_over_them(store: Store, world: dict[int, str]) -> None:
    report = run_report(store, MANAGER, "waits", RANGE)
    waits = table(report, "Waits")
    # first contact: 1, 2, 5, 3, 0 days (five reached; 4 and 7 not, neither closed)
    assert waits["Referral to first contact"] == ("5", "2.0", "5", "2")
    # screening (all today): 40, 35, 30, 10 days after they were received
    assert waits["Referral to screening (assessment)"] == ("4", "32.5", "40", "3")
    assert waits["Referral to treatment"] == ("2", "25.0", "30", "5")  # 20 and 30 days
    targets = table(report, "Waits against the service's targets")
    three_days = next(v for k, v in targets.items() if k.startswith("Referral to assessment within 3 days"))
    # counted: all seven (the clock runs from received); over: the four screened after 3 days, and 4, 5, 7
    # still waiting past day 3 (7 was received 2 days ago: within)
    assert three_days[:3] == ("7", "6", "85.7")
    four_weeks = next(v for k, v in targets.items() if k.startswith("Referral or opt-in to treatment"))
    # under 28 days: 1 treated on day 20 (within), 3 on day 30 (over); still waiting, 2 on day 35 (over),
    # 4, 5, 6 and 7 (25, 20, 10 and 2 days: within)
    assert four_weeks[:3] == ("7", "2", "28.6")
    six_weeks = next(v for k, v in targets.items() if k.startswith("Referral to treatment within 6 weeks"))
    assert six_weeks[:3] == ("7", "0", "0.0") and "UNVERIFIED" in six_weeks[3]  # NHS England's, not the seeds'
    (people,) = [t for t in report.tables if t.caption == "People over target"]
    reference = {serial: get_referral(store, PWP, world[serial]).reference for serial in (1, 2, 3, 4, 5, 6)}
    assert [(row[0], row[3]) for row in people.rows] == [
        (reference[1], 40), (reference[2], 35), (reference[3], 30), (reference[4], 25), (reference[5], 20),
        (reference[6], 10),  # the 3-day assessment target, the longest wait first
        (reference[2], 35), (reference[3], 30),  # under 28 days to treatment
    ]  # fmt: skip


def test_the_copy_meant_to_leave_the_service_hides_small_numbers_and_people(
    store: Store, world: dict[int, str]
) -> None:
    inside = run_report(store, MANAGER, "referrals", RANGE)
    leaving = run_report(store, MANAGER, "referrals", ReportRange(RANGE.start, RANGE.end, leaving=True))
    by_destination = table(leaving, "Referrals by destination")
    # every count here is under 5 but the total of 7: all hidden, with their shares; the total alone shown,
    # rounded to the nearest 5
    assert by_destination["Core IAPT"] == ("*", "*") and by_destination["No decision yet"] == ("*", "*")
    assert by_destination["Total"] == ("5", "100")
    assert "about 5 referrals counted (to the nearest 5)" in report_text(leaving)
    sources = table(leaving, "Referrals by source")
    assert sources["Self-referral"] == ("*", "*") and sources["Occupational health"] == ("0", "0")  # 0 names nobody
    assert any("hidden (*)" in note for note in leaving.notes) and not any("hidden (*)" in n for n in inside.notes)
    assert table(inside, "Referrals by destination")["Core IAPT"] == ("1", "14.3")  # inside: as counted
    waits = run_report(store, MANAGER, "waits", ReportRange(RANGE.start, RANGE.end, leaving=True))
    assert "People over target" not in [t.caption for t in waits.tables]  # no person leaves the service
    text = report_text(waits)
    assert "REF-" not in text and "DON-" not in text


def test_a_team_leader_sees_their_teams_and_a_clinician_filter_narrows(store: Store, world: dict[int, str]) -> None:
    admin = as_admin("admin")
    with store.write() as session:
        add_account(session, LEADER.username, "Leader", "team_leader", "a long enough password 1", actor="setup")
    add_team(store, admin, "NORTH", "North")
    add_team(store, admin, "SOUTH", "South")
    join_team(store, admin, "NORTH", LEADER.username)
    set_referral_team(store, as_leader("someone"), world[1], "SOUTH")
    set_referral_team(store, as_leader("someone"), world[2], "NORTH")
    mine = run_report(store, LEADER, "referrals", RANGE)
    assert mine.referrals == len(WORLD) - 1  # not the South team's; the service's (no team) ones, yes
    assert any("your teams" in note for note in mine.notes)
    assert run_report(store, LEADER, "referrals", ReportRange(RANGE.start, RANGE.end, team="NORTH")).referrals == 1
    with pytest.raises(RefusedError, match="team: not one of your teams"):
        run_report(store, LEADER, "referrals", ReportRange(RANGE.start, RANGE.end, team="SOUTH"))
    assert run_report(store, MANAGER, "referrals", ReportRange(RANGE.start, RANGE.end, team="SOUTH")).referrals == 1
    assert (
        run_report(store, MANAGER, "referrals", ReportRange(RANGE.start, RANGE.end, clinician="nobody")).referrals == 0
    )


def test_each_run_is_audited_without_figures_and_other_roles_are_refused(store: Store, world: dict[int, str]) -> None:
    run_report(store, MANAGER, "waits", RANGE)
    with store.read() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == "reports"))
    assert event.actor == MANAGER.username and event.action == "view"
    assert event.summary == f"report waits, referrals received {RANGE.start} to {RANGE.end}: 7 referrals"
    for user in (PWP, ADMIN):
        with pytest.raises(PermissionDenied):
            run_report(store, user, "referrals", RANGE)
    with pytest.raises(RefusedError, match="to: must not be before from"):
        run_report(store, MANAGER, "referrals", ReportRange(TODAY, TODAY - timedelta(days=1)))
    with pytest.raises(RefusedError, match="report: must be one of"):
        run_report(store, MANAGER, "everything", RANGE)


def test_the_csv_names_each_table_and_how_it_was_counted(store: Store, world: dict[int, str]) -> None:
    out = io.StringIO()
    write_report_csv(run_report(store, MANAGER, "inappropriate", RANGE), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["Inappropriate referrals by referrer, practice and reason"]
    at = rows.index(["Inappropriate referrals by reason"])
    assert rows[at + 1] == ["Each referral flagged as inappropriate, by its reason."]  # how it was counted
    assert rows[at + 2] == ["Reason", "Referrals", "Share (%)"]
    assert ["Outside the service's remit", "1", "50.0"] in rows[at + 3 :]
    assert get_referral(store, PWP, world[4]).inappropriate_reason == "substance_dependency"
