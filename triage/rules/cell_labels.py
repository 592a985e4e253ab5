"""The matrix cells' short labels (``resources/matrix-labels.yaml``): a few words for each (variable,
level) cell, so that the whole matrix fits one projector screen in large type (issue 16, item 4).

The ruleset's full definitions stay the authority; a short label only names the cell. The file is
checked against the ruleset it labels: every variable and level labelled, nothing unknown, no label too
long for its cell. A ruleset the file does not list is labelled by its level names
(``Ruleset.document.levels``), never by words made up in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import StringConstraints, ValidationError

from triage.resources import resource_path
from triage.rules.datafile import DataFileError, StrictModel, UnusableDataFile, read_yaml, validation_problems
from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import LEVELS, VARIABLES, Level, VariableId

CELL_LABELS_FILE = "matrix-labels.yaml"
LONGEST = 26  # characters: one line of a cell at 1280x720 in 24 px type
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LONGEST)]
CellKey = tuple[VariableId, Level]


class CellLabelsError(UnusableDataFile):
    """A short-labels file that must not be used; ``problems`` lists every reason found."""


class RulesetLabels(StrictModel):
    variables: dict[VariableId, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] = {}
    cells: dict[VariableId, dict[Level, ShortText]]


class CellLabelsFile(StrictModel):
    version: Literal[1]
    rulesets: dict[str, RulesetLabels]


@dataclass(frozen=True)
class ShortLabels:
    """What the grid writes in each cell, and in each row's heading (a variable's own label unless the
    file gives a shorter one)."""

    cells: dict[CellKey, str]
    variables: dict[VariableId, str]


def load_cell_labels(path: Path | str) -> CellLabelsFile:
    """Read and check the file's own shape (each ruleset's coverage is checked by ``cell_labels``)."""
    path = Path(path)
    try:
        raw = read_yaml(path)
        return CellLabelsFile.model_validate(raw)
    except DataFileError as exc:
        raise CellLabelsError(str(path), [str(exc)]) from None
    except ValidationError as exc:
        raise CellLabelsError(str(path), validation_problems(exc)) from None


@lru_cache(maxsize=1)
def shipped_cell_labels() -> CellLabelsFile:
    return load_cell_labels(resource_path(CELL_LABELS_FILE))


def cell_labels(ruleset: Ruleset, labels: CellLabelsFile | None = None) -> ShortLabels:
    """The short labels for ``ruleset``: from the file when it lists the ruleset (every cell labelled,
    or CellLabelsError naming each gap), else the ruleset's own names of the levels and variables."""
    found = (labels or shipped_cell_labels()).rulesets.get(ruleset.id)
    names = dict(ruleset.variable_labels)
    if found is None:
        return ShortLabels({(v, level): ruleset.document.levels[level] for v in VARIABLES for level in LEVELS}, names)
    missing = [f"rulesets.{ruleset.id}.cells.{v}.{level}: no short label" for v in VARIABLES for level in LEVELS
               if level not in found.cells.get(v, {})]  # fmt: skip
    if missing:
        raise CellLabelsError(CELL_LABELS_FILE, missing)
    cells = {(v, level): found.cells[v][level] for v in VARIABLES for level in LEVELS}
    return ShortLabels(cells, {**names, **found.variables})
