"""The heading above a screening: who the person is, how they were referred, their earlier referrals
(the IAPT <-> CMHT "ping-pong" made visible) and a possible duplicate. Rich text, every value escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from triage.labels import labels
from triage.rules.ruleset import Ruleset
from triage.services import HistoryEntry
from triage.ui.referral_list import nhs_display, uk_date


def referral_heading(referral: Any, earlier: list[HistoryEntry], ruleset: Ruleset) -> str:
    """``referral`` is a loaded Referral as ``get_referral`` returns it (the UI names no store model);
    ``earlier`` the person's other referrals, oldest first."""
    person = referral.person
    practice = referral.gp_practice.name if referral.gp_practice else "no practice recorded"
    lines = [
        f"<b>{escape(person.given_name)} {escape(person.family_name.upper())}</b> · NHS {nhs_display(person.nhs_number)}"
        f" · born {uk_date(person.date_of_birth)}",
        f"Referred {uk_date(referral.received_on)} by {escape(labels().sources[referral.source])}"
        f" · {escape(practice)}"
        + (f" · interpreter: {escape(referral.interpreter_language)}" if referral.interpreter_language else ""),
    ]
    if earlier:
        lines.append(
            "Earlier referrals: "
            + "; ".join(
                f"{uk_date(h.received_on)} {escape(ruleset.outcome_labels.get(h.confirmed_route, h.confirmed_route) if h.confirmed_route else 'no decision')}"
                + (f" (came back from {escape(h.returned_from)})" if h.returned_from else "")
                for h in earlier
            )
        )
    if referral.duplicate_of_id:
        lines.append("⚠ Possible duplicate: another referral for this person was still open when this one arrived.")
    return "<br>".join(lines)
