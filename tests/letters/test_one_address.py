"""The patient's address has one source in a letter's input, ``patient`` (its lines and postcode):
the referral-on summary's contact details and the patient copy read it from there, and
``details.patient_postcode``, a second copy that could disagree, is no longer taken."""

from __future__ import annotations

import copy

import pytest

from tests.letters.cases import CASES, build
from triage.letters.command import parse_letter_input
from triage.letters.particulars import LetterInputError


def test_a_second_postcode_in_the_details_is_refused_naming_the_field() -> None:
    data = copy.deepcopy(CASES["crisis-high-risk"])
    data["details"]["patient_postcode"] = "DN4 5AB"
    with pytest.raises(LetterInputError) as refused:
        parse_letter_input(data)
    assert any(problem.startswith("details") for problem in refused.value.problems), refused.value.problems


def test_the_summary_gives_the_patients_own_postcode_when_no_address_lines_are_recorded() -> None:
    data = copy.deepcopy(CASES["crisis-high-risk"])
    data["patient"].pop("address_lines")  # an older record: the postcode alone
    summary = " ".join(build(data, "referral-on").paragraphs)
    assert "Postcode: DN4 8AB" in summary
    full = " ".join(build(CASES["crisis-high-risk"], "referral-on").paragraphs)
    assert "12 Sample Street, Balby, Doncaster, DN4 8AB" in full and "Postcode:" not in full
