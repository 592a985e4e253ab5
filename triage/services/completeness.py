"""What a referral's record still lacks (issue 15, item 8; docs/journey.md, "What is missing").

One pure function over the record, so the app's record view and ``triage referrals show`` say the same:
of the problem descriptor, the risk questions, PHQ-9, GAD-7, the employment status, the referral
source and the journey's dates, the items not recorded yet. The referral source and the received date
are required when a referral is made, a screening cannot be saved without its PHQ-9, GAD-7 and risk
rating, and saving one records the first contact's date where none was: so before the first screening
the screening's parts are what is missing, and after it its optional ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

# In the order the issue lists them; each is the words the record shows.
NOT_SCREENED = ("problem descriptor", "risk", "PHQ-9", "GAD-7", "employment status")
# Every item ``missing`` may name, in the order a report lists them (the risk questions: asked at a
# screening, when the risk rating itself is recorded).
ITEMS = ("problem descriptor", "risk", "risk questions", "PHQ-9", "GAD-7", "employment status")


# What ``missing`` reads of a record: its latest screening's problem descriptor, risk answers and
# assessment. A ReferralRecord is one; the reports hand in the same parts, read for many at once.
class RiskAnswered(Protocol):
    @property
    def present(self) -> str: ...


class RiskRecorded(Protocol):
    @property
    def answers(self) -> Sequence[RiskAnswered]: ...


class ScreeningRecorded(Protocol):
    @property
    def problem_descriptor(self) -> str | None: ...
    @property
    def risk_details(self) -> RiskRecorded: ...
    @property
    def assessment(self) -> Mapping[str, Any]: ...


class Recorded(Protocol):
    @property
    def screening(self) -> ScreeningRecorded | None: ...


def missing(record: Recorded) -> tuple[str, ...]:
    """The items of the record not yet recorded, in words; () when it is complete."""
    screening = record.screening
    if screening is None:
        gaps = list(NOT_SCREENED)
    else:
        circumstances = screening.assessment.get("circumstances") or {}
        asked = any(answer.present != "not_asked" for answer in screening.risk_details.answers)
        gaps = [name for name, absent in (
            ("problem descriptor", screening.problem_descriptor is None),
            ("risk questions", not asked),
            ("employment status", circumstances.get("employment_status") is None),
        ) if absent]  # fmt: skip
    return tuple(gaps)


def missing_line(record: Recorded) -> str:
    """The record's completeness in one line, as both record views show it."""
    gaps = missing(record)
    return "nothing (complete)" if not gaps else ", ".join(gaps)
