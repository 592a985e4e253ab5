"""Waits against targets (issue 15 item 3; requirements.md 9.33): the seeds' tests, both clocks, and the
targets file checked at load."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.rules.waits import (
    JourneyDates,
    WaitsError,
    WaitTargets,
    default_wait_targets,
    label_problems,
    load_wait_targets,
    row_flag,
    tally,
    wait_flag,
    waits,
)

TARGETS = default_wait_targets()
BY_CODE = {target.code: target for target in TARGETS.targets}
OPT_IN = TARGETS.model_copy(update={"opt_in_clock": True})
MARCH_1 = date(2025, 3, 1)


def test_a_referral_on_1_march_assessed_on_5_march_is_over_the_3_day_target() -> None:
    flag = wait_flag(BY_CODE["assessment_3_days"], TARGETS, JourneyDates(MARCH_1, screened_on=date(2025, 3, 5)),
                     today=date(2025, 3, 20))  # fmt: skip
    assert (flag.days, flag.state, flag.word) == (4, "over", "Over target")


def test_assessment_on_day_3_is_within_the_3_day_target() -> None:
    flag = wait_flag(BY_CODE["assessment_3_days"], TARGETS, JourneyDates(MARCH_1, screened_on=date(2025, 3, 4)),
                     today=date(2025, 3, 20))  # fmt: skip
    assert (flag.days, flag.state) == (3, "within")


@pytest.mark.parametrize(("day", "state"), [(27, "within"), (28, "over")])
def test_treatment_on_day_27_is_within_28_days_and_day_28_over_from_the_received_date(day: int, state: str) -> None:
    dates = JourneyDates(
        MARCH_1, opted_in_on=MARCH_1 + timedelta(days=10), treatment_started_on=MARCH_1 + timedelta(days=day)
    )
    flag = wait_flag(BY_CODE["treatment_28_days"], TARGETS, dates, today=date(2025, 6, 1))
    assert (flag.start, flag.days, flag.state) == (MARCH_1, day, state)


@pytest.mark.parametrize(("day", "state"), [(27, "within"), (28, "over")])
def test_treatment_on_day_27_is_within_28_days_and_day_28_over_from_the_opt_in(day: int, state: str) -> None:
    opted = MARCH_1 + timedelta(days=10)  # received ten days before: day 28 from opt-in is day 38 from referral
    dates = JourneyDates(MARCH_1, opted_in_on=opted, treatment_started_on=opted + timedelta(days=day))
    flag = wait_flag(BY_CODE["treatment_28_days"], OPT_IN, dates, today=date(2025, 6, 1))
    assert (flag.start, flag.days, flag.state) == (opted, day, state)


@pytest.mark.parametrize(("day", "state"), [(27, "waiting_within"), (28, "waiting_over")])
def test_a_wait_still_running_is_over_from_day_28(day: int, state: str) -> None:
    flag = wait_flag(BY_CODE["treatment_28_days"], TARGETS, JourneyDates(MARCH_1), today=MARCH_1 + timedelta(days=day))
    assert (flag.days, flag.state) == (day, state)
    screened = JourneyDates(MARCH_1, first_contact_on=MARCH_1)
    assert row_flag(TARGETS, "decided", screened, MARCH_1 + timedelta(days=day)) == (
        "Within target" if day == 27 else "Over target"
    )


def test_an_opt_in_clock_not_yet_started_and_a_closed_referral_are_said_in_words() -> None:
    target = BY_CODE["treatment_28_days"]
    assert (
        wait_flag(target, OPT_IN, JourneyDates(MARCH_1), date(2025, 6, 1)).word == "Clock not started (no opt-in yet)"
    )
    closed = wait_flag(target, TARGETS, JourneyDates(MARCH_1, closed=True), date(2025, 6, 1))
    assert (closed.state, closed.days) == ("stopped", None)
    assert row_flag(TARGETS, "closed", JourneyDates(MARCH_1, closed=True), date(2025, 6, 1)) == ""
    assert row_flag(TARGETS, "received", JourneyDates(MARCH_1), MARCH_1 + timedelta(days=4)) == "Over target"  # 3 days
    assert row_flag(TARGETS, "received", JourneyDates(MARCH_1), MARCH_1 + timedelta(days=3)) == "Within target"


def test_the_national_standards_carry_their_source_and_are_unverified() -> None:
    for code in ("national_6_weeks", "national_18_weeks"):
        assert not BY_CODE[code].verified
        assert "NHS England" in BY_CODE[code].source and "Not in the seed documents" in BY_CODE[code].source
    assert {BY_CODE["national_6_weeks"].share_percent, BY_CODE["national_18_weeks"].share_percent} == {75, 95}
    assert BY_CODE["assessment_3_days"].verified and BY_CODE["treatment_28_days"].verified


def test_the_three_waits_are_counted_from_the_received_date() -> None:
    dates = JourneyDates(MARCH_1, first_contact_on=date(2025, 3, 2), screened_on=date(2025, 3, 5))
    assert waits(dates) == {"first_contact": 1, "screening": 4, "treatment": None}


def test_a_service_can_hold_its_own_targets_as_one_field() -> None:
    own = WaitTargets.model_validate({"opt_in_clock": True, "targets": (BY_CODE["treatment_28_days"].model_dump(),)})
    assert own.opt_in_clock and own.targets[0].days == 28


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "version: 1\ntargets:\n  - {code: a, label: A, measure: treatment, days: 0, within: at_most, clock: received, "
            "source: s, verified: true}\n",
            "targets[0].days",
        ),
        (
            "version: 1\ntargets:\n  - {code: a, label: A, measure: treatment, days: 3, within: at_most, clock: received, "
            "verified: true}\n",
            "targets[0].source",
        ),
        (
            "version: 1\ntargets:\n  - {code: a, label: A, measure: waiting, days: 3, within: at_most, clock: received, "
            "source: s, verified: true}\n",
            "targets[0].measure",
        ),
        ("version: 1\nshade: red\ntargets: []\n", "shade: unknown key"),
    ],
)
def test_a_bad_targets_file_is_refused_naming_the_field(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "waits.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WaitsError) as caught:
        load_wait_targets(path)
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.none() | st.integers(0, 10), st.none() | st.integers(0, 40),
                          st.none() | st.integers(0, 40), st.none() | st.integers(0, 80), st.booleans()),
                max_size=30), st.booleans())  # fmt: skip
def test_a_reports_tally_counts_exactly_what_each_referrals_flag_says(journeys, opt_in: bool) -> None:  # type: ignore[no-untyped-def]
    """``tally`` (the reports' pass over every referral) and ``wait_flag`` (one referral) are one rule."""
    targets = default_wait_targets().model_copy(update={"opt_in_clock": opt_in})
    today = date(2025, 6, 1)
    many = []
    for ago, opted, contact, screened, treated, closed in journeys:
        received = today - timedelta(days=ago)
        day = [
            None if days is None else received + timedelta(days=days) for days in (opted, contact, screened, treated)
        ]
        many.append(JourneyDates(received_on=received, opted_in_on=day[0], first_contact_on=day[1], screened_on=day[2],
                                 treatment_started_on=day[3], closed=closed))  # fmt: skip
    for target in targets.targets:
        flags = [wait_flag(target, targets, dates, today) for dates in many]
        counted, over = tally(target, targets, many, today)
        assert counted == sum(1 for f in flags if f.state in ("within", "over", "waiting_within", "waiting_over"))
        assert over == [(i, f.days, f.state) for i, f in enumerate(flags) if f.over]


@pytest.mark.parametrize(("label", "days", "ok"), [
    ("Referral to first contact within 5 days", 5, True), ("Referral to first contact within 5 days", 28, False),
    ("Referral to treatment within 6 weeks", 42, True), ("Referral to treatment within 6 weeks", 28, False),
    ("Referral to first contact, the service's own", 9, True),  # a label naming no span says nothing wrong
])  # fmt: skip
def test_a_targets_label_must_say_its_own_days(label: str, days: int, ok: bool) -> None:
    """A label read as "within 5 days" on a 28-day target would flag people against a wait nobody meant."""
    data = {"code": "local", "label": label, "measure": "first_contact", "days": days, "within": "at_most",
            "clock": "received", "source": "Service specification 2026", "verified": False}  # fmt: skip
    targets = WaitTargets.model_validate_json(json.dumps({"targets": [data]}))  # strict: lists as JSON has them
    problems = label_problems(targets)
    assert problems == ([] if ok else [
        f"wait_targets: target 1 ({label}): the label says {label.split()[-2]} {label.split()[-1]} but the target is "
        f"{days} days; make them agree"])  # fmt: skip
