"""Every coded value a person reads has its label (resources/labels.yaml, the ruleset for routes),
and a broken labels file is refused at load, naming the file and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.labels import LABELS_FILE, LabelsError, labels, load_labels
from triage.resources import resource_path
from triage.rules.datafile import UnusableDataFile, read_yaml
from triage.rules.ruleset import default_ruleset
from triage.rules.vocabulary import PROBLEM_DESCRIPTORS, ROUTES
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

SHIPPED = resource_path(LABELS_FILE)
# Each mapping of labels.yaml and the closed vocabulary it labels, written out here rather than taken
# from triage.labels, so the test does not check the module against itself.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "statuses": REFERRAL_STATUSES,
    "sources": REFERRAL_SOURCES,
    "problem_descriptors": PROBLEM_DESCRIPTORS,
    "intervention_outcomes": INTERVENTION_OUTCOMES,
    "intervention_steps": INTERVENTION_STEPS,
    "roles": ROLES,
    "letter_kinds": LETTER_KINDS,
    "risk_questions": RISK_QUESTIONS,
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


@pytest.mark.parametrize("name", sorted(VOCABULARIES))
def test_every_code_of_the_vocabulary_has_a_label(name: str) -> None:
    given: dict[str, str] = getattr(labels(), name)
    for code in VOCABULARIES[name]:
        assert given.get(code, "").strip(), f"{name}: {code} has no label"


@pytest.mark.parametrize("name", sorted(VOCABULARIES))
def test_the_file_labels_no_code_the_vocabulary_does_not_define(name: str) -> None:
    raw = read_yaml(SHIPPED)  # the file as written, before the schema could drop or refuse anything
    assert set(raw[name]) <= set(VOCABULARIES[name])


def test_the_file_holds_the_labels_and_its_version_only() -> None:
    assert set(read_yaml(SHIPPED)) == {"version", *VOCABULARIES}
    assert labels().version == 1


def test_the_ruleset_names_every_route() -> None:
    route_labels = default_ruleset().route_labels
    assert tuple(route_labels) == ROUTES  # in the vocabulary's order: the route filter lists them so
    assert all(label.strip() for label in route_labels.values())
    assert route_labels["core_iapt"] == default_ruleset().document.iapt_routes.core.label
    assert route_labels["cmht"] == default_ruleset().destination_labels["cmht"]


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / LABELS_FILE
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("  closed: Closed\n", "", "statuses: no label for closed"),
        ("  admin: Admin\n", "", "roles: no label for admin"),
        ("  closed: Closed\n", "  closed: Closed\n  reopened: Reopened\n", "statuses.reopened: not a code"),
        ("  gp: GP\n", "  gp: '  '\n", "sources.gp: String should have at least 1 character"),
        ("version: 1\n", "version: 2\n", "version: unknown value"),
        ("version: 1\n", "", "version: Field required"),
        ("version: 1\n", "version: 1\ncolours: {}\n", "colours: unknown key"),
        ("  panic: Panic disorder\n", "  panic: Panic disorder\n  panic: Panic\n", "the key 'panic' appears twice"),
        ("statuses:\n", "statuses: [\n", "line"),
    ],
)  # fmt: skip
def test_a_broken_labels_file_is_refused_naming_the_problem(tmp_path: Path, old: str, new: str, problem: str) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(LabelsError) as caught:
        load_labels(path)
    assert isinstance(caught.value, UnusableDataFile)  # the one "unusable data file" error
    assert any(problem in line for line in caught.value.problems), caught.value.problems
    assert str(caught.value).startswith(str(path))


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / LABELS_FILE
    path.write_text("- Received\n- Contacted\n", encoding="utf-8")
    with pytest.raises(LabelsError, match="one mapping of labels"):
        load_labels(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LabelsError, match="cannot be read"):
        load_labels(tmp_path / LABELS_FILE)
