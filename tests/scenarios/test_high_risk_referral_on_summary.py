"""Issue 14, item 1, typed key by key into the real screening page: a high-risk screening with the
risk detail of the case seen ("will do it this weekend", "stockpiled tablets", "overdose 2023, ICU",
"lives alone"), the protective factors, the formulation, who was contacted and what was agreed; then
the referral-on summary the letter dialog shows carries every answer typed, and the contact details
the referral holds. The GP letter carries the answers too (item 2), and claims no patient copy that
was never printed (item 3)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.keys import answer, focused, press
from tests.scenarios.clinical import PRACTICE, confirm, down_to, letter_text, none_in_section_6, section, stored, to
from tests.scenarios.test_live_call_risk_and_mus import fill_alert
from tests.store.conftest import referral_input
from tests.users import as_pwp
from triage.services import create_referral

RISK_ANSWERS = {
    "thoughts": "Every day, worse at night; lives alone",
    "intent": "will do it this weekend",
    "plan": "stockpiled tablets",
    "history": "overdose 2023, ICU",
}
PROTECTIVE = "Close to her sister, who visits on Sundays"
FORMULATION = "Escalating intent with a plan and the means at home; no one with her in the evenings"
WHO = "Duty manager J. Smith"
AGREED = "Crisis team to assess at home today; sister to stay tonight"
REASON = "Plan and means for this weekend; not known to the CMHT"


def test_a_high_risk_summary_carries_every_risk_answer_typed(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral = referral_input(1, gp_practice_code=PRACTICE["code"], phone="07700 900123", postcode="DN4 5AB",
                              interpreter_language="Polish")  # fmt: skip
    referral_id = create_referral(store, as_pwp("pwp"), referral).id
    window.open_referral(referral_id)
    page = window.screening
    assert page is not None
    to(qtbot, page.phq9.rows[0])
    answer(qtbot, "22212121")
    answer(qtbot, "3")  # item 9 "nearly every day": drawn to the risk questions at once
    assert focused() is page.risk_present["thoughts"]
    for key, detail in RISK_ANSWERS.items():
        answer(qtbot, "Y")  # Yes, and on to its detail
        assert focused() is page.risk_detail[key]
        qtbot.keyClicks(focused(), detail)
        press(qtbot, Qt.Key.Key_Tab)
    # Tab follows the page: the protective factors' rating (optional), then what was said of them.
    assert focused() is page.risk.protective_level
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is page.protective
    qtbot.keyClicks(focused(), PROTECTIVE)
    press(qtbot, Qt.Key.Key_Tab)
    fill_alert(qtbot, WHO, AGREED)
    answer(qtbot, "3")  # risk HIGH: the alert takes who was contacted and what was agreed
    qtbot.waitUntil(lambda: bool(page.session.form.risk_details.get("contacted")) and not page._alert_open,
                    timeout=5000)  # fmt: skip
    risk_note = page.raters["risk"].note  # the note on the risk rating: the formulation the summary prints
    to(qtbot, risk_note)
    qtbot.keyClicks(focused(), FORMULATION)

    section(qtbot, 2)
    answer(qtbot, "2221211")
    answer(qtbot, "2221")
    section(qtbot, 5)
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    down_to(qtbot, page.route_choice, "DaSH CRHTT (recommended)")
    to(qtbot, page.override_reason)
    qtbot.keyClicks(focused(), REASON)

    dialog = confirm(qtbot, window)
    screening, decision = stored(store, referral_id)
    assert screening.risk == "high" and decision.confirmed_route == "crisis_team"
    assert {key: screening.risk_details[key]["detail"] for key in RISK_ANSWERS} == RISK_ANSWERS
    assert screening.rating_notes["risk"] == FORMULATION

    gp = letter_text(qtbot, dialog, "gp")
    assert "Intent to act on them: yes, “will do it this weekend”" in gp and f"Protective factors: {PROTECTIVE}" in gp
    assert "has been sent a copy of this outcome" not in gp  # the patient copy has not been printed

    summary = letter_text(qtbot, dialog, "referral-on")
    for key, detail in RISK_ANSWERS.items():
        assert f": yes, “{detail}”" in summary, key
    for typed in ("will do it this weekend", "stockpiled tablets", "overdose 2023, ICU", "lives alone"):
        assert typed in summary, typed
    assert f"Protective factors: {PROTECTIVE}" in summary
    assert f"Risk formulation: {FORMULATION}" in summary
    assert f"Actions taken and what was agreed: Contacted: {WHO}," in summary and AGREED in summary
    assert "Telephone: 07700900123" in summary and "Postcode: DN4 5AB" in summary
    assert "Needs an interpreter: Polish" in summary
    assert "has been sent the outcome" not in summary  # the GP letter has not been printed yet
