"""One referral's screening: the patient banner fixed at the top, the sections in the matrix's order in
a scrolling column on the left, the live recommendation panel always in view on the right.

The page holds no answers of its own. Its one source of truth is the ``ScreeningSession`` it is given
(triage.services.screening_session): each widget writes what the person did with the session's typed
setters, and after every change the binder (triage.ui.binder) redraws every widget, the banner, the
panel and the summary from the session. The sections and their order come from the layout
(triage.ui.screening_layout), and so do the tab order, where a typed answer moves the focus, where
Alt+N lands and what the item 9 banner says to carry on with.

This module assembles the page and its behaviour (the high-risk alert when the session draws it,
confirming, moving between sections); each section has its own room: the questionnaires
(triage.ui.questionnaire), the ratings (triage.ui.rating), screening_risk, screening_history,
screening_conditions and screening_decision; the side panel is triage.ui.recommendation_panel.

Keyboard: every answer is a tab stop and a digit answers it and moves on to the next question (0-3
items, 1-3 ratings, N/Y risk questions); Alt+1..7 go to a section's first unanswered field;
Ctrl+Return confirms.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QCheckBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from triage.rules.questionnaires import questionnaire
from triage.rules.vocabulary import RATED_VARIABLES, RatedVariable
from triage.services.inputs import InvalidInput
from triage.services.screening_session import FieldPath, ScreeningSession, SessionInputs, section_of
from triage.services.settings_lists import service_condition_lists
from triage.settings import LiveSettings
from triage.ui import screening_layout
from triage.ui.binder import Binder, can_focus
from triage.ui.patient_banner import BannerFacts, PatientBanner
from triage.ui.questionnaire import AnswerRow, QuestionnaireWidget
from triage.ui.rating import RatingChooser
from triage.ui.recommendation_panel import RecommendationPanel, matrix_band_text
from triage.ui.risk_alert import HighRiskAlert
from triage.ui.screening_assessment import AccessAndCircumstances, ChoiceQuestions, SecondaryProblems
from triage.ui.screening_conditions import ConditionQuestions
from triage.ui.screening_decision import DecisionSection
from triage.ui.screening_history import HistoryQuestions
from triage.ui.screening_risk import RiskQuestions

SECTION_TITLES = {section.key: section.title for section in screening_layout.LAYOUT}


class Section(QFrame):
    def __init__(self, key: str, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(4, 12, 4, 12)
        title = QLabel(f"<h3>{number}. {escape(SECTION_TITLES[key])}</h3><small>Alt+{number}</small>")
        title.setAccessibleName(SECTION_TITLES[key])
        self.layout_.addWidget(title)


class ScreeningPage(QWidget):
    changed = Signal()  # the session changed (the window autosaves a moment later)
    section_changed = Signal(str)  # saved at once: a natural checkpoint
    confirm_requested = Signal(object)  # SessionInputs
    closed = Signal()

    def __init__(self, session: ScreeningSession, settings: LiveSettings, heading: str, banner: BannerFacts,
                 parent: QWidget | None = None, *, meeting: bool = False) -> None:  # fmt: skip
        """``heading``: the referral's details (section 1); ``banner``: whose record this is, with the risk of
        any earlier screening; ``meeting``: offer "decided in the referral meeting" (a team leader's)."""
        super().__init__(parent)
        self.session, self.settings, self.ruleset = session, settings, session.ruleset
        self.binder = Binder()
        self._banner_facts = banner
        self._alert_open = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.banner = PatientBanner()
        outer.addWidget(self.banner)
        columns = QHBoxLayout()
        outer.addLayout(columns, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setAccessibleName("Screening form")
        self.scroll_area = scroll  # not "scroll": that would hide QWidget.scroll()
        content = QWidget()
        self.body = QVBoxLayout(content)
        scroll.setWidget(content)
        columns.addWidget(scroll, 3)
        self.panel = RecommendationPanel(self.ruleset)
        side = QScrollArea()  # the panel scrolls on its own on a short screen, below the fixed banner
        side.setAccessibleName("Recommendation panel")
        side.setWidgetResizable(True)
        side.setFrameShape(QFrame.Shape.NoFrame)
        side.setWidget(self.panel)
        # It scrolls up and down only: as wide as the panel needs, so no line of it is cut at the side.
        side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side.setMinimumWidth(self.panel.minimumWidth() + side.verticalScrollBar().sizeHint().width() + 4)
        columns.addWidget(side, 1)

        self.sections: dict[str, Section] = {}
        for number, layout in enumerate(screening_layout.LAYOUT, 1):
            section = Section(layout.key, number)
            self.sections[layout.key] = section
            self.body.addWidget(section)
            QShortcut(QKeySequence(f"Alt+{number}"), self).activated.connect(lambda k=layout.key: self.go_to(k))
        self.body.addStretch(1)

        self._build_details(heading)
        self._build_severity()
        self._build_ratings()
        self.risk = RiskQuestions(self.sections["risk"].layout_, session, self.binder, self.raters["risk"],
                                  self.raise_high_risk_alert)  # fmt: skip
        self.history = HistoryQuestions(self.sections["history"].layout_, session, self.binder)
        secondary = QVBoxLayout()  # after the main problem, before the previous interventions (as the tab order)
        self.secondary = SecondaryProblems(secondary, session, self.binder)
        self.sections["history"].layout_.insertLayout(2, secondary)
        session.offer(service_condition_lists(settings.current))  # the service's lists, as Settings has them
        self.conditions = ConditionQuestions(self.sections["conditions"].layout_, session, self.binder)
        self.choice = ChoiceQuestions(self.sections["summary"].layout_, session, self.binder)
        self.decision = DecisionSection(self.sections["summary"].layout_, session, self.binder, self.ruleset,
                                        meeting=meeting, on_confirm=self.request_confirm)  # fmt: skip
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.request_confirm)
        self._name_widgets()

        session.changed.connect(self._session_changed)
        session.high_risk_drawn.connect(lambda _none: QTimer.singleShot(0, self.raise_high_risk_alert))
        QApplication.instance().focusChanged.connect(self._focus_moved)  # type: ignore[union-attr]
        self.refresh()
        self.binder.apply_tab_order()
        session.draw_pending_alert()  # a draft left at high risk with no action recorded

    # --- building --------------------------------------------------------------------------------

    def _build_details(self, heading: str) -> None:
        label = QLabel(heading)
        label.setWordWrap(True)
        label.setAccessibleName("Referral details")
        self.sections["details"].layout_.addWidget(label)
        self.access = AccessAndCircumstances(self.sections["details"].layout_, self.session, self.binder)

    def _build_severity(self) -> None:
        section = self.sections["severity"].layout_
        self.phq9 = self._questionnaire("phq9", section)
        self.gad7 = self._questionnaire("gad7", section)
        self.ask_wsas = QCheckBox("Also ask the &WSAS (optional: work and social adjustment)")
        self.ask_wsas.setAccessibleName("Ask the WSAS")
        self.ask_wsas.toggled.connect(self.session.ask_wsas)
        self.binder.bind(
            "ask_wsas", self.ask_wsas, lambda: self.ask_wsas.setChecked(self.session.form.wsas is not None)
        )
        section.addWidget(self.ask_wsas)
        self.wsas = self._questionnaire("wsas", section)
        self.severity_line = QLabel()
        self.severity_line.setAccessibleName("Severity, derived from PHQ-9 and GAD-7")
        section.addWidget(self.severity_line)

    def _questionnaire(self, measure: str, section: QVBoxLayout) -> QuestionnaireWidget:
        widget = QuestionnaireWidget(questionnaire(measure))
        section.addWidget(widget)
        for item, row in enumerate(widget.rows):
            row.answered.connect(lambda value, i=item: self.session.set_answer(measure, i, value))  # type: ignore[arg-type]
            row.advanced.connect(lambda r=row: self._advance(r))
            self.binder.bind(f"{measure}.{item}", row, partial(self._show_answer, row, measure, item))
        return widget

    def _show_answer(self, row: AnswerRow, measure: str, item: int) -> None:
        answers = getattr(self.session.form, measure)
        row.set_value(None if answers is None else answers[item])  # the WSAS not asked: every item unanswered

    def _show_rating(self, rater: RatingChooser, variable: RatedVariable) -> None:
        rater.set_level(getattr(self.session.form, variable))
        rater.set_note(self.session.form.rating_notes.get(variable, ""))

    def _build_ratings(self) -> None:
        self.raters: dict[RatedVariable, RatingChooser] = {}
        for variable in RATED_VARIABLES:
            rater = RatingChooser(self.ruleset.variable(variable), self.ruleset.document.levels)
            rater.level_chosen.connect(lambda level, v=variable: self.session.set_rating(v, level))
            rater.note_edited.connect(lambda text, v=variable: self.session.set_rating_note(v, text))
            rater.advanced.connect(lambda r=rater: self._advance(r.levels_row))
            self.binder.bind(variable, rater.levels_row, partial(self._show_rating, rater, variable))
            self.binder.bind(f"rating_notes.{variable}", rater.note, partial(self._show_rating, rater, variable))
            self.raters[variable] = rater
            if variable != "risk":  # the risk rating is shown in the risk section, after its questions
                self.sections["ratings"].layout_.addWidget(rater)

    def _name_widgets(self) -> None:
        """The names the window, the self-test, the screenshots and the tests reach widgets by."""
        self.item9_banner, self.risk_action = self.risk.item9_banner, self.risk.action
        self.risk_present, self.risk_detail, self.protective = self.risk.present, self.risk.detail, self.risk.protective
        self.descriptor, self.interventions = self.history.descriptor, self.history.rows
        self.ltc_none, self.ltc_boxes, self.ltc_other = (
            self.conditions.ltc_none,
            self.conditions.ltc_boxes,
            self.conditions.ltc_other,
        )
        self.mus_none, self.mus_boxes = self.conditions.mus_none, self.conditions.mus_boxes
        self.mus_confirmed, self.mus_confirmed_on = self.conditions.mus_confirmed, self.conditions.mus_confirmed_on
        d = self.decision
        self.summary, self.acknowledge, self.in_meeting = d.summary, d.acknowledge, d.in_meeting
        self.route_choice, self.step_choice, self.override_reason = d.route_choice, d.step_choice, d.override_reason
        self.problems, self.confirm = d.problems, d.confirm

    # --- the session's changes -------------------------------------------------------------------

    def _session_changed(self, path: FieldPath) -> None:
        self.refresh()
        if path != "section":
            self.changed.emit()
        if path == "phq9.8" and self.session.item9_raised and not self.session.risk_question_asked("thoughts"):
            self.go_to("risk")  # draw the screener to the risk questions straight away

    def refresh(self) -> None:
        """Everything on the page from the session: rows as many as it has, every widget, the banner,
        the panel, the severity line, the item 9 banner and the summary."""
        if self.history.sync_rows():
            self.binder.apply_tab_order()
        self.wsas.setVisible(self.session.form.wsas is not None)
        self.binder.redraw()
        for widget in (self.phq9, self.gad7, self.wsas):
            widget.refresh_total()
        view = self.session.live()
        self.panel.show_view(view)
        severity = view.ratings["severity"]
        self.severity_line.setText(
            f"Severity, the higher of the two: <b>{escape(matrix_band_text(self.ruleset, severity))}</b>"
            if severity
            else "Severity is worked out from PHQ-9 and GAD-7 when both are complete."
        )
        self.risk.show_item9(self.session.item9_raised, self._carry_on_words())
        self.decision.show(view.missing)
        self._show_banner()

    def _show_banner(self) -> None:
        facts, risk = self._banner_facts, self.session.form.risk
        if risk is not None:
            facts = replace(
                facts, risk=self.ruleset.document.levels[risk], risk_code=risk, risk_when="in this screening"
            )
        self.banner.show_facts(facts)

    def _carry_on_words(self) -> str:
        """Where to go after the risk questions, with the key that really goes there."""
        after = next((p for p in self.session.unanswered() if section_of(p) != "risk"), None)
        if after is None:
            return "the summary (Alt+7)"
        return f"{screening_layout.field_words(after, self.ruleset)} ({screening_layout.shortcut_for(after)})"

    def raise_high_risk_alert(self) -> None:
        """The alert, once the change that drew it has finished (never a modal inside a change handler)."""
        if self._alert_open or self.session.form.risk_details.get("contacted"):
            return
        self._alert_open = True
        alert = HighRiskAlert(self.settings.current, self)
        try:
            if alert.exec():
                self.session.update_risk_details(alert.recorded())
        finally:
            self._alert_open = False
            alert.deleteLater()

    # --- the window's page protocol (triage.ui.pages) ---------------------------------------------

    def flush(self) -> None:
        """Nothing is held here: every answer is in the session as it is typed (its controller saves it)."""

    def can_leave(self) -> bool:
        """Not while the high-risk alert is waiting for the action to be recorded."""
        return not self._alert_open

    def clear_patient_details(self) -> None:
        self.banner.clear()
        self.setVisible(False)  # the window drops the page next; nothing of it is shown meanwhile

    # --- confirming and moving -------------------------------------------------------------------

    def request_confirm(self) -> None:
        """Hand the session's inputs to the window to save, or show what is still wrong."""
        try:
            inputs: SessionInputs = self.session.to_inputs()
        except InvalidInput as exc:
            self.decision.show_problems(exc.problems)
            self.go_to("summary", focus=False)
            return
        self.decision.show_problems([])
        self.confirm_requested.emit(inputs)

    def go_to(self, key: str, focus: bool = True) -> None:
        """Alt+N: the section in view, the focus on its first unanswered field (else its first field)."""
        section = self.sections[key]
        self.scroll_area.ensureWidgetVisible(section, 0, 0)
        if not focus:
            return
        resume = self.session.resume_point(key) or screening_layout.section(key).landing
        target = self.binder.widget_for(resume) if resume else None
        target = target or next((w for w in self.binder.widgets(key) if can_focus(w)), None)
        if target is not None:
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def go_to_field(self, path: FieldPath | None) -> None:
        """The focus on one session field (a resumed draft: where the screener left off)."""
        target = self.binder.widget_for(path) if path else None
        if target is None:
            self.go_to("summary" if path is None else section_of(path))
            return
        self.scroll_area.ensureWidgetVisible(target, 20, 40)
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _advance(self, after: QWidget) -> None:
        target = self.binder.next_question(after)
        if target is not None:
            target.setFocus(Qt.FocusReason.TabFocusReason)

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or not self.isAncestorOf(new):
            return
        self.scroll_area.ensureWidgetVisible(new, 20, 40)
        for key, section in self.sections.items():
            if section.isAncestorOf(new):
                if key != self.session.form.section:
                    self.session.set_section(key)
                    self.section_changed.emit(key)
                break
