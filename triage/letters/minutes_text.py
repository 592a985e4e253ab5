"""The minutes' wording as data (``resources/letters/minutes.yaml``), checked at load as the letter
templates are (templates.py): unknown keys, a missing label and an unknown placeholder fail the load,
never the printing of the minutes at the end of a meeting."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from triage.letters.templates import LetterTemplateError, Text, _load, placeholders
from triage.resources import resource_path
from triage.rules.datafile import StrictModel


class Details(StrictModel):
    date: Text
    chair: Text
    attendees: Text
    meeting: Text


class Headings(StrictModel):
    cases: Text
    actions: Text
    deferred: Text
    ruleset: Text
    closed: Text


class MinutesText(StrictModel):
    schema_: Literal[1] = Field(alias="schema")
    title: Text
    font_size: Annotated[float, Field(ge=10, le=14, strict=False)]
    details: Details
    headings: Headings
    cases_header: Annotated[list[Text], Field(min_length=4, max_length=4)]
    actions_header: Annotated[list[Text], Field(min_length=4, max_length=4)]
    deferred_header: Annotated[list[Text], Field(min_length=2, max_length=2)]
    none: Text
    not_recorded: Text
    closed: Text
    later_pages: Text
    footer_left: Text
    footer_rules: Text


# The placeholders each text may use (any other text uses none).
FIELDS: dict[str, frozenset[str]] = {
    "closed": frozenset({"closed_on", "closed_time", "closed_by"}),
    "later_pages": frozenset({"service_name", "held_on"}),
    "footer_left": frozenset({"service_name", "held_on", "meeting_id"}),
}


def load_minutes_text(path: Path | str | None = None) -> MinutesText:
    """Load and check the minutes' wording (default: the shipped ``resources/letters/minutes.yaml``)."""
    path = Path(path) if path is not None else resource_path("letters", "minutes.yaml")
    problems: list[str] = []
    text: MinutesText | None = _load(path, MinutesText, problems)
    if text is not None:
        problems += _placeholder_problems(text)
    if problems or text is None:
        raise LetterTemplateError(str(path), problems)
    return text


@lru_cache(maxsize=1)
def default_minutes_text() -> MinutesText:
    return load_minutes_text()


def _placeholder_problems(text: MinutesText) -> list[str]:
    problems = []
    for name, value in text.model_dump(exclude={"schema_", "font_size"}).items():
        values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        for item in values:
            try:
                used = placeholders(item)
            except ValueError as exc:
                problems.append(f"minutes.yaml: {name}: {exc}")
                continue
            problems += [f"minutes.yaml: {name}: unknown placeholder {{{unknown}}}"
                         for unknown in sorted(used - FIELDS.get(name, frozenset()))]  # fmt: skip
    return problems
