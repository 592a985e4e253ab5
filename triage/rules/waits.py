"""How long a referral waited, and whether that was within each target (issue 15 item 3; docs/journey.md).

Pure functions of dates: no store, no clock (``today`` is always given). The targets are data,
``resources/waits.yaml``, read into ``WaitTargets`` and checked at load; a service's own settings hold
one ``WaitTargets`` (its overrides and whether it runs an opt-in clock), defaulting to the file.

A wait is counted in whole days from its clock start to its end: the referral received date (or the
opt-in date, for a target on the service's clock when the service runs an opt-in model) to the first
contact made, the first screening (the assessment) or the treatment start. Day 0 is the start date
itself. A target says whether its limit is within (``at_most``: "a 3-day target", day 3 within, day 4
over) or not (``less_than``: "< 28 days", day 27 within, day 28 over). A wait still running is
counted to ``today`` and is over as soon as that count is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from triage.resources import resource_path
from triage.rules.datafile import DataFileError, StrictModel, UnusableDataFile, read_yaml, validation_problems

WAITS_FILE = "waits.yaml"
Measure = Literal["first_contact", "screening", "treatment"]
MEASURES: tuple[Measure, ...] = ("first_contact", "screening", "treatment")
MEASURE_NAMES: dict[Measure, str] = {
    "first_contact": "Referral to first contact",
    "screening": "Referral to screening (assessment)",
    "treatment": "Referral to treatment",
}
# Where each wait ends: the field of ``JourneyDates`` holding the day it was reached.
END_FIELDS: dict[Measure, str] = {"first_contact": "first_contact_on", "screening": "screened_on",
                                  "treatment": "treatment_started_on"}  # fmt: skip
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
State = Literal["within", "over", "waiting_within", "waiting_over", "not_started", "stopped"]
# The words a flag is shown in, everywhere (never a colour alone).
STATE_WORDS: dict[State, str] = {
    "within": "Within target",
    "over": "Over target",
    "waiting_within": "Waiting, within target",
    "waiting_over": "Waiting, OVER target",
    "not_started": "Clock not started (no opt-in yet)",
    "stopped": "Not reached (referral closed)",
}


class WaitsError(UnusableDataFile):
    """A wait-targets file that must not be used; ``problems`` lists every reason found."""


_LABEL_SPAN = re.compile(r"\b(\d+)\s*(days?|weeks?)\b", re.IGNORECASE)


class WaitTarget(StrictModel):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]
    label: Text
    measure: Measure
    days: Annotated[int, Field(ge=1, le=730)]
    within: Literal["less_than", "at_most"]
    clock: Literal["received", "service"]
    share_percent: Annotated[int, Field(ge=1, le=100)] | None = None  # a standard for that share of people
    source: Text
    verified: bool

    def is_over(self, days: int) -> bool:
        return days >= self.days if self.within == "less_than" else days > self.days

    def over_since(self, today: date) -> date:
        """A clock started on or before this date is over the target by ``today``."""
        return today - timedelta(days=self.days if self.within == "less_than" else self.days + 1)

    @property
    def rule(self) -> str:
        """The target as a person reads it: "under 28 days", "within 3 days"."""
        return f"under {self.days} days" if self.within == "less_than" else f"within {self.days} days"


class WaitTargets(StrictModel):
    """The targets a service flags waits against, and whether it runs an opt-in clock: what a
    service's settings hold as one field (``default_wait_targets()`` when it sets none)."""

    version: Literal[1] = 1
    opt_in_clock: bool = False
    targets: tuple[WaitTarget, ...]

    @model_validator(mode="after")
    def _codes_unique(self) -> WaitTargets:
        codes = [target.code for target in self.targets]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(f"targets: each code once (repeated: {', '.join(repeated)})")
        return self


def load_wait_targets(path: Path | str) -> WaitTargets:
    """Load and fully check a wait-targets file (``WaitsError`` naming every problem)."""
    path = Path(path)
    try:
        raw = read_yaml(path)
    except DataFileError as exc:
        raise WaitsError(str(path), [str(exc)]) from None
    try:  # YAML gives lists; the model keeps tuples (frozen): convert before the strict check
        if isinstance(raw, dict) and isinstance(raw.get("targets"), list):
            raw = {**raw, "targets": tuple(raw["targets"])}
        targets = WaitTargets.model_validate(raw)
    except ValidationError as exc:
        raise WaitsError(str(path), validation_problems(exc)) from None
    if problems := label_problems(targets):
        raise WaitsError(str(path), problems)
    return targets


def label_problems(targets: WaitTargets) -> list[str]:
    """A label read as "within 5 days" on a 28-day target would flag people against a wait nobody meant:
    each label naming a number of days or weeks that is not its target's, as a ``field: problem`` line.
    Checked where targets are loaded from the shipped file or saved (never on reading a store: a
    service's settings stay readable)."""
    problems = []
    for number, target in enumerate(targets.targets, 1):
        for count, unit in _LABEL_SPAN.findall(target.label):
            if int(count) * (7 if unit.lower().startswith("week") else 1) != target.days:
                problems.append(f"wait_targets: target {number} ({target.label}): the label says {count} {unit} "
                                f"but the target is {target.days} days; make them agree")  # fmt: skip
    return problems


@lru_cache(maxsize=1)
def default_wait_targets() -> WaitTargets:
    """The shipped targets, read once."""
    return load_wait_targets(resource_path(WAITS_FILE))


@dataclass(frozen=True, slots=True)
class JourneyDates:
    """The dates a referral's waits are counted between (None: not yet, or not known)."""

    received_on: date
    opted_in_on: date | None = None
    first_contact_on: date | None = None
    screened_on: date | None = None
    treatment_started_on: date | None = None
    closed: bool = False

    def end_of(self, measure: Measure) -> date | None:
        return getattr(self, END_FIELDS[measure])  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class WaitFlag:
    """One wait against one target: its clock start, its end (None: still waiting), the days counted
    and the state, in words through ``word``."""

    target: WaitTarget
    start: date | None
    end: date | None
    days: int | None
    state: State

    @property
    def word(self) -> str:
        return STATE_WORDS[self.state]

    @property
    def over(self) -> bool:
        return self.state in ("over", "waiting_over")


def clock_start(target: WaitTarget, targets: WaitTargets, dates: JourneyDates) -> date | None:
    """Where ``target``'s clock starts: the received date, or the opt-in date (None before one) for a
    target on the service's clock when the service runs an opt-in model."""
    if target.clock == "service" and targets.opt_in_clock:
        return dates.opted_in_on
    return dates.received_on


def wait_flag(target: WaitTarget, targets: WaitTargets, dates: JourneyDates, today: date) -> WaitFlag:
    start, end = clock_start(target, targets, dates), dates.end_of(target.measure)
    days, state = _judge(target, start, end, dates.closed, today)
    return WaitFlag(target, start, end, days, state)


def _judge(target: WaitTarget, start: date | None, end: date | None, closed: bool, today: date) -> tuple[int | None, State]:  # fmt: skip
    """The days counted and the state of one wait against ``target``: the one rule, for ``wait_flag`` and
    for ``tally`` alike."""
    if start is None:
        return None, "stopped" if closed and end is None else "not_started"
    if end is not None:
        days = (end - start).days
        return days, "over" if target.is_over(days) else "within"
    if closed:
        return None, "stopped"
    days = (today - start).days
    return days, "waiting_over" if target.is_over(days) else "waiting_within"


COUNTED_STATES: frozenset[State] = frozenset({"within", "over", "waiting_within", "waiting_over"})
OVER_STATES: frozenset[State] = frozenset({"over", "waiting_over"})


def tally(target: WaitTarget, targets: WaitTargets, many: Sequence[JourneyDates], today: date) -> tuple[int, list[tuple[int, int, State]]]:  # fmt: skip
    """How many of ``many`` ``target``'s clock has started for (finished or still waiting), and (index,
    days, state) of each over it: ``wait_flag``'s rule (``_judge``) over a whole report's referrals, without a
    ``WaitFlag`` for each (100,000 of them cost a report its budget)."""
    on_opt_in = target.clock == "service" and targets.opt_in_clock
    end_of = attrgetter(END_FIELDS[target.measure])
    counted, over = 0, []  # type: int, list[tuple[int, int, State]]
    for index, dates in enumerate(many):
        start = dates.opted_in_on if on_opt_in else dates.received_on
        days, state = _judge(target, start, end_of(dates), dates.closed, today)
        if state in COUNTED_STATES:
            counted += 1
            if state in OVER_STATES:
                over.append((index, days or 0, state))
    return counted, over


def wait_flags(targets: WaitTargets, dates: JourneyDates, today: date) -> tuple[WaitFlag, ...]:
    """Every target's flag, in the file's order."""
    return tuple(wait_flag(target, targets, dates, today) for target in targets.targets)


def waits(dates: JourneyDates) -> dict[Measure, int | None]:
    """The three waits from the received date, in days: to first contact, to screening, to treatment
    (None: not reached yet; ``wait_flags`` counts running ones to today)."""
    return {m: (end - dates.received_on).days if (end := dates.end_of(m)) else None for m in MEASURES}


# The statuses before a screening: the assessment wait is still running (the list reads it from the
# status, as the database filters it).
BEFORE_SCREENING = ("received", "contacted", "no_contact")


def running_measures(status: str, dates: JourneyDates) -> frozenset[Measure]:
    """The waits still running for a referral in the list: none once closed; the first contact until
    made, the screening while the status is before it, the treatment until it starts."""
    if status == "closed":
        return frozenset()
    running: set[Measure] = set()
    if dates.first_contact_on is None:
        running.add("first_contact")
    if status in BEFORE_SCREENING:
        running.add("screening")
    if dates.treatment_started_on is None:
        running.add("treatment")
    return frozenset(running)


def row_flag(targets: WaitTargets, status: str, dates: JourneyDates, today: date) -> str:
    """The list's word for one referral: "Over target" when a running wait is past its target,
    "Within target" when waits are running within them, "" when nothing is being waited for."""
    running = running_measures(status, dates)
    counted = [
        target.is_over((today - start).days)
        for target in targets.targets
        if target.measure in running and (start := clock_start(target, targets, dates)) is not None
    ]
    return ("Over target" if any(counted) else "Within target") if counted else ""


def days_waiting(status: str, dates: JourneyDates, today: date) -> int | None:
    """Days since the referral was received, while it is open and treatment has not started."""
    if status == "closed" or dates.treatment_started_on is not None:
        return None
    return (today - dates.received_on).days
