"""The whole matrix as a table: every rating combination with its route, step and destinations.

Committed beside each shipped ruleset (``<id>.golden.tsv``) so that any change to routing shows as a
diff in review, and compared by the tests and the frozen app's self-test.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from triage.rules.engine import route
from triage.rules.ruleset import Ruleset
from triage.rules.screening import Screening
from triage.rules.vocabulary import LEVELS, VARIABLES, Level, VariableId

HEADER = "\t".join([*VARIABLES, "route", "step", "needs_confirmation", "destinations"])


def screening_for(ratings: dict[VariableId, Level], ruleset: Ruleset) -> Screening:
    """A screening that rates exactly as given: the derived variables take the lowest score or
    count of their band (PHQ-9 carries severity, GAD-7 stays at 0)."""
    phq9 = next(total for total, level in enumerate(ruleset.score_levels["phq9"]) if level == ratings["severity"])
    count = next(
        low for level, low, _ in ruleset.intervention_bands if level == ratings["previous_unhelpful_interventions"]
    )
    return Screening(
        phq9=phq9,
        gad7=0,
        chronicity=ratings["chronicity"],
        complexity=ratings["complexity"],
        impairment=ratings["impairment"],
        substance_use=ratings["substance_use"],
        risk=ratings["risk"],
        previous_unhelpful_interventions=count,
    )


def all_ratings() -> Iterator[dict[VariableId, Level]]:
    for combination in itertools.product(LEVELS, repeat=len(VARIABLES)):
        yield dict(zip(VARIABLES, combination, strict=True))


def golden_rows(ruleset: Ruleset) -> list[str]:
    rows = [HEADER]
    for ratings in all_ratings():
        routing = route(screening_for(ratings, ruleset), ruleset)
        destinations = ";".join(f"{d.code}:{','.join(d.triggered_by)}" for d in routing.destinations)
        step = "" if routing.step is None else str(routing.step)
        confirm = "yes" if routing.needs_confirmation else "no"
        rows.append("\t".join([*ratings.values(), routing.route, step, confirm, destinations]))
    return rows


def golden_text(ruleset: Ruleset) -> str:
    return "\n".join(golden_rows(ruleset)) + "\n"


def compare_golden(ruleset: Ruleset, expected: str) -> list[str]:
    """The rows that differ from the expected table, as ``-expected`` / ``+actual`` lines."""
    actual = golden_rows(ruleset)
    wanted = expected.rstrip("\n").split("\n")
    problems = []
    for index, (want, got) in enumerate(itertools.zip_longest(wanted, actual, fillvalue="<missing>")):
        if want != got:
            problems.append(f"row {index}: -{want}\n        +{got}")
    return problems
