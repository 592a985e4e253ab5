from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from triage.resources import resource_path
from triage.rules.ruleset import Ruleset, load_ruleset

SHIPPED = resource_path("rules", "doncaster-2007.yaml")


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_ruleset(SHIPPED)


@pytest.fixture(scope="session")
def shipped_document() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


@pytest.fixture
def write_ruleset(tmp_path: Path, shipped_document: dict[str, Any]) -> Callable[..., Path]:
    """Write a changed copy of the shipped ruleset; ``change`` edits the parsed document in place.
    The declared hash is dropped unless ``keep_hash`` (a changed file cannot keep its old hash)."""

    def write(change: Callable[[dict[str, Any]], None] | None = None, keep_hash: bool = False) -> Path:
        document = copy.deepcopy(shipped_document)
        if not keep_hash:
            document.pop("sha256", None)
        if change:
            change(document)
        path = tmp_path / "ruleset.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    return write


def screening_data(**overrides: Any) -> dict[str, Any]:
    """A valid all-low screening as the JSON contract takes it, with overrides."""
    data: dict[str, Any] = {
        "phq9": [0] * 9,
        "gad7": [0] * 7,
        "chronicity": "low",
        "complexity": "low",
        "impairment": "low",
        "substance_use": "low",
        "risk": "low",
        "previous_unhelpful_interventions": 0,
    }
    data.update(overrides)
    return data
