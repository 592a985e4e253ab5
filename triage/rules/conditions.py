"""The long-term physical conditions and kinds of medically unexplained symptoms (MUS) shipped for
the screening form: ``resources/conditions.yaml``, checked strictly when read.

They are the defaults of the service's own lists (``ServiceSettings.long_term_conditions`` and
``medically_unexplained_symptoms``, edited in Settings): the form offers the service's lists; these
are what a new store starts with and what "Restore the shipped lists" puts back."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from triage.resources import resource_path
from triage.rules.datafile import read_yaml

CONDITIONS_FILE = "conditions.yaml"


class ConditionLists(BaseModel):
    """The long-term conditions and kinds of MUS offered on the form, with where the lists come from."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    source: Annotated[str, Field(min_length=1)]
    long_term_conditions: tuple[Annotated[str, Field(min_length=1)], ...] = Field(strict=False, min_length=1)
    medically_unexplained_symptoms: tuple[Annotated[str, Field(min_length=1)], ...] = Field(strict=False, min_length=1)


@lru_cache(maxsize=1)
def shipped_condition_lists() -> ConditionLists:
    """The shipped lists, read once."""
    return ConditionLists.model_validate(read_yaml(resource_path(CONDITIONS_FILE)))
