"""The screening page as a PWP uses it: keyboard only, risk never missed, a person decides. Answers are
typed as key events; what is checked is the session the page writes to and what the page shows."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication

from tests.keys import focused
from triage.services.screening_session import ScreeningSession
from triage.settings import Contact, ServiceSettings
from triage.ui.risk_alert import HighRiskAlert

from .a11y import unnamed_interactive_widgets
from .screening_keys import (
    RULESET,
    answer_risk_no,
    fill_complete,
    keys,
    make_page,
    tick,
    type_ratings,
    type_scores,
)


def focus(qtbot, widget) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def type_keys(qtbot, text: str) -> None:
    for key in text:
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


def confirmed_of(page) -> list:  # type: ignore[no-untyped-def]
    confirmed: list = []
    page.confirm_requested.connect(confirmed.append)
    return confirmed


def test_a_whole_screening_by_keyboard_alone(qtbot):
    page = make_page(qtbot)
    confirmed = confirmed_of(page)
    focus(qtbot, page.phq9.rows[0])
    type_keys(qtbot, "221121110")  # PHQ-9: each digit answers and moves on
    type_keys(qtbot, "2211101")  # GAD-7, then on to chronicity (past the optional WSAS)
    assert page.session.form.phq9 == (2, 2, 1, 1, 2, 1, 1, 1, 0)
    assert page.session.form.gad7 == (2, 2, 1, 1, 1, 0, 1)
    assert page.raters["chronicity"].levels_row.hasFocus()
    type_keys(qtbot, "2111")  # each rating moves on to the next (its note is a Tab away)
    assert (page.session.form.chronicity, page.session.form.complexity) == ("medium", "low")
    assert page.risk_present["thoughts"].hasFocus()
    type_keys(qtbot, "NNNN")  # "No" moves on to the next risk question, then protective factors
    assert page.protective.hasFocus()
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    type_keys(qtbot, "1")  # risk low, on to the main problem
    assert page.descriptor.hasFocus()
    type_keys(qtbot, "D")
    for _ in range(2):
        qtbot.keyClick(focused(), Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
        qtbot.keyClick(focused(), Qt.Key.Key_Space)  # "None", for each list
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(confirmed) == 1
    inputs = confirmed[0]
    assert inputs.screening.risk == "low" and inputs.screening.long_term_conditions == ()
    assert (inputs.decision.confirmed_route, inputs.decision.override_reason) == ("core_iapt", None)


def test_high_risk_raises_an_alert_that_needs_the_action_recorded(qtbot):
    page = make_page(qtbot)
    seen = answer_alert_when_it_appears(qtbot)
    qtbot.keyClick(page.raters["risk"].levels_row, "3")
    qtbot.waitUntil(lambda: bool(page.session.form.risk_details.get("contacted")), timeout=5000)
    assert len(seen) == 1
    details = page.session.form.risk_details
    assert details["contacted"] == "Duty manager A. Smith"
    assert details["actions_taken"] == "Crisis team to call back within the hour"
    assert "Action recorded: contacted Duty manager A. Smith" in page.risk_action.text()
    assert page.banner.facts is not None and "HIGH RISK" in page.banner.plain_text()


def test_the_alert_shows_the_crisis_contacts_in_force_when_it_is_raised(qtbot):
    page = make_page(qtbot)
    # Settings saved after the page opened reach it: the alert reads the settings in force, not a copy.
    page.settings.replace(ServiceSettings(crisis_contacts=(Contact(name="New crisis line", phone="0800 111"),)))
    seen: list[str] = []

    def read_and_close() -> None:
        alert = QApplication.activeModalWidget()
        if not isinstance(alert, HighRiskAlert):
            QTimer.singleShot(20, read_and_close)
            return
        seen.append(" ".join(label.text() for label in alert.findChildren(type(page.severity_line))))
        qtbot.keyClicks(alert.contacted, "Duty manager")
        qtbot.keyClicks(alert.action, "Crisis team call")
        qtbot.keyClick(alert.record, Qt.Key.Key_Space)

    QTimer.singleShot(20, read_and_close)
    qtbot.keyClick(page.raters["risk"].levels_row, "3")
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert "New crisis line" in seen[0] and "0800 111" in seen[0]


def test_high_risk_needs_an_explicit_choice_a_reason_and_the_action(qtbot):
    page = make_page(qtbot)
    confirmed = confirmed_of(page)
    answer_alert_when_it_appears(qtbot)
    fill_complete(qtbot, page, risk="high")
    qtbot.waitUntil(lambda: bool(page.session.form.risk_details.get("contacted")), timeout=5000)
    page.activateWindow()  # the alert has gone: the page has the keyboard again
    qtbot.waitUntil(page.isActiveWindow)
    # The crisis team shows at once, but nothing is preselected: a person must choose.
    assert page.route_choice.currentText() == "— choose —"
    focus(qtbot, page.route_choice)
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not confirmed and "choose the route yourself" in page.problems.text()
    page.route_choice.setFocus()
    qtbot.keyClick(page.route_choice, Qt.Key.Key_Down)  # the recommended route comes first
    assert page.session.route_choice.kind == "chosen"
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not confirmed and "Reason: say why you chose this route" in page.problems.text()
    keys(qtbot, page.override_reason, "Plan and means; lives alone")
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(confirmed) == 1
    assert confirmed[0].decision.override_reason == "Plan and means; lives alone"


def test_choosing_cmht_over_the_crisis_team_needs_a_reason(qtbot):
    page = make_page(qtbot)
    confirmed = confirmed_of(page)
    answer_alert_when_it_appears(qtbot)
    fill_complete(qtbot, page, risk="high")
    qtbot.waitUntil(lambda: bool(page.session.form.risk_details.get("contacted")), timeout=5000)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    focus(qtbot, page.route_choice)
    for _ in range(2):  # past "— choose —" and the crisis team (recommended) to the CMHT
        qtbot.keyClick(page.route_choice, Qt.Key.Key_Down)
    assert page.session.effective_route.route == "cmht"
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not confirmed and "Reason" in page.problems.text()
    keys(qtbot, page.override_reason, "Known to the CMHT care coordinator; seen tomorrow")
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(confirmed) == 1 and confirmed[0].decision.confirmed_route == "cmht"


def test_an_override_without_a_reason_is_refused(qtbot):
    page = make_page(qtbot)
    confirmed = confirmed_of(page)
    fill_complete(qtbot, page)
    assert page.route_choice.currentText().startswith("As recommended: Core IAPT")
    page.step_choice.setFocus()
    step = page.session.effective_route.step
    qtbot.keyClick(page.step_choice, Qt.Key.Key_Down if step == 2 else Qt.Key.Key_Up)
    assert page.session.is_override
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not confirmed and "Reason: say why you chose other than the recommendation" in page.problems.text()
    assert "required: you chose other than recommended" in page.decision.reason_label.text()


def test_ticking_copd_moves_a_route_that_follows_the_recommendation_and_asks_no_reason(qtbot):
    """Defect 1: the Route box stayed on Core IAPT after COPD was ticked, and asked for an override reason."""
    page = make_page(qtbot)
    confirmed = confirmed_of(page)
    fill_complete(qtbot, page, section6=False)
    tick(qtbot, page.mus_none)
    tick(qtbot, page.ltc_none)
    assert page.route_choice.currentText().startswith("As recommended: Core IAPT")
    copd = next(box for box in page.ltc_boxes if "(COPD)" in box.text())
    tick(qtbot, copd)
    assert page.session.form.long_term_conditions == (copd.text(),) and not page.ltc_none.isChecked()
    assert page.route_choice.currentText().startswith("As recommended: Integrated IAPT")
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(confirmed) == 1, page.problems.text()
    assert confirmed[0].decision.confirmed_route == "integrated_iapt"
    assert confirmed[0].decision.override_reason is None


def test_a_route_chosen_before_the_recommendation_moved_is_a_conflict_to_resolve(qtbot):
    page = make_page(qtbot)
    confirmed = confirmed_of(page)
    fill_complete(qtbot, page)
    page.route_choice.setFocus()
    qtbot.keyClick(page.route_choice, Qt.Key.Key_Down)  # Core IAPT (recommended), chosen by the person
    assert page.session.route_choice.step is None  # a step is chosen, never carried over
    page.step_choice.setFocus()
    for _ in range(page.session.recommendation.key.step - 1):  # down from "— choose —" to the recommended step
        qtbot.keyClick(page.step_choice, Qt.Key.Key_Down)
    assert page.session.route_choice.kind == "chosen" and not page.session.is_override
    copd = next(box for box in page.ltc_boxes if "(COPD)" in box.text())
    tick(qtbot, copd)
    assert page.decision.conflict.isVisibleTo(page)
    assert "changed to Integrated IAPT" in page.decision.conflict_text.text()
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not confirmed and "the recommendation changed after you chose" in page.problems.text()
    qtbot.keyClick(page.decision.follow, Qt.Key.Key_Space)
    assert not page.decision.conflict.isVisibleTo(page)
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(confirmed) == 1 and confirmed[0].decision.confirmed_route == "integrated_iapt"


def test_an_iapt_recommendation_waits_for_section_6_but_the_crisis_team_shows_at_once(qtbot):
    """Defect 2: the recommendation showed before section 6, which can still change it."""
    page = make_page(qtbot)
    fill_complete(qtbot, page, section6=False)
    assert page.session.recommendation is None
    assert "No recommendation yet" in page.panel.recommendation.text()
    assert "Long-term conditions (or none)" in page.summary.text()
    assert not page.route_choice.isEnabled()
    tick(qtbot, page.ltc_none)
    tick(qtbot, page.mus_none)
    assert "Recommended: <b>Core IAPT" in page.summary.text()

    high = make_page(qtbot)
    answer_alert_when_it_appears(qtbot)
    fill_complete(qtbot, high, risk="high", section6=False)
    assert high.session.recommendation is not None
    assert high.session.recommendation.routing.route in ("crisis_team", "cmht")


def test_alt_2_after_item_9_lands_on_gad7_and_a_digit_never_replaces_an_answer(qtbot):
    """Defect 3: Alt+2 landed on PHQ-9 item 1, and GAD-7 answers typed there overwrote PHQ-9."""
    page = make_page(qtbot)
    focus(qtbot, page.phq9.rows[0])
    type_keys(qtbot, "33333333")
    type_keys(qtbot, "1")  # item 9 above 0: drawn to the risk questions
    assert page.risk_present["thoughts"].hasFocus()
    assert "carry on with GAD-7 item 1 (Alt+2)" in page.item9_banner.text()
    qtbot.keyClick(focused(), Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert page.gad7.rows[0].hasFocus()
    type_keys(qtbot, "0000000")
    assert page.session.form.phq9 == (3, 3, 3, 3, 3, 3, 3, 3, 1)  # total 25 kept
    assert page.session.form.gad7 == (0,) * 7
    # A digit on an answered item leaves it as it is and says how to change it.
    focus(qtbot, page.phq9.rows[0])
    type_keys(qtbot, "0")
    assert page.session.form.phq9[0] == 3 and page.phq9.rows[0].hasFocus()
    assert page.phq9.rows[0].hint.isVisibleTo(page)
    assert "Backspace" in page.phq9.rows[0].accessibleDescription()
    qtbot.keyClick(focused(), Qt.Key.Key_Backspace)
    type_keys(qtbot, "0")
    assert page.session.form.phq9[0] == 0


def test_phq9_item9_above_zero_draws_the_screener_to_the_risk_questions(qtbot):
    page = make_page(qtbot)
    focus(qtbot, page.phq9.rows[8])
    type_keys(qtbot, "2")
    assert page.item9_banner.isVisible()
    assert page.risk_present["thoughts"].hasFocus()
    assert page.panel.risk.isVisible() and "item 9" in page.panel.risk.text()


def test_warnings_must_be_acknowledged_and_a_new_warning_again(qtbot):
    page = make_page(qtbot)
    confirmed = confirmed_of(page)
    type_scores(qtbot, page, "111111111", "1111111")  # item 9 above 0 with risk low: a warning
    qtbot.keyClick(page.risk_present["thoughts"], Qt.Key.Key_Y)
    for prompt in ("intent", "plan", "history"):
        qtbot.keyClick(page.risk_present[prompt], Qt.Key.Key_N)
    type_ratings(qtbot, page, chronicity="low", complexity="low", impairment="low", substance_use="low", risk="low")
    qtbot.keyClick(page.descriptor, Qt.Key.Key_D)
    tick(qtbot, page.ltc_none)
    tick(qtbot, page.mus_none)
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not confirmed and "Warnings" in page.problems.text()
    tick(qtbot, page.acknowledge)
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(confirmed) == 1


def test_the_panel_builds_up_as_answers_come_in(qtbot):
    page = make_page(qtbot)
    assert "No recommendation yet" in page.panel.recommendation.text()
    type_ratings(qtbot, page, complexity="high")
    assert "DaSH CMHT</b> ← Complexity" in page.panel.destinations.text()
    fill_complete(qtbot, page, complexity="high")
    assert "Recommended: <b>DaSH CMHT</b>" in page.panel.recommendation.text()


def test_a_draft_comes_back_with_every_answer(qtbot):
    page = make_page(qtbot)
    fill_complete(qtbot, page, chronicity="medium", section6=False)
    keys(qtbot, page.raters["impairment"].note, "struggling at work")
    tick(qtbot, page.ask_wsas)
    for row, digit in zip(page.wsas.rows, "43210", strict=True):
        qtbot.keyClick(row, digit)
    tick(qtbot, page.ltc_boxes[0])
    keys(qtbot, page.ltc_other, "Psoriasis")
    tick(qtbot, page.mus_boxes[1])
    qtbot.keyClick(page.history.add_button, Qt.Key.Key_Space)
    keys(qtbot, focused(), "Guided self-help 2021")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClick(focused(), Qt.Key.Key_U)  # the outcome: unhelpful
    keys(qtbot, page.risk_detail["history"], "overdose 2015")
    saved = page.session.form
    assert saved.previous_interventions[0].outcome == "unhelpful"

    again = make_page(qtbot, ScreeningSession.from_draft(RULESET, page.session.draft()))
    assert again.session.form == saved
    assert again.phq9.answers() == list(saved.phq9) and again.wsas.isVisibleTo(again)
    assert again.ltc_boxes[0].isChecked() and again.ltc_other.text() == "Psoriasis"
    assert again.interventions[0].what.text() == "Guided self-help 2021"
    assert again.raters["impairment"].note.text() == "struggling at work"


def test_tab_follows_the_layout_from_an_added_row_and_never_goes_back_up_the_page(qtbot):
    """Defect 4: Tab from an added row jumped back to PHQ-9 item 1, and added rows came after Confirm."""
    page = make_page(qtbot)
    fill_complete(qtbot, page)
    for _ in range(2):
        qtbot.keyClick(page.history.add_button, Qt.Key.Key_Space)
    focus(qtbot, page.interventions[1].what)
    path = []
    for _ in range(7):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        path.append(focused())
    row = page.interventions[1]
    # The row left to right: what, outcome, where and at which step, year, Remove; then Add, then section 6.
    assert path[:5] == [row.outcome, row.step, row.year, row.remove, page.history.add_button]
    assert page.sections["conditions"].isAncestorOf(path[5])

    focus(qtbot, page.phq9.rows[0])
    seen, last_y = [focused()], -1
    content = page.scroll_area.widget()
    while True:
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        widget = focused()
        if widget in seen or not page.isAncestorOf(widget) or not content.isAncestorOf(widget):
            break
        y = widget.mapTo(content, QPoint(0, 0)).y()
        assert y >= last_y - 2 or widget.parent() is seen[-1].parent(), f"{widget.accessibleName()} is above"
        last_y = max(last_y, y)
        seen.append(widget)
    assert page.confirm in seen


def test_every_control_is_named_and_reachable(qtbot):
    page = make_page(qtbot)
    fill_complete(qtbot, page)
    qtbot.keyClick(page.history.add_button, Qt.Key.Key_Space)
    tick(qtbot, page.ask_wsas)
    assert unnamed_interactive_widgets(page) == []


def test_only_a_digit_answers_and_risk_no_moves_on(qtbot):
    page = make_page(qtbot)
    answer_risk_no(qtbot, page)
    assert all((page.session.form.risk_details[k]["present"]) == "no" for k in page.risk_present)


def test_raising_the_risk_to_high_after_a_route_was_offered_leaves_nothing_preselected(qtbot):
    page = make_page(qtbot)
    fill_complete(qtbot, page)
    assert page.route_choice.currentText().startswith("As recommended: Core IAPT")
    answer_alert_when_it_appears(qtbot)
    risk = page.raters["risk"].levels_row
    qtbot.keyClick(risk, Qt.Key.Key_Backspace)  # the rating must be cleared before it can change
    qtbot.keyClick(risk, "3")
    qtbot.waitUntil(lambda: bool(page.session.form.risk_details.get("contacted")), timeout=5000)
    assert page.session.recommendation is not None
    assert page.session.recommendation.routing.route not in ("core_iapt", "integrated_iapt")
    assert page.route_choice.currentText() == "— choose —" and page.session.effective_route is None


def test_the_patient_banner_stays_in_view_in_every_section_and_shows_the_risk_so_far(qtbot):
    """Defect 9 (HAZ-016): the name scrolled away once PHQ-9 started."""
    page = make_page(qtbot)
    page.resize(1280, 640)
    for number in range(1, 8):
        qtbot.keyClick(focused(), getattr(Qt.Key, f"Key_{number}"), Qt.KeyboardModifier.AltModifier)
        top = page.banner.mapTo(page, QPoint(0, 0)).y()
        assert page.banner.isVisible() and top >= 0 and top + page.banner.height() <= page.height()
        assert "Test PERSON" in page.banner.plain_text() and "NHS number 943 476 5919" in page.banner.plain_text()
    assert page.scroll_area.verticalScrollBar().value() > 0  # the page did scroll under it
    qtbot.keyClick(page.raters["risk"].levels_row, "2")
    assert "Risk: Medium (in this screening)" in page.banner.plain_text()
