"""Every outcome a decision can record, as one list in the ruleset (issue 15, item 2; requirements.md
section 9, item 35): the matrix's five routes, the discharges back to the GP (not suitable, no contact,
declined) and the local services a person may be referred on to (employment support, housing or debt
advice). A service adds a local service by adding an entry; the store and the services accept exactly
the codes of the ruleset in force, never a fixed list.

Each entry has a code, a label, a one-line description and a kind; a discharge or a local service
names the GP letter it gets, and may list the criteria one of which must be given (not suitable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, get_args

from pydantic import StringConstraints

from triage.rules.datafile import StrictModel
from triage.rules.vocabulary import ROUTES

if TYPE_CHECKING:
    from triage.rules.ruleset import RulesetDocument

OutcomeKind = Literal["route", "refer_on", "discharge"]
OUTCOME_KINDS: tuple[OutcomeKind, ...] = get_args(OutcomeKind)
# The GP letters an outcome outside the matrix routes can have (resources/letters/outcomes/*.yaml).
OutcomeLetter = Literal["not_suitable", "no_contact", "declined", "refer_on"]
OUTCOME_LETTERS: tuple[OutcomeLetter, ...] = get_args(OutcomeLetter)
# As stored (decision.confirmed_route, referral.current_route are String(30)).
OUTCOME_CODE = r"^[a-z][a-z0-9_]{0,29}$"
CRITERION_CODE = r"^[a-z][a-z0-9_]{0,39}$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
OneLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\n]*$")]


class Criterion(StrictModel):
    """One reason an outcome applies, worded for the GP letter: "{text}"."""

    code: Annotated[str, StringConstraints(pattern=CRITERION_CODE)]
    label: OneLine
    text: Text


class OutcomeEntry(StrictModel):
    code: Annotated[str, StringConstraints(pattern=OUTCOME_CODE)]
    kind: OutcomeKind
    # A matrix route takes its label from destinations / iapt_routes (one source); every other entry has its own.
    label: OneLine | None = None
    description: OneLine
    letter: OutcomeLetter | None = None
    criteria: list[Criterion] | None = None


def check_outcomes(document: RulesetDocument) -> list[str]:
    """Every problem with the outcome list, each naming the entry and the field."""
    problems: list[str] = []
    entries = document.outcomes
    if entries is None:
        return problems
    codes = [entry.code for entry in entries]
    for index, entry in enumerate(entries):
        where = f"outcomes[{index}] ({entry.code})"
        if codes.index(entry.code) != index:
            problems.append(f"{where}.code: {entry.code} is defined more than once")
        if entry.kind == "route":
            if entry.code not in ROUTES:
                problems.append(f"{where}.kind: route is only for the matrix routes ({', '.join(ROUTES)})")
            for name in ("label", "letter", "criteria"):
                if getattr(entry, name) is not None:
                    problems.append(f"{where}.{name}: not for a matrix route (its label is under destinations)")
            continue
        if entry.code in ROUTES:
            problems.append(f"{where}.kind: {entry.code} is a matrix route; its kind must be route")
        if entry.label is None:
            problems.append(f"{where}.label: required")
        if entry.letter is None:
            problems.append(f"{where}.letter: required; one of {', '.join(OUTCOME_LETTERS)}")
        criteria = [c.code for c in entry.criteria or ()]
        for code in sorted({c for c in criteria if criteria.count(c) > 1}):
            problems.append(f"{where}.criteria: {code} is defined more than once")
        if entry.letter == "not_suitable" and not entry.criteria:
            problems.append(f"{where}.criteria: required for the not_suitable letter, which prints the criterion")
        if entry.criteria is not None and not entry.criteria:
            problems.append(f"{where}.criteria: give at least one criterion, or leave criteria out")
    for route in ROUTES:
        if route not in codes:
            problems.append(f"outcomes: the matrix route {route} must be listed (kind: route)")
    return problems


def outcome_entries(document: RulesetDocument, route_labels: dict[str, str]) -> tuple[OutcomeEntry, ...]:
    """Every outcome in the list's order, each route labelled from ``route_labels``; a ruleset without
    the list has the five matrix routes only."""
    if document.outcomes is None:
        return tuple(
            OutcomeEntry(code=r, kind="route", label=route_labels[r], description=route_labels[r]) for r in ROUTES
        )
    return tuple(
        e.model_copy(update={"label": route_labels[e.code]}) if e.kind == "route" else e for e in document.outcomes
    )
