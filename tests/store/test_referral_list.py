"""The referral list (services/referral_list.py): filters and orders worked out in the database,
checked against the same rules applied in Python to every referral, page by page, on both databases."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.store.conftest import make_nhs_number, referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY, HIGH_RISK
from tests.store.test_screenings import ANSWERS
from tests.users import PWP, as_admin, as_leader, as_pwp
from triage.rules.waits import JourneyDates, WaitTargets, default_wait_targets, row_flag
from triage.services import (
    SORT_KEYS,
    DecisionInput,
    ReferralFilter,
    ScreeningInput,
    change_status,
    complete_screening,
    count_referrals,
    create_referral,
    referral_page,
    save_draft,
    save_screening,
)
from triage.services.completeness import missing
from triage.services.journey import ContactInput, TreatmentInput, record_contact, record_treatment_start
from triage.services.referral_record import referral_record
from triage.services.teams import add_team, assign_clinician, join_team, set_referral_team
from triage.services.users import add_account
from triage.store import Store
from triage.store.models import Decision, Draft, Person, Referral, Screening

# Only the 28-day treatment standard, on an opt-in clock: a referral with no opt-in is never over it.
OPT_IN_ONLY = WaitTargets(opt_in_clock=True, targets=tuple(
    t for t in default_wait_targets().targets if t.code == "treatment_28_days"))  # fmt: skip

FAMILIES = ["smith", "Smithson", "smythe", "Jones", "jonas", "Ng", "smith", "Ab_c", "a%b", "abxc"]
GIVEN = ["Anna", "Łukasz", "anton", "Bea", "Zoë", "Ben", "Łucja", "Cal", "Dee", "Eve"]


@pytest.fixture
def listed(store: Store) -> Store:
    """30 referrals: varied names and dates, every status, some decided (two routes), drafts and a
    duplicate (the same NHS number referred twice while the first is open)."""
    ids = []
    for n in range(30):
        person = n % 10 if n < 20 else n  # people 0-9 are referred twice (duplicates)
        data = referral_input(
            1000 + person * 10, family_name=FAMILIES[person % 10] + ("" if person < 10 else str(person)),
            given_name=GIVEN[person % 10], received_on=date(2024, 1 + n % 6, 1 + (n * 7) % 28).isoformat(),
        )  # fmt: skip
        ids.append(create_referral(store, as_pwp("pwp"), data).id)
    for referral_id in ids[20:24]:
        complete_screening(store, as_pwp("lead"), referral_id, ScreeningInput.model_validate(HIGH_COMPLEXITY), DecisionInput(confirmed_route="cmht"))  # fmt: skip
    for referral_id in ids[24:26]:
        complete_screening(store, as_pwp("lead"), referral_id, ScreeningInput.model_validate(ANSWERS), DecisionInput(confirmed_route="integrated_iapt", confirmed_step=3))  # fmt: skip
    change_status(store, as_pwp("pwp"), ids[26], "contacted")
    change_status(store, as_pwp("pwp"), ids[27], "no_contact")
    change_status(store, as_pwp("pwp"), ids[28], "closed")
    for referral_id in (ids[3], ids[26], ids[29]):
        save_draft(store, as_pwp("pwp"), referral_id, {"phq9": [1]})
    # the journey (issue 15): an opt-in, a treatment start, a letter sent
    record_contact(store, as_pwp("pwp"), ids[5], ContactInput(kind="opted_in", occurred_at=datetime(2024, 6, 10, 9, 0),
                                                                channel="online"))  # fmt: skip
    record_treatment_start(store, as_pwp("pwp"), ids[21], TreatmentInput(started_on=date(2024, 6, 20)))
    change_status(store, as_pwp("pwp"), ids[22], "letter_sent")
    # the caseload (issue 15, items 4 and 5): screened with no decision yet, one at high risk; assigned
    save_screening(store, as_pwp("lead"), ids[6], ScreeningInput.model_validate(HIGH_RISK))
    save_screening(store, as_pwp("lead"), ids[7], ScreeningInput.model_validate(ANSWERS))
    save_screening(store, as_pwp("lead"), ids[8], ScreeningInput.model_validate(HIGH_RISK))  # then redone: low
    save_screening(store, as_pwp("lead"), ids[8], ScreeningInput.model_validate(ANSWERS))
    complete = {**ANSWERS, "assessment": {"circumstances": {"employment_status": "employed"}}}
    save_screening(store, as_pwp("lead"), ids[9], ScreeningInput.model_validate(complete))  # nothing missing
    with store.write() as session:
        for name, role in ((PWP.username, "pwp"), ("lead", "team_leader")):
            add_account(session, name, name.title(), role, "a long enough password 1", actor="setup")
    for referral_id in (ids[0], ids[6], ids[21]):
        assign_clinician(store, PWP, referral_id, PWP.username)
    assign_clinician(store, as_leader("lead"), ids[1], "lead")
    with store.write() as session:
        add_account(session, "admin", "Admin", "admin", "a long enough password 1", actor="setup")
    for code in ("NORTH", "SOUTH"):
        add_team(store, as_admin("admin"), code, code.title())
    join_team(store, as_admin("admin"), "NORTH", PWP.username)
    set_referral_team(store, as_leader("lead"), ids[2], "NORTH")
    set_referral_team(store, as_leader("lead"), ids[4], "SOUTH")  # not the PWP's team
    return store


def everything(store: Store) -> list[dict[str, Any]]:
    """Every referral with what the list shows and sorts by, read without the list's query."""
    with store.read() as session:
        ids = list(session.scalars(select(Referral.id)))
    # what the record says is missing, as both record views show it (services/completeness.py)
    incomplete = {referral_id for referral_id in ids if missing(referral_record(store, PWP, referral_id))}
    with store.read() as session:
        rows = session.execute(select(Referral, Person).join(Person, Person.id == Referral.person_id)).all()
        drafts = set(session.scalars(select(Draft.referral_id)))
        decided = dict(session.execute(select(Decision.referral_id, func.max(Decision.decided_at)).group_by(Decision.referral_id)).all())  # fmt: skip
        latest_risk = {
            s.referral_id: s.risk for s in session.scalars(select(Screening).order_by(Screening.screened_at))
        }
        return [
            {
                "id": r.id, "received_on": r.received_on, "nhs_number": p.nhs_number, "given_name": p.given_name,
                "family_name": p.family_name, "date_of_birth": p.date_of_birth, "status": r.status,
                "route": r.current_route, "step": r.current_step, "has_draft": r.id in drafts,
                "duplicate": r.duplicate_of_id is not None, "name_key": p.name_key, "person_id": p.id,
                "dates": JourneyDates(r.received_on, r.opted_in_on, r.first_contact_on, None, r.treatment_started_on,
                                      r.status == "closed"),
                "decided_at": decided.get(r.id), "assigned_to": r.assigned_to, "risk": latest_risk.get(r.id),
                "team_code": r.team_code, "incomplete": r.id in incomplete,
            }
            for r, p in rows
        ]  # fmt: skip


def expected(rows: list[dict[str, Any]], flt: ReferralFilter, sort: str, descending: bool) -> list[str]:
    def keep(row: dict[str, Any]) -> bool:
        text = flt.text.strip()
        digits = text.replace(" ", "").replace("-", "")
        typed_date = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if len(digits) == 10 and digits.isdigit():
            if row["nhs_number"] != digits:
                return False
        elif typed_date:
            day, month, year = map(int, typed_date.groups())
            if (row["date_of_birth"].day, row["date_of_birth"].month, row["date_of_birth"].year) != (day, month, year):
                return False
        elif digits.isdigit():
            as_date = row["date_of_birth"].strftime("%d%m%Y") == digits and digits == text
            if not (row["nhs_number"].startswith(digits) or as_date):
                return False
        elif text:
            family, _, given = text.partition(",")
            if not row["name_key"].startswith(family.strip().casefold()):
                return False
            if not row["given_name"].lower().startswith(given.strip().lower()):
                return False
        return (
            (not flt.statuses or row["status"] in flt.statuses)
            and (not flt.routes or row["route"] in flt.routes)
            and (flt.received_from is None or row["received_on"] >= flt.received_from)
            and (flt.received_to is None or row["received_on"] <= flt.received_to)
            and (not flt.drafts_only or row["has_draft"])
            and journey(row, flt)
        )

    keys = {
        "received_on": lambda r: (r["received_on"], r["id"]),
        "family_name": lambda r: (r["name_key"], r["person_id"], r["id"]),
        "status": lambda r: (r["status"], r["id"]),
        # no route yet: after every route ascending (and so before them descending)
        "route": lambda r: (r["route"] is None, r["route"] or "", r["id"]),
        # most days waiting first when descending: the oldest received date, then the id (the same way)
        "waiting": lambda r: (-r["received_on"].toordinal(), Reversed(r["id"])),
        # no decision: after every decision ascending, before them descending (as the route's NULL)
        "decided": lambda r: (r["decided_at"] is None, r["decided_at"] or NO_TIME, r["id"]),
    }
    return [r["id"] for r in sorted(filter(keep, rows), key=keys[sort], reverse=descending)]


NO_TIME = datetime(2000, 1, 1).astimezone()


class Reversed(str):
    """A text that sorts the other way round."""

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)


def journey(row: dict[str, Any], flt: ReferralFilter) -> bool:
    """The journey filters as the list flags each row (rules.waits), not as the SQL says them."""
    if flt.journey == "over_target":
        return row_flag(flt.wait_targets(), row["status"], row["dates"], flt.as_of()) == "Over target"
    if flt.journey == "awaiting_contact":
        return row["status"] in ("received", "no_contact")
    if flt.journey == "letter_not_sent":
        return row["status"] == "decided"
    if flt.journey == "awaiting_decision":
        return row["status"] == "screened"
    if flt.journey == "high_risk":
        return row["risk"] == "high" and row["status"] != "closed"
    if flt.journey == "mine":
        return row["assigned_to"] == PWP_VIEWER
    if flt.journey == "team":
        return row["team_code"] in (None, *PWP_TEAMS)
    if flt.journey == "incomplete":
        return bool(row["incomplete"])
    return True


PWP_VIEWER, PWP_TEAMS = PWP.username, ("NORTH",)  # whose caseload and teams, in these tests: the user asking


FILTERS = [
    ReferralFilter(),
    ReferralFilter(text="smith"),
    ReferralFilter(text="  SMITH "),
    ReferralFilter(text="smith, an"),
    ReferralFilter(text="sm, ŁU"),
    ReferralFilter(text=", Ł"),
    ReferralFilter(text="ab_"),  # LIKE wildcards are literal
    ReferralFilter(text="a%"),
    ReferralFilter(text="zzz"),
    ReferralFilter(text="999"),  # the start of an NHS number
    ReferralFilter(text="999 000 1"),
    ReferralFilter(text="14/03/1985"),  # a date of birth
    ReferralFilter(text="14031985"),  # eight digits: the start of a number, or a date of birth
    ReferralFilter(text="31/02/1985"),  # no such date
    ReferralFilter(statuses=("received",)),
    ReferralFilter(statuses=("decided", "closed", "contacted")),
    ReferralFilter(routes=("cmht",)),
    ReferralFilter(routes=("cmht", "integrated_iapt"), text="s"),
    ReferralFilter(received_from=date(2024, 3, 1), received_to=date(2024, 4, 30)),
    ReferralFilter(drafts_only=True),
    ReferralFilter(drafts_only=True, statuses=("received",)),
    ReferralFilter(journey="over_target"),  # today: every open referral of 2024 is past a target
    ReferralFilter(journey="over_target", today=date(2024, 3, 20)),  # a mix, some received in the future
    ReferralFilter(journey="over_target", today=date(2024, 7, 10), targets=OPT_IN_ONLY),  # the one opted in
    ReferralFilter(journey="awaiting_contact"),
    ReferralFilter(journey="letter_not_sent"),
    ReferralFilter(journey="awaiting_decision"),
    ReferralFilter(journey="high_risk"),
    ReferralFilter(journey="mine"),
    ReferralFilter(journey="mine", viewer="lead"),  # the services ask for the user asking, not a viewer passed in
    ReferralFilter(journey="team"),
    ReferralFilter(journey="incomplete"),
    ReferralFilter(journey="team", viewer_teams=frozenset({"SOUTH"})),  # likewise the teams
]


def test_every_filter_counts_and_pages_in_every_order_as_python_would(listed: Store) -> None:
    rows = everything(listed)
    assert len(rows) == 30
    for flt in FILTERS:  # one fixture for them all: building it is the slow part
        total = count_referrals(listed, PWP, flt)
        for sort in SORT_KEYS:
            for descending in (True, False):
                want = expected(rows, flt, sort, descending)
                assert total == len(want), flt
                first = referral_page(listed, PWP, flt, sort=sort, descending=descending, limit=100)
                assert [r.id for r in first] == want, (flt, sort, descending)
                paged = [r.id for start in range(0, 30, 7)
                         for r in referral_page(listed, PWP, flt, sort=sort, descending=descending, offset=start, limit=7)]  # fmt: skip
                assert paged == want, (flt, sort, descending)


def test_filters_find_what_they_should(listed: Store) -> None:
    """Spot checks that the oracle above is not vacuous."""
    assert count_referrals(listed, PWP, ReferralFilter()) == 30
    # smith and Smithson (people 0, 6 and 1, two referrals each), smith20, Smithson21, smith26
    assert count_referrals(listed, PWP, ReferralFilter(text="smith")) == 9
    assert count_referrals(listed, PWP, ReferralFilter(text="smith, an")) == 3  # Anna smith (x2), Anna smith20
    # "_" and "%" are literal: "ab_" is not "ab" + any character (abxc stays out)
    assert (
        count_referrals(listed, PWP, ReferralFilter(text="ab_")) == 3
        and count_referrals(listed, PWP, ReferralFilter(text="a%")) == 3
    )
    assert count_referrals(listed, PWP, ReferralFilter(text="abx")) == 3
    assert count_referrals(listed, PWP, ReferralFilter(routes=("cmht",))) == 4
    assert count_referrals(listed, PWP, ReferralFilter(drafts_only=True)) == 3
    assert count_referrals(listed, PWP, ReferralFilter(statuses=("decided",))) == 5  # and one letter sent
    # the journey: 30 less 6 decided, 4 screened, 1 contacted, 1 opted in and 1 closed are awaiting contact
    assert count_referrals(listed, PWP, ReferralFilter(journey="awaiting_contact")) == 17
    assert count_referrals(listed, PWP, ReferralFilter(journey="letter_not_sent")) == 5
    assert count_referrals(listed, PWP, ReferralFilter(journey="awaiting_decision")) == 4
    assert count_referrals(listed, PWP, ReferralFilter(journey="high_risk")) == 1  # the other redone as low
    assert count_referrals(listed, PWP, ReferralFilter(journey="mine")) == 3
    assert count_referrals(listed, as_leader("lead"), ReferralFilter(journey="mine")) == 1
    assert count_referrals(listed, PWP, ReferralFilter(journey="mine", viewer="lead")) == 3
    assert count_referrals(listed, PWP, ReferralFilter(journey="team")) == 29  # all but SOUTH's
    # every referral lacks something (no screening, or no employment status) but the one screened in full
    assert count_referrals(listed, PWP, ReferralFilter(journey="incomplete")) == 29
    assert count_referrals(listed, as_leader("lead"), ReferralFilter(journey="team")) == 30  # in no team: all
    # today every open referral of 2024 is past a target but the one in treatment, and the closed one is not
    assert count_referrals(listed, PWP, ReferralFilter(journey="over_target")) == 28
    assert 0 < count_referrals(listed, PWP, ReferralFilter(journey="over_target", today=date(2024, 3, 20))) < 20
    opted_in = ReferralFilter(journey="over_target", today=date(2024, 7, 10), targets=OPT_IN_ONLY)  # day 30
    assert count_referrals(listed, PWP, opted_in) == 1


def test_a_row_carries_what_the_table_shows(listed: Store) -> None:
    number = make_nhs_number(1010)
    for text in (number, f"{number[:3]} {number[3:6]} {number[6:]}", f"{number[:3]}-{number[3:6]}-{number[6:]}"):
        rows = referral_page(listed, PWP, ReferralFilter(text=text), sort="received_on", descending=False)
        assert [r.nhs_number for r in rows] == [number, number]
    first, second = rows
    assert (first.given_name, first.family_name, first.date_of_birth) == ("Łukasz", "Smithson", date(1985, 3, 14))
    assert not first.duplicate and second.duplicate  # the second referral arrived while the first was open
    decided = referral_page(listed, PWP, ReferralFilter(routes=("integrated_iapt",)))
    assert {(r.status, r.route, r.step, r.has_draft) for r in decided} == {("decided", "integrated_iapt", 3, False)}
    drafted = referral_page(listed, PWP, ReferralFilter(drafts_only=True))
    assert all(r.has_draft for r in drafted) and len(drafted) == 3
    assert number not in repr(first) and "Smithson" not in repr(first)
    mine = {(r.risk, r.assigned_to, r.screened_by) for r in referral_page(listed, PWP, ReferralFilter(journey="mine"))}
    # ids[0] unscreened, ids[6] screened at high risk, ids[21] decided (HIGH_COMPLEXITY, its risk low)
    assert mine == {(None, PWP.username, None), ("high", PWP.username, "lead"), ("low", PWP.username, "lead")}


def test_an_nhs_number_search_is_exact_and_fewer_digits_are_its_start(listed: Store) -> None:
    number = make_nhs_number(1010)
    assert count_referrals(listed, PWP, ReferralFilter(text="9999999999")) == 0
    # the start of a number, as read off a letter: its person's two referrals, whichever way it is spaced
    for typed in (number[:9], f"{number[:3]} {number[3:6]} {number[6:9]}", f"{number[:3]}-{number[3:6]}-{number[6:9]}"):
        rows = referral_page(listed, PWP, ReferralFilter(text=typed))
        assert {r.nhs_number for r in rows} == {number}, typed
    assert count_referrals(listed, PWP, ReferralFilter(text=number[:3])) == 30  # every one starts 999


def test_a_date_of_birth_typed_as_on_the_form_finds_its_people(listed: Store) -> None:
    (row,) = {r.date_of_birth for r in referral_page(listed, PWP, ReferralFilter(text=make_nhs_number(1010)))}
    born = row
    everyone = {r.id for r in referral_page(listed, PWP, ReferralFilter(), limit=100) if r.date_of_birth == born}
    assert everyone  # the oracle's set is not empty
    for typed in (f"{born:%d/%m/%Y}", f"{born.day}/{born.month}/{born.year}", f"{born:%d-%m-%Y}", f"{born:%d.%m.%Y}",
                  f"{born:%d%m%Y}"):  # fmt: skip
        assert {r.id for r in referral_page(listed, PWP, ReferralFilter(text=typed))} >= everyone, typed
    assert count_referrals(listed, PWP, ReferralFilter(text="31/02/1985")) == 0  # no such date: nothing, no error


def test_the_route_follows_the_latest_decision(listed: Store) -> None:
    (row,) = referral_page(listed, PWP, ReferralFilter(routes=("cmht",)), limit=1)
    complete_screening(listed, as_pwp("lead"), row.id, ScreeningInput.model_validate(ANSWERS), DecisionInput(confirmed_route="integrated_iapt", confirmed_step=3))  # fmt: skip
    assert count_referrals(listed, PWP, ReferralFilter(routes=("cmht",))) == 3
    (now,) = referral_page(listed, PWP, replace(ReferralFilter(), text=row.nhs_number, routes=("integrated_iapt",)))
    assert (now.id, now.route, now.step) == (row.id, "integrated_iapt", 3)


def test_bad_arguments_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="sort"):
        referral_page(store, PWP, ReferralFilter(), sort="nhs_number")
    with pytest.raises(ValueError):
        referral_page(store, PWP, ReferralFilter(), offset=-1)
    assert referral_page(store, PWP, ReferralFilter()) == [] and count_referrals(store, PWP, ReferralFilter()) == 0
