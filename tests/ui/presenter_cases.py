"""Cases for the presenter view's tests, as ``presenter_case`` builds them (tests/store/test_presenter_case.py
builds them from real referrals): every row from the ruleset, so the words are the ruleset's."""

from __future__ import annotations

from collections.abc import Mapping

from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import VARIABLES
from triage.services.meeting_types import PresenterCase, PresenterRow

FULL_NAME = "Zofia Testfamilyname"  # synthetic
HIGH_RISK_LEVELS = {"severity": "medium", "chronicity": "high", "complexity": "medium", "impairment": "medium",
                    "substance_use": "low", "risk": "high", "previous_unhelpful_interventions": "medium"}  # fmt: skip


def sample_case(ruleset: Ruleset, levels: Mapping[str, str] = HIGH_RISK_LEVELS, *, name: str | None = None,
                reference: str = "DON-000123") -> PresenterCase:  # fmt: skip
    rows = tuple(
        PresenterRow(
            variable=v,
            label=ruleset.variable_labels[v],
            level=levels[v],
            level_label=ruleset.document.levels[levels[v]],  # type: ignore[index]
            definition=ruleset.variable(v).definitions[levels[v]],  # type: ignore[index]
            destinations=tuple(ruleset.destination_labels[c] for c in ruleset.cell_destinations[(v, levels[v])]),  # type: ignore[index]
            note="thoughts most days, no plan" if v == "risk" else None,
        )
        for v in VARIABLES
    )
    return PresenterCase(
        referral_id="r-1", reference=reference, initials="Z. T.", name=name, rows=rows,
        fired=(("DaSH CRHTT", "DaSH CRHTT is indicated by Risk high."), ("DaSH CMHT", "DaSH CMHT is indicated by Risk high."),
               ("PCT IAPT Primary Care Team", "PCT IAPT Primary Care Team is indicated by Severity medium, Chronicity high, "
                "Complexity medium, Impairment medium, Substance use low and Number of previous interventions with "
                "unhelpful outcomes medium.")),
        recommendation="DaSH CRHTT", decided="DaSH CMHT (changed: known to the CMHT care coordinator)",
        risk=(("Thoughts of suicide or harm to self or others", "Yes (most days)"), ("Intent to act on them", "No"),
              ("A plan", "No"), ("History of self-harm, suicide attempts or harm to others", "Yes (overdose 2019)")),
        protective_factors="Two children; a supportive sister",
        actions="Safety plan agreed; crisis numbers given; contacted Duty senior PWP at 03/03/2025 10:42",
        question="Crisis team or CMHT? Known to the CMHT care coordinator since 2023",
        reasons=("risk is high", "the screener chose another route than the matrix's", "sent to the meeting by the screener"),
        history=("Referral received 09/01/2023 (Self-referral), closed: no decision",
                 "This referral came back from Community mental health team (CMHT) (received 03/03/2025)"),
        screened_by="pwp.one", waited_days=4,
    )  # fmt: skip
