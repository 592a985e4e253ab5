"""The GP letters for outcomes other than a matrix route (issue 15, item 2): not suitable (referred
back to the GP, with the criterion that applied), no contact, declined, and referred on to a local
service. Each is a template in ``resources/letters/outcomes/NAME.yaml`` with the same frame and
blocks as the GP letter (templates.py), checked the same way at load, plus ``scope.yaml``: what the
service can and cannot help with, which every one of these letters prints so that it teaches
referrers what the service is for (requirements.md section 9, item 44).

Which letter an outcome gets is the ruleset's (``outcomes[].letter``); the letters do not know the
outcome codes, so a service adds a local service without touching them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from triage.letters.outcome import Outcome
from triage.letters.particulars import LetterInputError
from triage.letters.templates import (
    Common,
    KindTemplate,
    LetterKind,
    LetterTemplates,
    Text,
    _check_kind,
    _load,
    _markers,
    placeholders,
)
from triage.rules.datafile import StrictModel
from triage.rules.outcomes import OUTCOME_LETTERS
from triage.rules.ruleset import Ruleset

# Placeholders every outcome letter may use, and those only the not-suitable letter may (its outcome
# is validated to list criteria, and a decision for it to name one: rules/outcomes.py).
OUTCOME_FIELDS: frozenset[str] = frozenset({"outcome_label", "outcome_description"})
CRITERION_FIELDS: frozenset[str] = frozenset({"criterion", "criterion_label"})


class Scope(StrictModel):
    schema_: Literal[1] = Field(alias="schema")
    can_help: Annotated[list[Text], Field(min_length=1)]
    cannot_help: Annotated[list[Text], Field(min_length=1)]


@dataclass(frozen=True)
class OutcomeTemplates:
    letters: dict[str, KindTemplate]
    scope: Scope


def load_outcome_templates(folder: Path, common: Common, problems: list[str]) -> OutcomeTemplates | None:
    """Load and check every outcome letter in ``folder``, adding what is wrong to ``problems``."""
    letters: dict[str, KindTemplate] = {}
    for name in OUTCOME_LETTERS:
        template = _load(folder / f"{name}.yaml", KindTemplate, problems)
        if template is None:
            continue
        if template.recipient != "gp" or template.routes is not None:
            problems.append(f"outcomes/{name}.yaml: recipient must be gp, and routes left out")
        extra = OUTCOME_FIELDS | (CRITERION_FIELDS if name == "not_suitable" else frozenset())
        problems += [f"outcomes/{name}.yaml: {p}" for p in _check_kind(template, common, extra)]
        letters[name] = template
    scope = _load(folder / "scope.yaml", Scope, problems)
    if scope is not None:
        for line in [*scope.can_help, *scope.cannot_help]:
            problems += _markers("outcomes/scope.yaml", line, common)
            if placeholders(line):
                problems.append("outcomes/scope.yaml: no placeholders here")
    if scope is None or len(letters) != len(OUTCOME_LETTERS):
        return None
    return OutcomeTemplates(letters=letters, scope=scope)


def outcome_template(kind: LetterKind, templates: LetterTemplates, ruleset: Ruleset, outcome: Outcome) -> KindTemplate:
    """The template for this letter: the kind's own for a matrix route; for any other outcome of the
    ruleset, its GP letter (the only letter it has). LetterInputError for an outcome the ruleset does
    not list, another kind of letter, or a missing criterion."""
    entry = ruleset.outcome(outcome.route)
    if entry is None:
        raise LetterInputError(
            [f"decision.confirmed_route: {outcome.route} is not an outcome of ruleset {ruleset.id} {ruleset.version}"]
        )
    if entry.kind == "route":
        return templates.kinds[kind]
    if kind != "gp":
        raise LetterInputError([f"kind: {entry.code} has a GP letter only; a {kind} letter is for the matrix routes"])
    criteria = [criterion.code for criterion in entry.criteria or ()]
    if criteria and outcome.criterion not in criteria:
        raise LetterInputError([f"decision.outcome_criterion: required for {entry.code}; one of {', '.join(criteria)}"])
    assert templates.outcomes is not None and entry.letter is not None  # both validated at load
    return templates.outcomes.letters[entry.letter]
