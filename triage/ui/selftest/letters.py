"""Step "letters": the letter templates and reportlab build every kind of letter.

It builds each kind of letter (GP, patient, referral-on) for a built-in synthetic case and checks each
is a PDF with pages; the letters are kept on the run for the render step. The synthetic case is not a
person: its NHS number is in the 999 test range.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from triage.ui.selftest.runner import Run, StepFailed

LETTER_DATE = date(2025, 3, 3)
# The built-in synthetic case: complexity high sends it to the CMHT, so all three letters apply.
# NHS number 999 000 0018 is in the test range (valid check digit, never issued to a person).
SYNTHETIC_CASE: dict[str, Any] = {
    "phq9": [2, 1, 2, 1, 1, 1, 1, 1, 0],
    "gad7": [1, 2, 1, 1, 1, 1, 0],
    "chronicity": "medium",
    "complexity": "high",
    "impairment": "medium",
    "substance_use": "low",
    "risk": "low",
    "previous_unhelpful_interventions": 1,
    "patient": {
        "given_name": "Sam",
        "family_name": "Selftest",
        "date_of_birth": "1980-06-15",
        "nhs_number": "999 000 0018",
    },
    "gp": {
        "name": "Dr A Example",
        "practice_name": "Example Medical Practice",
        "address_lines": ["1 Example Road", "Doncaster"],
        "postcode": "DN1 1AA",
    },
    "referral": {"received_on": "2025-02-20", "source": "gp", "id": "SELFTEST-1"},
    "screener": {"name": "Self Test", "role": "Psychological wellbeing practitioner"},
    "letter_date": LETTER_DATE.isoformat(),
}
LETTER_KINDS = ("gp", "patient", "referral-on")


def check(run: Run) -> str:
    from triage.letters import LetterInputError, LetterTemplateError
    from triage.letters.command import letter_from_request, parse_letter_input
    from triage.rules.ruleset import default_ruleset

    try:
        request = parse_letter_input(SYNTHETIC_CASE)
        ruleset = default_ruleset()
        for kind in LETTER_KINDS:
            _, letter = letter_from_request(request, kind, ruleset, LETTER_DATE)  # type: ignore[arg-type]
            if not letter.pdf.startswith(b"%PDF-") or letter.pages < 1:
                raise StepFailed(f"the {kind} letter is not a PDF with pages")
            run.letters[kind] = letter
    except LetterInputError as exc:
        raise StepFailed("the synthetic case was refused: " + "; ".join(exc.problems)) from None
    except LetterTemplateError as exc:
        raise StepFailed(f"the letter templates {exc.source} cannot be used: " + "; ".join(exc.problems)) from None
    return ", ".join(f"{kind} ({run.letters[kind].pages} p)" for kind in LETTER_KINDS) + " built"
