"""The matrix cells' short labels (resources/matrix-labels.yaml) are checked at load: every cell of a
listed ruleset labelled, nothing unknown, nothing too long for its cell; an unlisted ruleset is shown
with its own level names."""

from __future__ import annotations

from dataclasses import replace

import pytest

from triage.rules.cell_labels import CellLabelsError, cell_labels, load_cell_labels
from triage.rules.ruleset import default_ruleset
from triage.rules.vocabulary import LEVELS, VARIABLES

RULESET = default_ruleset()


def test_the_shipped_labels_cover_every_cell_of_the_shipped_ruleset() -> None:
    labels = cell_labels(RULESET)
    assert set(labels.cells) == {(v, level) for v in VARIABLES for level in LEVELS}
    assert labels.cells[("risk", "high")] == "Strong intent, active plan"
    assert labels.variables["previous_unhelpful_interventions"] == "Previous unhelpful interventions"
    assert labels.variables["risk"] == "Risk"  # the ruleset's own, where the file gives no shorter one


def write(tmp_path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "labels.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_missing_cell_label_is_named(tmp_path) -> None:
    path = write(
        tmp_path, "version: 1\nrulesets:\n  doncaster-2007:\n    cells:\n      risk: {low: Low, medium: Some}\n"
    )
    with pytest.raises(CellLabelsError) as raised:
        cell_labels(RULESET, load_cell_labels(path))
    assert "rulesets.doncaster-2007.cells.risk.high: no short label" in raised.value.problems
    assert "rulesets.doncaster-2007.cells.severity.low: no short label" in raised.value.problems


@pytest.mark.parametrize("body, problem", [
    ("version: 1\nrulesets:\n  x:\n    cells:\n      mood: {low: a}\n", "rulesets.x.cells.mood"),
    ("version: 1\nrulesets:\n  x:\n    cells:\n      risk: {extreme: a}\n", "rulesets.x.cells.risk.extreme"),
    ("version: 1\nrulesets:\n  x:\n    cells:\n      risk: {low: " + "a" * 27 + "}\n", "rulesets.x.cells.risk.low"),
    ("version: 1\nrulesets:\n  x:\n    cell: {}\n", "rulesets.x.cell: unknown key"),
], ids=["unknown-variable", "unknown-level", "too-long", "unknown-key"])  # fmt: skip
def test_an_unknown_or_too_long_label_fails_the_load(tmp_path, body: str, problem: str) -> None:
    with pytest.raises(CellLabelsError) as raised:
        load_cell_labels(write(tmp_path, body))
    assert any(line.startswith(problem) for line in raised.value.problems), raised.value.problems


def test_a_ruleset_the_file_does_not_list_is_labelled_by_its_level_names() -> None:
    other = replace(RULESET, document=RULESET.document.model_copy(update={"id": "another-service"}))
    labels = cell_labels(other)
    assert labels.cells[("risk", "high")] == "High" and labels.variables == RULESET.variable_labels
