"""One referral's screening: the sections in the matrix's order on the left, the live recommendation
panel always in view on the right. The page only shows and edits a ScreeningForm; routing, checks
and saving are the services' work.

This module assembles the page: the scrolling column of numbered sections, the referral details,
severity (the questionnaires of triage.ui.questionnaire) and ratings, and the page's behaviour (the
form it reads and loads, the high-risk alert, confirming, moving between sections). The other
sections have their own rooms: screening_risk, screening_history, screening_conditions and
screening_decision; the side panel is triage.ui.recommendation_panel.

Keyboard: every answer is a tab stop and a digit answers it (0-3 items, 1-3 ratings); Alt+1..7 jump
to a section; Ctrl+Return confirms on the summary.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QCheckBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from triage.rules.questionnaires import questionnaire
from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import RATED_VARIABLES, RatedVariable, VariableId
from triage.services.inputs import InvalidInput
from triage.services.screening_form import SECTIONS, InterventionRow, ScreeningForm, live_view
from triage.settings import ServiceSettings
from triage.ui.questionnaire import QuestionnaireWidget
from triage.ui.rating import RatingChooser
from triage.ui.recommendation_panel import RecommendationPanel, matrix_band_text
from triage.ui.risk_alert import HighRiskAlert
from triage.ui.screening_conditions import ConditionQuestions
from triage.ui.screening_decision import DecisionSection
from triage.ui.screening_history import HistoryQuestions
from triage.ui.screening_risk import ANY_CONTACT_KEYS, RiskQuestions

SECTION_TITLES = {
    "details": "Referral",
    "severity": "Severity: PHQ-9 and GAD-7",
    "ratings": "Chronicity, complexity, impairment, substance use",
    "risk": "Risk",
    "history": "Problem and previous interventions",
    "conditions": "Long-term conditions and medically unexplained symptoms",
    "summary": "Summary and decision",
}


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
    changed = Signal()  # any answer changed (the window autosaves a moment later)
    section_changed = Signal(str)  # saved at once: a natural checkpoint
    confirm_requested = Signal(object, object)  # ScreeningInput, DecisionInput
    closed = Signal()

    def __init__(self, ruleset: Ruleset, settings: ServiceSettings, heading: str, parent: QWidget | None = None,
                 *, meeting: bool = False) -> None:  # fmt: skip
        """``meeting``: offer "decided in the referral meeting" (a team leader's confirmation)."""
        super().__init__(parent)
        self._meeting_offered = meeting
        self.ruleset = ruleset
        self.settings = settings
        self._loading = False
        self._risk_contact: dict[str, str] = {}
        self._section = "details"
        self._alert_open = False

        outer = QHBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setAccessibleName("Screening form")
        self.scroll_area = scroll  # not "scroll": that would hide QWidget.scroll()
        content = QWidget()
        self.body = QVBoxLayout(content)
        scroll.setWidget(content)
        outer.addWidget(scroll, 3)
        self.panel = RecommendationPanel(ruleset)
        outer.addWidget(self.panel, 1)

        self.sections: dict[str, Section] = {}
        for number, key in enumerate(SECTIONS, 1):
            section = Section(key, number)
            self.sections[key] = section
            self.body.addWidget(section)
            QShortcut(QKeySequence(f"Alt+{number}"), self).activated.connect(lambda k=key: self.go_to(k))
        self.body.addStretch(1)

        self._build_details(heading)
        self._build_severity()
        self._build_ratings()
        self._build_risk()
        self._build_history()
        self._build_conditions()
        self._build_summary()
        QApplication.instance().focusChanged.connect(self._focus_moved)  # type: ignore[union-attr]
        self.refresh()

    # --- building --------------------------------------------------------------------------------

    def _build_details(self, heading: str) -> None:
        label = QLabel(heading)
        label.setWordWrap(True)
        label.setAccessibleName("Referral details")
        self.sections["details"].layout_.addWidget(label)

    def _build_severity(self) -> None:
        section = self.sections["severity"].layout_
        self.phq9 = QuestionnaireWidget(questionnaire("phq9"))
        self.gad7 = QuestionnaireWidget(questionnaire("gad7"))
        self.ask_wsas = QCheckBox("Also ask the &WSAS (optional: work and social adjustment)")
        self.ask_wsas.setAccessibleName("Ask the WSAS")
        self.wsas = QuestionnaireWidget(questionnaire("wsas"))
        self.wsas.setVisible(False)
        for widget in (self.phq9, self.gad7, self.ask_wsas, self.wsas):
            section.addWidget(widget)
        self.phq9.changed.connect(self._phq9_changed)
        self.gad7.changed.connect(self._changed)
        self.wsas.changed.connect(self._changed)
        self.ask_wsas.toggled.connect(self._wsas_asked)
        self.severity_line = QLabel()
        self.severity_line.setAccessibleName("Severity, derived from PHQ-9 and GAD-7")
        section.addWidget(self.severity_line)

    def _wsas_asked(self, on: bool) -> None:
        self.wsas.setVisible(on)
        self._changed()

    def _build_ratings(self) -> None:
        self.raters: dict[RatedVariable, RatingChooser] = {}
        for variable in RATED_VARIABLES:
            rater = RatingChooser(self.ruleset.variable(variable), self.ruleset.document.levels)
            rater.changed.connect(self._changed)
            self.raters[variable] = rater
            target = "risk" if variable == "risk" else "ratings"
            if target == "ratings":
                self.sections[target].layout_.addWidget(rater)

    # The sections in their own rooms. The page keeps its old names for their widgets: the window, the
    # self-test, the screenshots and the tests reach them through the page.

    def _build_risk(self) -> None:
        self.risk = RiskQuestions(self.sections["risk"].layout_, self.raters["risk"], self._changed)
        self.raters["risk"].changed.connect(self._risk_level_changed)
        self.item9_banner, self.risk_action = self.risk.item9_banner, self.risk.action
        self.risk_present, self.risk_detail, self.protective = self.risk.present, self.risk.detail, self.risk.protective

    def _build_history(self) -> None:
        self.history = HistoryQuestions(self.sections["history"].layout_, self._changed)
        self.descriptor, self.interventions = self.history.descriptor, self.history.rows

    def _add_intervention(self, row: InterventionRow | None = None, focus: bool = False) -> None:
        self.history.add(row, focus)

    def _build_conditions(self) -> None:
        self.conditions = ConditionQuestions(self.sections["conditions"].layout_, self._changed)
        self.ltc_boxes, self.ltc_other, self.mus_boxes = (
            self.conditions.ltc_boxes,
            self.conditions.ltc_other,
            self.conditions.mus_boxes,
        )

    def _build_summary(self) -> None:
        decision = DecisionSection(self.sections["summary"].layout_, self.ruleset, meeting=self._meeting_offered,
                                   on_confirm=self.request_confirm)  # fmt: skip
        self.decision = decision
        self.summary, self.acknowledge, self.in_meeting = decision.summary, decision.acknowledge, decision.in_meeting
        self.route_choice, self.step_choice = decision.route_choice, decision.step_choice
        self.override_reason, self.problems, self.confirm = (
            decision.override_reason,
            decision.problems,
            decision.confirm,
        )
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.request_confirm)

    # --- state -----------------------------------------------------------------------------------

    def form(self) -> ScreeningForm:
        ratings = {v: r.level for v, r in self.raters.items() if r.level is not None}
        notes: dict[VariableId, str] = {v: r.note.text() for v, r in self.raters.items() if r.note.text().strip()}
        risk = self.risk.details()
        risk.update(self._risk_contact)
        mus_kinds = self.conditions.mus_kinds()
        return ScreeningForm(
            section=self._section,
            phq9=self.phq9.answers(),
            gad7=self.gad7.answers(),
            wsas=self.wsas.answers() if self.ask_wsas.isChecked() else None,
            ratings=ratings,
            rating_notes=notes,
            risk_details=risk,
            long_term_conditions=self.conditions.long_term_conditions(),
            medically_unexplained_symptoms=bool(mus_kinds),
            mus_kinds=mus_kinds,
            problem_descriptor=self.descriptor.currentData(),
            previous_interventions=[widget.value() for widget in self.interventions],
        )

    def load(self, form: ScreeningForm) -> None:
        """Put a draft back on screen, every answer as it was."""
        self._loading = True
        try:
            self.phq9.set_answers(form.phq9)
            self.gad7.set_answers(form.gad7)
            self.ask_wsas.setChecked(form.wsas is not None)
            self.wsas.set_answers(form.wsas)
            for variable, rater in self.raters.items():
                rater.set_level(form.ratings.get(variable))
                rater.note.setText(form.rating_notes.get(variable, ""))
            risk = form.risk_details
            self.risk.load(risk)
            self._risk_contact = {k: risk[k] for k in ANY_CONTACT_KEYS if risk.get(k)}
            self.conditions.load(form.long_term_conditions, form.mus_kinds)
            self.history.load(form.problem_descriptor, form.previous_interventions)
            self._section = form.section if form.section in SECTIONS else "details"
        finally:
            self._loading = False
        self.refresh()

    # --- behaviour -------------------------------------------------------------------------------

    def _changed(self) -> None:
        if self._loading:
            return
        self.refresh()
        self.changed.emit()

    def _phq9_changed(self) -> None:
        item9 = self.phq9.answers()[8]
        self._changed()
        if item9 and item9 > 0 and self.risk_present["thoughts"].currentData() == "not_asked":
            # Draw the screener to the risk questions straight away.
            self.go_to("risk")

    def _risk_level_changed(self) -> None:
        if self._loading:
            return
        if self.raters["risk"].level == "high" and not self._risk_contact.get("contacted") and not self._alert_open:
            QTimer.singleShot(0, self.raise_high_risk_alert)

    def raise_high_risk_alert(self) -> None:
        self._alert_open = True
        alert = HighRiskAlert(self.settings, self)
        try:
            alert.exec()
            self._risk_contact = alert.recorded()
        finally:
            self._alert_open = False
        self._changed()

    def refresh(self) -> None:
        form = self.form()
        view = live_view(form, self.ruleset)
        self.panel.show_view(view)
        severity = view.ratings["severity"]
        self.severity_line.setText(
            f"Severity, the higher of the two: <b>{escape(matrix_band_text(self.ruleset, severity))}</b>"
            if severity
            else "Severity is worked out from PHQ-9 and GAD-7 when both are complete."
        )
        self.risk.show(bool(view.phq9.flags) or (form.phq9[8] or 0) > 0, self._risk_contact)
        self.decision.show(view)

    def request_confirm(self) -> None:
        """Check the decision (a person's explicit choice where needed, a reason for any override,
        warnings acknowledged) and hand it to the window to save; show what is wrong otherwise."""
        view = live_view(self.form(), self.ruleset)
        routing = view.routing
        if routing is None:
            problems = view.problems or [f"not yet recorded: {item}" for item in view.missing]
        else:
            problems = self.decision.choice_problems(routing) + view.problems
            if not problems:
                try:
                    screening = self.form().to_input()
                    decision = self.decision.to_input()
                except InvalidInput as exc:
                    problems = exc.problems
                else:
                    self.problems.setVisible(False)
                    self.confirm_requested.emit(screening, decision)
                    return
        self.decision.show_problems(problems)
        self.go_to("summary", focus=False)

    def go_to(self, key: str, focus: bool = True) -> None:
        section = self.sections[key]
        self.scroll_area.ensureWidgetVisible(section, 0, 0)
        if focus:
            first = section.nextInFocusChain()
            while first is not None and not (
                section.isAncestorOf(first) and first.focusPolicy() & Qt.FocusPolicy.TabFocus
            ):
                first = first.nextInFocusChain()
                if first is section:
                    break
            if first is not None and section.isAncestorOf(first):
                first.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or not self.isAncestorOf(new):
            return
        self.scroll_area.ensureWidgetVisible(new, 20, 40)
        for key, section in self.sections.items():
            if section.isAncestorOf(new) and key != self._section:
                self._section = key
                self.section_changed.emit(key)
                break
