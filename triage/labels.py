"""What a person reads for each coded value: referral statuses, sources, problem descriptors,
intervention outcomes, roles and letter kinds, from ``resources/labels.yaml``. No Qt here, so the
screens, reports and command line share one set of words.

Route and destination names are not here: they belong to the ruleset in force
(``Ruleset.route_labels``, ``Ruleset.destination_labels``). The file is checked at load like every
data file: an unknown key, a code the vocabulary does not define or a code left without its label
fails with one ``LabelsError`` naming every problem, never a half-labelled screen.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import StringConstraints, ValidationError

from triage.resources import resource_path
from triage.rules.datafile import DataFileError, StrictModel, UnusableDataFile, read_yaml, validation_problems
from triage.rules.vocabulary import PROBLEM_DESCRIPTORS
from triage.store.vocabulary import (
    CLOSE_REASONS,
    CONTACT_CHANNELS,
    CONTACT_KINDS,
    CONTACT_OUTCOMES,
    CORRECTION_REASONS,
    IDENTITY_FIELDS,
    INAPPROPRIATE_REASONS,
    INTERVENTION_OUTCOMES,
    INTERVENTION_STEPS,
    LETTER_KINDS,
    MERGE_REASONS,
    REFERRAL_SOURCES,
    REFERRAL_STATUSES,
    RETURNED_FROM,
    RISK_QUESTIONS,
    ROLES,
)

LABELS_FILE = "labels.yaml"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class LabelsError(UnusableDataFile):
    """A labels file that must not be used; ``problems`` lists every reason found."""


class Labels(StrictModel):
    """The schema of ``resources/labels.yaml``: one mapping of code to label per vocabulary. Keyed by
    str, as the store and services hand codes on; which codes belong is checked against VOCABULARIES."""

    version: Literal[1]
    statuses: dict[str, Text]
    sources: dict[str, Text]
    problem_descriptors: dict[str, Text]
    intervention_outcomes: dict[str, Text]
    intervention_steps: dict[str, Text]
    risk_questions: dict[str, Text]
    roles: dict[str, Text]
    letter_kinds: dict[str, Text]
    identity_fields: dict[str, Text]
    correction_reasons: dict[str, Text]
    merge_reasons: dict[str, Text]
    returned_from: dict[str, Text]  # the service a referral came back from (the ping-pong record)
    contact_kinds: dict[str, Text]
    contact_channels: dict[str, Text]
    contact_outcomes: dict[str, Text]
    close_reasons: dict[str, Text]
    inappropriate_reasons: dict[str, Text]


# Each mapping of the file and the closed vocabulary it labels, every code and no other.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "statuses": REFERRAL_STATUSES,
    "sources": REFERRAL_SOURCES,
    "problem_descriptors": PROBLEM_DESCRIPTORS,
    "intervention_outcomes": INTERVENTION_OUTCOMES,
    "intervention_steps": INTERVENTION_STEPS,
    "risk_questions": RISK_QUESTIONS,
    "roles": ROLES,
    "letter_kinds": LETTER_KINDS,
    "identity_fields": IDENTITY_FIELDS,
    "correction_reasons": CORRECTION_REASONS,
    "merge_reasons": MERGE_REASONS,
    "returned_from": RETURNED_FROM,
    "contact_kinds": CONTACT_KINDS,
    "contact_channels": CONTACT_CHANNELS,
    "contact_outcomes": CONTACT_OUTCOMES,
    "close_reasons": CLOSE_REASONS,
    "inappropriate_reasons": INAPPROPRIATE_REASONS,
}


def load_labels(path: Path | str) -> Labels:
    """Load and fully check a labels file."""
    path = Path(path)
    try:
        raw = read_yaml(path)
    except DataFileError as exc:
        raise LabelsError(str(path), [str(exc)]) from None
    if not isinstance(raw, dict):
        raise LabelsError(str(path), ["the file must hold one mapping of labels"])
    try:
        found = Labels.model_validate(raw)
    except ValidationError as exc:
        raise LabelsError(str(path), validation_problems(exc)) from None
    problems = [line for name, codes in VOCABULARIES.items() for line in _coverage(name, getattr(found, name), codes)]
    if problems:
        raise LabelsError(str(path), problems)
    return found


@lru_cache(maxsize=1)
def labels() -> Labels:
    """The shipped labels, read once."""
    return load_labels(resource_path(LABELS_FILE))


def _coverage(name: str, given: dict[str, str], codes: tuple[str, ...]) -> list[str]:
    missing = [f"{name}: no label for {code}" for code in codes if code not in given]
    known = ", ".join(codes)
    unknown = [f"{name}.{code}: not a code of this vocabulary (known: {known})" for code in given if code not in codes]
    return missing + unknown
