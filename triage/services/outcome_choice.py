"""Outcomes other than a route (issue 15, item 2): the checks a decision's outcome must pass against
the ruleset in force, and the store's ``destination`` table kept in step with that ruleset.

A decision may confirm any outcome the ruleset lists (ruleset.py, ``outcomes``): a matrix route, a
discharge back to the GP or a local refer-on service. A code the ruleset does not list is refused
with the codes it does; an outcome with criteria ("not suitable") needs one of them, so that the GP
letter can say which applied.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.rules.ruleset import Ruleset
from triage.services.inputs import DecisionInput
from triage.store.errors import RefusedError
from triage.store.models import Destination, Referral


def check_outcome(ruleset: Ruleset, data: DecisionInput) -> None:
    """Refuse an outcome ``ruleset`` does not list, a missing or unknown criterion, or a criterion
    given for an outcome that has none; each message names the field and what is allowed."""
    outcome = ruleset.outcome(data.confirmed_route)
    if outcome is None:
        allowed = ", ".join(entry.code for entry in ruleset.decision_outcomes)
        raise RefusedError(
            f"confirmed_route: {data.confirmed_route} is not an outcome of the ruleset in force "
            f"({ruleset.id} {ruleset.version}); allowed: {allowed}"
        )
    criteria = [criterion.code for criterion in outcome.criteria or ()]
    if criteria and data.outcome_criterion is None:
        raise RefusedError(f"outcome_criterion: required for {outcome.code}; one of {', '.join(criteria)}")
    if data.outcome_criterion is not None and data.outcome_criterion not in criteria:
        if not criteria:
            raise RefusedError(f"outcome_criterion: {outcome.code} has no criteria; leave it out")
        raise RefusedError(f"outcome_criterion: not a criterion of {outcome.code}; one of {', '.join(criteria)}")


def register_outcomes(session: Session, ruleset: Ruleset) -> None:
    """Every outcome of ``ruleset`` as a row of ``destination`` (added, or its kind and label brought
    up to date), inside the caller's transaction, before a decision names one. Rows are never
    removed: decisions made under other rulesets keep naming theirs."""
    stored = {row.code: row for row in session.scalars(select(Destination))}
    for entry in ruleset.decision_outcomes:
        label = entry.label or entry.code
        row = stored.get(entry.code)
        if row is None:
            session.add(Destination(code=entry.code, kind=entry.kind, label=label))
        elif (row.kind, row.label) != (entry.kind, label):
            row.kind, row.label = entry.kind, label
    session.flush()


def services_that_returned(session: Session, person_id: str) -> frozenset[str]:
    """The services that have returned this person to us before (any of their referrals that came
    back from one): the ping-pong record (issue 15, item 6; requirements.md section 9, item 36). The
    codes are route codes (cmht, crisis_team, substance_misuse), or other_service."""
    found = session.scalars(
        select(Referral.returned_from).where(Referral.person_id == person_id, Referral.returned_from.is_not(None))
    )
    return frozenset(code for code in found if code)


def check_return(returned_by: frozenset[str], data: DecisionInput) -> str | None:
    """The matrix rationale to store, required when the outcome chosen is a service that returned this
    person before: referring them straight back needs the reason the matrix points there again."""
    if data.confirmed_route not in returned_by:
        return None
    if data.return_rationale is None:
        raise RefusedError(
            f"return_rationale: required: {data.confirmed_route} has returned this person to us before; "
            "give the matrix rationale for referring them there again"
        )
    return data.return_rationale
