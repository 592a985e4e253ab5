"""The fixture letters (every route, both steps, every risk level, LTC/MUS, overrides) and helpers.

Each case is a ``triage letter`` input object. Names, NHS numbers (999 range, valid check digit) and
addresses are synthetic.
"""

from __future__ import annotations

import copy
import difflib
import io
import os
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest

from triage.letters.command import letter_from_request, parse_letter_input
from triage.letters.letter import Letter
from triage.rules.ruleset import default_ruleset

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("TRIAGE_REGENERATE_GOLDEN") == "1"
TODAY = date(2025, 3, 14)  # only used when a case gives no letter_date

BASE: dict[str, Any] = {
    "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0],
    "gad7": [1, 1, 1, 1, 1, 1, 0],
    "chronicity": "low",
    "complexity": "low",
    "impairment": "low",
    "substance_use": "low",
    "risk": "low",
    "previous_unhelpful_interventions": 0,
    "patient": {
        "given_name": "Alex",
        "family_name": "Example",
        "date_of_birth": "1980-06-15",
        "nhs_number": "999 000 0018",
        "address_lines": ["12 Sample Street", "Balby", "Doncaster"],
        "postcode": "DN4 8AB",
    },
    "gp": {
        "name": "Dr R Okafor",
        "practice_name": "Hexthorpe Medical Practice",
        "address_lines": ["4 Urban Road", "Hexthorpe", "Doncaster"],
        "postcode": "DN4 0AA",
    },
    "referral": {"received_on": "2025-02-20", "source": "gp", "id": "TT-000123"},
    "screener": {"name": "Priya Shah", "role": "Psychological wellbeing practitioner"},
    "service": {
        "name": "Doncaster Talking Therapies",
        "address_lines": ["Chequer Road Clinic", "Chequer Road", "Doncaster DN1 2AA"],
        "phone": "01302 555 0123",
        "local_lines": [
            {"name": "Doncaster mental health crisis line", "phone": "0800 804 8999", "hours": "24 hours"},
            {
                "name": "Duty practitioner, Doncaster Talking Therapies",
                "phone": "01302 555 0199",
                "hours": "9am to 5pm, Monday to Friday",
            },
        ],
    },
    "letter_date": "2025-03-03",
}
# A service's letterhead with none of its own crisis or duty numbers set up: only the national ones print.
NO_LOCAL_LINES = {k: v for k, v in BASE["service"].items() if k != "local_lines"}
# Issue 14, item 1: the risk detail typed in the case seen, none of which reached the summary then.
HIGH_RISK_DETAILS = {
    "risk_answers": [
        {"question": "thoughts", "present": "yes", "detail": "Every day, worse at night"},
        {"question": "intent", "present": "yes", "detail": "will do it this weekend"},
        {"question": "plan", "present": "yes", "detail": "stockpiled tablets"},
        {"question": "history", "present": "yes", "detail": "overdose 2023, ICU"},
    ],
    "protective_factors": "Close to her sister; lives alone",
    "agreed": True,
    "patient_phone": "07700 900123",
    "interpreter_language": "Polish",
    "risk_formulation": "Frequent suicidal thoughts with an active plan disclosed during the call.",
    "gp_letter_sent": True,
    "patient_copy_sent": True,
}
RISK_ACTIONS = (
    "Safety plan agreed and written down with the person; crisis numbers given; the duty clinician "
    "was consulted the same day."
)


def case(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


CASES: dict[str, dict[str, Any]] = {
    # Core IAPT, step 2, low risk; no service details (the default letterhead), a self-referral.
    "core-step2-low-risk": case(service=None, referral={"received_on": "2025-02-20", "source": "self"}),
    # Core IAPT, step 3 by severity (PHQ-9 22 given as a total), medium risk, signposting.
    "core-step3-severity-medium-risk": case(
        phq9=22, gad7=16, chronicity="high", risk="medium",
        decision={"risk_actions": RISK_ACTIONS},
        details={"signposting": ["Doncaster Carers Centre", "Employment advice (IPS)"],
                 "risk_answers": [{"question": q, "present": "no"} for q in ("thoughts", "intent", "plan", "history")],
                 "protective_factors": "Partner and two children at home", "agreed": True,
                 "gp_letter_sent": True},
    ),
    # Core IAPT, step 3 by problem descriptor (PTSD); PHQ-9 item 9 above 0 with risk low.
    "core-step3-ptsd-item9": case(
        phq9=[2, 1, 2, 1, 1, 1, 1, 1, 1], gad7=11, problem_descriptor="ptsd", complexity="medium",
    ),
    # Integrated IAPT for long-term conditions, step 2.
    "integrated-ltc-step2": case(long_term_conditions=["type 2 diabetes", "COPD"], impairment="medium"),
    # Integrated IAPT for MUS, step 3 by a previous unhelpful intervention; PHQ-9 medium (NICE note).
    "integrated-mus-step3": case(
        phq9=[2, 2, 1, 2, 1, 1, 1, 1, 0], medically_unexplained_symptoms=True, previous_unhelpful_interventions=1,
        problem_descriptor="health_anxiety",
        details={"previous_interventions": [{"intervention": "Guided self-help", "outcome": "unhelpful",
                                             "step": "iapt_step_2", "year": 2023}]},
    ),
    # The same, with the GP's confirmation that no physical illness was missed recorded, and its date:
    # the letter thanks the GP instead of asking (issue 15, item 7).
    "integrated-mus-confirmed": case(
        phq9=[2, 2, 1, 2, 1, 1, 1, 1, 0], medically_unexplained_symptoms=True, previous_unhelpful_interventions=1,
        problem_descriptor="health_anxiety",
        details={"previous_interventions": [{"intervention": "Guided self-help", "outcome": "unhelpful",
                                             "step": "iapt_step_2", "year": 2023}],
                 "mus_gp_confirmed": True, "mus_confirmed_on": "2025-02-27"},
    ),
    # CMHT by high complexity and impairment; medium risk; previous interventions and a formulation.
    "cmht-complexity-impairment": case(
        phq9=[2, 2, 2, 2, 2, 2, 2, 1, 1], gad7=[2, 2, 2, 2, 1, 1, 1], complexity="high", impairment="high",
        risk="medium", previous_unhelpful_interventions=2, problem_descriptor="depression",
        decision={"risk_actions": RISK_ACTIONS},
        details={
            "previous_interventions": [
                {"intervention": "Counselling (6 sessions)", "outcome": "unhelpful", "step": "outside_iapt",
                 "year": 2022},
                {"intervention": "CBT", "outcome": "unhelpful", "step": "iapt_step_3", "year": 2024},
                {"intervention": "Sertraline, 2021-2023", "outcome": "partly_helpful"},
            ],
            "risk_formulation": "Regular thoughts of suicide with passive intent, no plan; protective factors are "
            "the person's children and a supportive partner.",
            "risk_answers": [{"question": "thoughts", "present": "yes", "detail": "Most days, passive"},
                             {"question": "intent", "present": "no"}, {"question": "plan", "present": "no"},
                             {"question": "history", "present": "not_asked"}],
            "patient_phone": "01302 000 111",
            "patient_copy_sent": True,
        },
    ),
    # CMHT by three previous unhelpful interventions; no details recorded; high severity.
    # No postal address or other contact details recorded: the summary has no contact section.
    "cmht-previous-interventions": case(phq9=21, gad7=15, previous_unhelpful_interventions=3, chronicity="high",
                                        patient={k: v for k, v in BASE["patient"].items()
                                                 if k not in ("address_lines", "postcode")}),
    # Crisis team: high risk, confirmed as recommended, with why the crisis team and not the CMHT.
    "crisis-high-risk": case(
        phq9=[3, 3, 3, 2, 2, 2, 3, 2, 3], gad7=[3, 3, 2, 2, 2, 2, 3], risk="high",
        decision={"confirmed_route": "crisis_team", "risk_actions": RISK_ACTIONS,
                  "override_reason": "Active plan for tonight; not known to the CMHT; home assessment today."},
        details=HIGH_RISK_DETAILS,
    ),
    # Override: high risk, CMHT chosen instead of the crisis team, with a reason.
    "override-crisis-to-cmht": case(
        phq9=20, gad7=14, risk="high", complexity="high",
        decision={
            "confirmed_route": "cmht",
            "override_reason": "Already open to the CMHT care coordinator, seen yesterday; crisis plan in place.",
            "risk_actions": RISK_ACTIONS,
        },
    ),
    # Substance misuse services: substance use high, risk low, from Jobcentre Plus.
    "substance-misuse": case(
        substance_use="high", referral={"received_on": "2025-02-20", "source": "jobcentre", "id": "TT-000124"},
        service=NO_LOCAL_LINES,
    ),
    # Override: the matrix says CMHT (complexity high); the team chose core IAPT step 3, with a reason.
    "override-cmht-to-core-step3": case(
        complexity="high", phq9=14, gad7=12,
        decision={"confirmed_route": "core_iapt", "confirmed_step": 3,
                  "override_reason": "Second problem is a specific phobia manageable within step 3 CBT; discussed in supervision.",
                  "in_meeting": True},
    ),
    # Override of the step only: core IAPT step 2 recommended, step 3 chosen.
    "override-step2-to-step3": case(
        decision={"confirmed_step": 3, "override_reason": "Person's preference after two prior self-help books; discussed with the team."},
        letter_date=None,
    ),
    # Outcomes other than a route (issue 15, item 2): a GP letter each, giving the criterion that applied
    # and what the service can and cannot help with.
    "not-suitable-substance": case(
        substance_use="high",
        decision={"confirmed_route": "not_suitable", "outcome_criterion": "substance_primary",
                  "override_reason": "Drinks daily from the morning and wants help with the drinking first."},
        details={"signposting": ["Doncaster drug and alcohol service (self-referral)"]},
    ),
    "no-contact": case(
        decision={"confirmed_route": "no_contact",
                  "override_reason": "Three calls on different days and an opt-in letter; no reply in 14 days."},
        details={"signposting": ["Samaritans, 116 123"]},
    ),
    "declined": case(
        decision={"confirmed_route": "declined",
                  "override_reason": "Feels better since returning to work and does not want therapy now."},
    ),
    "refer-on-debt-advice": case(
        decision={"confirmed_route": "debt_advice",
                  "override_reason": "Low mood is driven by rent arrears; wants debt advice before anything else."},
    ),
}  # fmt: skip

MATRIX_ROUTES = ("core_iapt", "integrated_iapt", "cmht", "crisis_team", "substance_misuse")


def kinds_for(data: dict[str, Any]) -> list[str]:
    """Every kind of letter a case makes: a referral-on summary only for routes outside IAPT, and a GP
    letter only for an outcome other than a matrix route."""
    if _route(data) not in MATRIX_ROUTES:
        return ["gp"]
    return ["gp", "patient"] + ([] if _route(data) in ("core_iapt", "integrated_iapt") else ["referral-on"])


def _route(data: dict[str, Any]) -> str:
    request = parse_letter_input(data)
    routing, _ = letter_from_request(request, "gp", default_ruleset(), TODAY)
    return (
        request.decision.confirmed_route if request.decision and request.decision.confirmed_route else None
    ) or routing.route


def build(data: dict[str, Any], kind: str) -> Letter:
    request = parse_letter_input(data)
    _, letter = letter_from_request(request, kind, default_ruleset(), TODAY)  # type: ignore[arg-type]
    return letter


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text as pypdf extracts it, whitespace normalised."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def golden_text(pages: list[str]) -> str:
    """The golden file form: a header per page and the text wrapped, so a change reads as a diff."""
    out = []
    for number, text in enumerate(pages, start=1):
        out.append(f"=== page {number} ===")
        out += textwrap.wrap(text, width=100, break_long_words=False, break_on_hyphens=False)
    return "\n".join(out) + "\n"


def normalised(text: str) -> str:
    return " ".join(text.split())


def matches_golden(path: Path, actual: str, what: str) -> None:
    """``actual`` against the golden file ``path``, whitespace aside; with TRIAGE_REGENERATE_GOLDEN=1 the
    file is written instead, to be reviewed as a diff (never in CI: there every golden is compared)."""
    if REGENERATE:
        if os.environ.get("CI"):
            pytest.fail("TRIAGE_REGENERATE_GOLDEN is set in CI: goldens are compared there, never rewritten")
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        pytest.skip(f"regenerated {path.name}: review git diff before committing")
    assert path.exists(), f"no golden {path.name}; run with TRIAGE_REGENERATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    if normalised(expected) != normalised(actual):
        diff = "\n".join(
            difflib.unified_diff(expected.splitlines(), actual.splitlines(), "golden", "built", lineterm="", n=1)
        )
        pytest.fail(f"{path.name} differs from the {what} built (TRIAGE_REGENERATE_GOLDEN=1 to accept):\n{diff}")
