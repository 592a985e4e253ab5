"""What a letter built from a stored decision claims, on both databases (issue 14, item 3): that the
patient copy or the GP letter was sent only once it was printed or saved for this decision; that the
team talked about the situation only for a decision taken in the referral meeting (stored with the
decision, migration 0008). And what the stored screening and referral give the letters (item 1)."""

from __future__ import annotations

from tests.store.test_letters_store import build, decided
from tests.store.test_screenings import ANSWERS
from tests.users import as_leader, as_pwp
from triage.services import DecisionInput, confirm_decision, record_letter
from triage.store import Store
from triage.store.models import Decision

COPY_SENT = "has been sent a copy of this outcome in plain language."
GP_SENT = "We have sent the same information to your GP."
TEAM_TALKED = "Our team talked about your situation together"


def text(store: Store, decision_id: str, kind: str) -> str:
    return " ".join(build(store, decision_id, kind).paragraphs)


def test_the_gp_letter_says_the_patient_copy_was_sent_only_after_it_was_printed(store: Store) -> None:
    _, decision_id = decided(store)
    assert COPY_SENT not in text(store, decision_id, "gp")
    record_letter(store, as_pwp("pwp"), decision_id, build(store, decision_id, "patient"), "generated")
    assert COPY_SENT not in text(store, decision_id, "gp")  # built and shown is not sent
    record_letter(store, as_pwp("pwp"), decision_id, build(store, decision_id, "patient"), "printed")
    assert COPY_SENT in text(store, decision_id, "gp")


def test_the_patient_copy_says_the_gp_has_it_only_after_the_gp_letter_was_saved(store: Store) -> None:
    _, decision_id = decided(store)
    assert GP_SENT not in text(store, decision_id, "patient")
    record_letter(store, as_pwp("pwp"), decision_id, build(store, decision_id, "gp"), "saved")
    assert GP_SENT in text(store, decision_id, "patient")


def test_a_letter_sent_for_an_earlier_decision_does_not_count_for_a_later_one(store: Store) -> None:
    referral_id, first = decided(store)
    record_letter(store, as_pwp("pwp"), first, build(store, first, "patient"), "printed")
    data = DecisionInput.model_validate({"confirmed_route": "core_iapt", "confirmed_step": 3,
                                         "override_reason": "Preference after discussion", "warnings_acknowledged": True})  # fmt: skip
    second = confirm_decision(store, as_leader("lead"), referral_id, data)
    assert COPY_SENT not in text(store, second, "gp")


def test_the_team_talked_about_it_only_for_a_decision_taken_in_the_referral_meeting(store: Store) -> None:
    referral_id, alone = decided(store, confirmed_step=3, override_reason="Preference after discussion")
    with store.read() as session:
        assert session.get(Decision, alone).in_meeting is False  # type: ignore[union-attr]
    assert TEAM_TALKED not in text(store, alone, "patient")  # an override by one person is not a meeting
    data = DecisionInput.model_validate({"confirmed_route": "core_iapt", "confirmed_step": 3,
                                         "override_reason": "Agreed in the meeting", "warnings_acknowledged": True})  # fmt: skip
    meeting = confirm_decision(store, as_leader("lead"), referral_id, data, in_meeting=True)
    with store.read() as session:
        assert session.get(Decision, meeting).in_meeting is True  # type: ignore[union-attr]
    assert TEAM_TALKED in text(store, meeting, "patient")


def test_the_gp_letter_carries_the_risk_answers_and_protective_factors_stored(store: Store) -> None:
    _, decision_id = decided(store)
    gp = text(store, decision_id, "gp")
    details = ANSWERS["risk_details"]
    assert f"Thoughts of suicide or harm to self or others: yes, “{details['thoughts']['detail']}”" in gp
    assert "A plan: no" in gp and f"Protective factors: {details['protective_factors']}" in gp
    assert "Intent to act on them" not in gp  # not asked, nothing typed: not printed as an answer
