"""The matrix cells' short labels (``resources/matrix-labels.yaml``): a few words for each (variable,
level) cell, so that the whole matrix fits one projector screen in large type (issue 16, item 4).

The ruleset's full definitions stay the authority; a short label only names the cell. The file is
checked against the ruleset it labels: every variable and level labelled, nothing unknown, no label too
long for its cell. A ruleset the file does not list is labelled by its level names
(``Ruleset.document.levels``), never by words made up in code.
"""

from __future__ import annotations

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


class CellLabelsFile(StrictModel):
    version: Literal[1]
    rulesets: dict[str, dict[VariableId, dict[Level, ShortText]]]


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


def cell_labels(ruleset: Ruleset, labels: CellLabelsFile | None = None) -> dict[CellKey, str]:
    """Each cell's short label for ``ruleset``: from the file when it lists the ruleset (every cell
    labelled, or CellLabelsError naming each gap), else the ruleset's own name of the level."""
    found = (labels or shipped_cell_labels()).rulesets.get(ruleset.id)
    if found is None:
        return {(v, level): ruleset.document.levels[level] for v in VARIABLES for level in LEVELS}
    missing = [f"rulesets.{ruleset.id}.{v}.{level}: no short label" for v in VARIABLES for level in LEVELS
               if level not in found.get(v, {})]  # fmt: skip
    if missing:
        raise CellLabelsError(CELL_LABELS_FILE, missing)
    return {(v, level): found[v][level] for v in VARIABLES for level in LEVELS}
