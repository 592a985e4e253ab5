"""The screening page as a PWP uses it: keyboard only, risk never missed, a person decides."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from tests.keys import focused
from triage.resources import resource_path
from triage.rules.ruleset import load_ruleset
from triage.services.screening_form import ScreeningForm
from triage.settings import Contact, ServiceSettings
from triage.ui.risk_alert import HighRiskAlert
from triage.ui.screening_page import ScreeningPage

from .a11y import unnamed_interactive_widgets

RULESET = load_ruleset(resource_path("rules", "doncaster-2007.yaml"))
SETTINGS = ServiceSettings(
    crisis_contacts=(Contact(name="Doncaster crisis line", phone="0800 000 0000", hours="24/7"),)
)


def make_page(qtbot) -> ScreeningPage:
    page = ScreeningPage(RULESET, SETTINGS, "Test Person")
    qtbot.addWidget(page)
    page.resize(1300, 900)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)  # activation is asynchronous, even offscreen
    return page


def focus(qtbot, widget) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def type_keys(qtbot, keys: str) -> None:
    for key in keys:
        qtbot.keyClick(focused(), key)


def answer_alert_when_it_appears(
    qtbot, who: str = "Duty manager A. Smith", agreed: str = "Crisis team to call back within the hour"
) -> list[HighRiskAlert]:
    """Fill the modal high-risk alert (as the screener would) once it is shown."""
    seen: list[HighRiskAlert] = []

    def fill() -> None:
        alert = QApplication.activeModalWidget()
        if not isinstance(alert, HighRiskAlert):
            QTimer.singleShot(20, fill)
            return
        seen.append(alert)
        alert.reject()  # Escape does nothing ...
        assert alert.isVisible()
        assert not alert.record.isEnabled()  # ... and it cannot be recorded empty
        qtbot.keyClicks(alert.contacted, who)
        assert not alert.record.isEnabled()  # ... nor without what was agreed
        qtbot.keyClicks(alert.action, agreed)
        qtbot.keyClick(alert.record, Qt.Key.Key_Space)

    QTimer.singleShot(20, fill)
    return seen


def test_a_whole_screening_by_keyboard_alone(qtbot):
    page = make_page(qtbot)
    confirmed = []
    page.confirm_requested.connect(lambda screening, decision: confirmed.append((screening, decision)))
    focus(qtbot, page.phq9.rows[0])
    type_keys(qtbot, "212111210")  # PHQ-9: each digit answers and moves on
    type_keys(qtbot, "2221110")  # GAD-7
    assert page.phq9.answers() == [2, 1, 2, 1, 1, 1, 2, 1, 0]
    assert page.gad7.answers() == [2, 2, 2, 1, 1, 1, 0]
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)  # past the WSAS tick box
    for level in "3221":  # chronicity, complexity, impairment, substance use: digit, then Tab past the note
        type_keys(qtbot, level)
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert {v: r.level for v, r in page.raters.items() if v != "risk"} == {
        "chronicity": "high",
        "complexity": "medium",
        "impairment": "medium",
        "substance_use": "low",
    }
    page.go_to("risk")
    assert page.risk_present["thoughts"].hasFocus()
    type_keys(qtbot, "N")  # "No" in the thoughts combo
    focus(qtbot, page.raters["risk"].levels_row)
    type_keys(qtbot, "1")
    page.go_to("summary")
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(confirmed) == 1
    screening, decision = confirmed[0]
    assert (decision.confirmed_route, decision.confirmed_step) == ("core_iapt", 2)  # PHQ-9 11, GAD-7 9: medium
    assert screening.phq9 == (2, 1, 2, 1, 1, 1, 2, 1, 0)


def test_high_risk_raises_an_alert_that_needs_the_action_recorded(qtbot):
    page = make_page(qtbot)
    seen = answer_alert_when_it_appears(qtbot)
    focus(qtbot, page.raters["risk"].levels_row)
    type_keys(qtbot, "3")
    qtbot.waitUntil(lambda: bool(seen) and not seen[0].isVisible(), timeout=3000)
    assert seen[0].result() == QDialog.DialogCode.Accepted
    form = page.form()
    assert form.risk_details["contacted"] == "Duty manager A. Smith"
    assert form.risk_details["contacted_at"]
    assert "Action recorded: contacted Duty manager A. Smith" in page.risk_action.text()


def test_the_alert_shows_the_crisis_contacts_from_settings(qtbot):
    alert = HighRiskAlert(SETTINGS)
    qtbot.addWidget(alert)
    labels = [label.text() for label in alert.findChildren(QLabel)]
    assert any("Doncaster crisis line" in text and "0800 000 0000" in text for text in labels)
    assert unnamed_interactive_widgets(alert) == []


def fill_complete(page: ScreeningPage, **ratings: str) -> None:
    page.phq9.set_answers([1] * 8 + [0])
    page.gad7.set_answers([1] * 7)
    levels = {"chronicity": "low", "complexity": "low", "impairment": "low", "substance_use": "low", "risk": "low"}
    levels.update(ratings)
    for variable, level in levels.items():
        page.raters[variable].set_level(level)
    page.refresh()


def test_high_risk_needs_an_explicit_choice_and_cannot_confirm_without_the_action(qtbot):
    page = make_page(qtbot)
    confirmed = []
    page.confirm_requested.connect(lambda *args: confirmed.append(args))
    fill_complete(page, risk="high")
    assert page.route_choice.currentData() is None  # nothing preselected: a person must choose
    page.request_confirm()
    assert not confirmed
    assert "choose the route yourself" in page.problems.text()
    page.route_choice.setCurrentIndex(page.route_choice.findData("crisis_team"))
    page.request_confirm()
    assert not confirmed
    assert "risk_details" in page.problems.text() and "contacted" in page.problems.text()
    page._risk_contact = {
        "contacted": "Duty manager",
        "contacted_at": "2026-11-23T10:00:00",
        "actions_taken": "Crisis team to assess today",
    }
    page.refresh()
    page.request_confirm()
    assert not confirmed  # for high risk either choice needs its reason (defect 6)
    assert "Reason: say why you chose this route" in page.problems.text()
    page.override_reason.setPlainText("Plan and means; lives alone")
    page.request_confirm()
    assert len(confirmed) == 1 and confirmed[0][1].confirmed_route == "crisis_team"


def test_choosing_cmht_over_the_crisis_team_needs_a_reason(qtbot):
    page = make_page(qtbot)
    confirmed = []
    page.confirm_requested.connect(lambda *args: confirmed.append(args))
    fill_complete(page, risk="high")
    page._risk_contact = {
        "contacted": "Duty manager",
        "contacted_at": "2026-11-23T10:00:00",
        "actions_taken": "Crisis team to assess today",
    }
    page.refresh()
    page.route_choice.setCurrentIndex(page.route_choice.findData("cmht"))
    page.request_confirm()
    assert not confirmed and "Reason" in page.problems.text()
    page.override_reason.setPlainText("Known to the CMHT care coordinator; seen tomorrow")
    page.request_confirm()
    assert confirmed[0][1].confirmed_route == "cmht"
    assert confirmed[0][1].override_reason.startswith("Known to the CMHT")


def test_an_override_without_a_reason_is_refused(qtbot):
    page = make_page(qtbot)
    confirmed = []
    page.confirm_requested.connect(lambda *args: confirmed.append(args))
    fill_complete(page)
    assert page.route_choice.currentData() == "core_iapt"
    page.step_choice.setCurrentIndex(page.step_choice.findData(3))
    page.request_confirm()
    assert not confirmed and "Reason" in page.problems.text()


def test_phq9_item9_above_zero_draws_the_screener_to_the_risk_questions(qtbot):
    page = make_page(qtbot)
    focus(qtbot, page.phq9.rows[8])
    type_keys(qtbot, "2")
    assert page.item9_banner.isVisible()
    assert page.risk_present["thoughts"].hasFocus()
    assert page.panel.risk.isVisible() and "item 9" in page.panel.risk.text()


def test_warnings_must_be_acknowledged(qtbot):
    page = make_page(qtbot)
    confirmed = []
    page.confirm_requested.connect(lambda *args: confirmed.append(args))
    fill_complete(page)
    page.phq9.set_answers([1] * 8 + [1])  # item 9 above 0 with risk low: a warning
    page.risk_present["thoughts"].setCurrentIndex(page.risk_present["thoughts"].findData("yes"))
    page.refresh()
    page.request_confirm()
    assert not confirmed and "Warnings" in page.problems.text()
    page.acknowledge.setChecked(True)
    page.request_confirm()
    assert confirmed and confirmed[0][1].warnings_acknowledged


def test_the_panel_builds_up_as_answers_come_in(qtbot):
    page = make_page(qtbot)
    assert "No recommendation yet" in page.panel.recommendation.text()
    page.raters["complexity"].set_level("high")
    page.refresh()
    assert "DaSH CMHT</b> ← Complexity" in page.panel.destinations.text()
    fill_complete(page, complexity="high")
    assert "Recommended: <b>DaSH CMHT</b>" in page.panel.recommendation.text()


def test_a_draft_comes_back_with_every_answer(qtbot):
    page = make_page(qtbot)
    fill_complete(page, chronicity="medium")
    page.raters["impairment"].note.setText("struggling at work")
    page.ask_wsas.setChecked(True)
    page.wsas.set_answers([4, 3, 2, 1, 0])
    page.ltc_boxes[0].setChecked(True)
    page.ltc_other.setText("Psoriasis")
    page.mus_boxes[1].setChecked(True)
    page.descriptor.setCurrentIndex(page.descriptor.findData("panic"))
    page._add_intervention()
    page.interventions[0].what.setText("Guided self-help 2021")
    page.interventions[0].outcome.setCurrentIndex(page.interventions[0].outcome.findData("unhelpful"))
    page.risk_detail["history"].setText("overdose 2015")
    saved = page.form()
    payload = saved.model_dump(mode="json")

    again = make_page(qtbot)
    again.load(ScreeningForm.model_validate(payload))
    assert again.form() == saved
    assert again.form().previous_unhelpful_interventions() == 1


def test_every_control_is_named_and_reachable(qtbot):
    page = make_page(qtbot)
    fill_complete(page)
    page._add_intervention()
    page.ask_wsas.setChecked(True)
    assert unnamed_interactive_widgets(page) == []
