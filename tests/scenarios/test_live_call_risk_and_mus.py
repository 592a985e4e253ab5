"""The live call's defects 5, 6 and 7, typed into the real main window and screening page by keyboard:
what the screen says, what is stored, and what the letter says.

- Defect 5: "." as who was contacted, nothing agreed: the screening is refused, the screen names the fields.
- Defect 6: high risk, the crisis team chosen: refused without a reason, stored and printed with one.
- Defect 7: the kinds of MUS ticked are stored and read back.

The high-risk alert itself refuses "." and an empty agreement, and the page asks for the reason for
any high-risk choice before anything is sent; the services refuse both as well.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.keys import answer, focused, press, when_modal
from tests.scenarios.clinical import PRACTICE, to
from tests.store.conftest import referral_input
from tests.ui.conftest import SETTINGS
from tests.users import PWP, as_pwp
from triage.letters import Screener
from triage.services import create_referral, get_referral, letter_for_decision
from triage.services.screening_form import condition_lists
from triage.services.screenings import screening_input
from triage.store import Store
from triage.ui.main_window import MainWindow
from triage.ui.risk_alert import HighRiskAlert

REASON = "Active plan for tonight; not known to the CMHT"
SCREENER = Screener(name="Priya Shah", role="Psychological wellbeing practitioner")


def open_new_referral(qtbot, window: MainWindow, store: Store, serial: int = 1):  # type: ignore[no-untyped-def]
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(serial, gp_practice_code=PRACTICE["code"])).id
    window.open_referral(referral_id)
    page = window.screening
    assert page is not None
    to(qtbot, page.phq9.rows[0])
    return referral_id, page


def answer_up_to_risk(qtbot, risk_key: str) -> None:  # type: ignore[no-untyped-def]
    """PHQ-9, GAD-7, the four ratings, the four risk prompts, protective factors, then the risk level."""
    answer(qtbot, "221121110")
    answer(qtbot, "2211101")  # and on to chronicity
    answer(qtbot, "1111")  # chronicity, complexity, impairment, substance use: all low, each moving on
    answer(qtbot, "NNNN")  # the four risk prompts, "No" moving on, then protective factors
    qtbot.keyClicks(focused(), "Sister nearby")
    press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, risk_key)


def fill_alert(qtbot, who: str, agreed: str) -> None:  # type: ignore[no-untyped-def]
    """The high-risk alert, typed: who, when left at now, what was agreed, Return records it. (Keys go
    to each field: the offscreen platform does not always make the alert the active window, which its
    Alt mnemonics would need.)"""

    def fill(alert: HighRiskAlert) -> None:
        qtbot.keyClicks(alert.contacted, who)
        qtbot.keyClicks(alert.action, agreed)
        qtbot.keyClick(alert.action, Qt.Key.Key_Return)

    when_modal(qtbot, HighRiskAlert, fill)


def choose_recommended_route_and_confirm(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    to(qtbot, page.phq9.rows[0])  # the page's window active again after the alert closed
    for _list in range(2):  # section 6 is part of every record: "None", for each list
        press(qtbot, Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
        press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_7, Qt.KeyboardModifier.AltModifier)  # to the summary
    to(qtbot, page.route_choice)
    press(qtbot, Qt.Key.Key_Down)  # from "— choose —" to the recommendation
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def high_risk_screening(qtbot, window, store, who: str, agreed: str):  # type: ignore[no-untyped-def]
    referral_id, page = open_new_referral(qtbot, window, store)
    fill_alert(qtbot, who, agreed)
    answer_up_to_risk(qtbot, "3")
    qtbot.waitUntil(lambda: bool(page.session.form.risk_details.get("contacted")) and not page._alert_open,
                    timeout=5000)  # fmt: skip
    return referral_id, page


def test_defect5_a_dot_for_who_was_contacted_is_refused_naming_the_fields(qtbot, window, store) -> None:  # type: ignore[no-untyped-def]
    referral_id, page = open_new_referral(qtbot, window, store)
    seen: list[tuple[bool, str, bool]] = []

    def fill(alert: HighRiskAlert) -> None:
        qtbot.keyClicks(alert.contacted, ".")
        qtbot.keyClick(alert.contacted, Qt.Key.Key_Return)  # refused: the alert stays open
        seen.append((alert.isVisible(), alert.missing.text(), alert.record.isEnabled()))
        qtbot.keyClick(alert.contacted, Qt.Key.Key_Backspace)
        qtbot.keyClicks(alert.contacted, "Duty manager J. Smith")
        qtbot.keyClicks(alert.action, "Crisis team to assess at home today")
        qtbot.keyClick(alert.action, Qt.Key.Key_Return)

    when_modal(qtbot, HighRiskAlert, fill)
    answer_up_to_risk(qtbot, "3")
    qtbot.waitUntil(lambda: bool(page.session.form.risk_details.get("contacted")) and not page._alert_open,
                    timeout=5000)  # fmt: skip
    visible, missing, enabled = seen[0]
    assert visible and not enabled
    assert "Who was contacted: a name or role in words" in missing and "What was agreed" in missing
    assert page.session.form.risk_details["contacted"] == "Duty manager J. Smith"
    assert page.session.form.risk_details["actions_taken"] == "Crisis team to assess at home today"
    assert get_referral(store, PWP, referral_id).screenings == []  # nothing stored until confirmed


def test_defect5_the_alert_cannot_be_recorded_with_a_dot_or_nothing_agreed(qtbot) -> None:  # type: ignore[no-untyped-def]
    alert = HighRiskAlert(SETTINGS)
    qtbot.addWidget(alert)
    alert.show()
    qtbot.keyClicks(alert.contacted, ".")
    assert not alert.record.isEnabled()
    alert.contacted.clear()
    qtbot.keyClicks(alert.contacted, "Duty manager J. Smith")
    assert not alert.record.isEnabled()  # nothing agreed yet


def test_defect6_choosing_the_crisis_team_needs_a_reason_stored_and_printed(qtbot, window, store) -> None:  # type: ignore[no-untyped-def]
    referral_id, page = high_risk_screening(qtbot, window, store, who="Duty manager J. Smith",
                                            agreed="Crisis team to assess at home today")  # fmt: skip
    choose_recommended_route_and_confirm(qtbot, page)  # the crisis team, no reason typed
    assert "Reason: say why you chose this route (required as risk is high)" in page.problems.text()
    assert "Duty manager" not in page.problems.text()
    assert window.screening is page and get_referral(store, PWP, referral_id).decisions == []

    to(qtbot, page.override_reason)
    qtbot.keyClicks(page.override_reason, REASON)
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.screening is None, timeout=5000)
    decision = get_referral(store, PWP, referral_id).decisions[-1]
    assert (decision.confirmed_route, decision.override_reason) == ("crisis_team", REASON)
    for kind in ("gp", "referral-on"):
        letter = letter_for_decision(store, PWP, decision.id, kind, screener=SCREENER, service=None,
                                     letter_date=date(2026, 11, 24))  # fmt: skip
        text = " ".join(letter.paragraphs)
        assert f"Why we chose the Crisis Resolution and Home Treatment Team: {REASON}" in text, kind
        assert "Contacted: Duty manager J. Smith" in text and "Crisis team to assess at home today" in text


def test_defect6_the_page_itself_asks_for_the_reason(qtbot, window, store) -> None:  # type: ignore[no-untyped-def]
    _, page = high_risk_screening(qtbot, window, store, who="Duty manager J. Smith", agreed="Crisis team today")
    said: list[str] = []

    def read_and_close(box: QMessageBox) -> None:
        said.append(box.text())
        qtbot.keyClick(box, Qt.Key.Key_Return)

    when_modal(qtbot, QMessageBox, read_and_close)
    choose_recommended_route_and_confirm(qtbot, page)
    qtbot.wait(200)
    assert not said and "Reason" in page.problems.text()


def test_defect7_the_kinds_of_mus_ticked_are_stored_and_read_back(qtbot, window, store) -> None:  # type: ignore[no-untyped-def]
    kinds = condition_lists().medically_unexplained_symptoms
    referral_id, page = open_new_referral(qtbot, window, store)
    answer_up_to_risk(qtbot, "1")
    answer(qtbot, "D")  # the main problem: depression
    to(qtbot, page.ltc_none)
    press(qtbot, Qt.Key.Key_Space)  # no long-term conditions
    for box in (page.mus_boxes[0], page.mus_boxes[2]):
        to(qtbot, box)
        press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_7, Qt.KeyboardModifier.AltModifier)
    to(qtbot, page.route_choice)
    assert page.route_choice.currentText().startswith("As recommended: Integrated IAPT")  # MUS ticked: integrated
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.screening is None, page.problems.text()
    referral = get_referral(store, PWP, referral_id)
    screening = referral.screenings[-1]
    assert screening.medically_unexplained_symptoms is True
    assert screening.mus_kinds == [kinds[0], kinds[2]]
    assert screening_input(screening).mus_kinds == (kinds[0], kinds[2])
    assert referral.decisions[-1].confirmed_route == "integrated_iapt"
    letter = letter_for_decision(store, PWP, referral.decisions[-1].id, "gp", screener=SCREENER, service=None,
                                 letter_date=date(2026, 11, 24))  # fmt: skip
    assert "medically unexplained symptoms" in " ".join(letter.paragraphs).lower()
