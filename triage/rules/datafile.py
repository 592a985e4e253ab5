"""Reading the YAML data files under ``resources/`` strictly.

PyYAML silently keeps the last of two equal keys; in a ruleset that would hide an overlapping
rule, so a duplicate key is an error here, reported with its line.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError


class StrictModel(BaseModel):
    """The base of every data-file schema: unknown keys are errors, nothing is coerced, nothing changes."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class UnusableDataFile(Exception):
    """A data file (a ruleset, letter templates) that must not be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class DataFileError(ValueError):
    """A data file that cannot be read or parsed; the message names the file and line."""


# libyaml's parser when PyYAML was built with it (about 5x faster); the duplicate-key check below is
# in the constructor, which both loaders share. The type checker is shown the pure-Python loader.
if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):
    pass


def _mapping_without_duplicates(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Hashable, Any]:
    loader.flatten_mapping(node)
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise DataFileError(f"line {line}: the key {key!r} appears twice in the same mapping")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, name: str = "<data>") -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except DataFileError as exc:
        raise DataFileError(f"{name}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise DataFileError(f"{name}: {where}: {problem}") from None


def loc_to_path(loc: Sequence[int | str]) -> str:
    """Render a pydantic error location as ``cells[3].variable``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "input"


def validation_problems(exc: ValidationError) -> list[str]:
    """One line per schema error, ``where: what``, worded for the person editing the file."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = tuple("schema" if part == "schema_" else part for part in error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "literal_error":
            message = f"unknown value; {message[0].lower()}{message[1:]}"
        problems.append(f"{loc_to_path(loc)}: {message}")
    return problems
