"""One referral's screening: the sections in the matrix's order on the left, the live recommendation
panel always in view on the right. The page only shows and edits a ScreeningForm; routing, checks
and saving are the services' work.

Keyboard: every answer is a tab stop and a digit answers it (0-3 items, 1-3 ratings); Alt+1..7 jump
to a section; Ctrl+Return confirms on the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from triage.labels import labels
from triage.rules.questionnaires import questionnaire
from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import PROBLEM_DESCRIPTORS, RATED_VARIABLES
from triage.services.inputs import DecisionInput, InvalidInput, parse
from triage.services.screening_form import SECTIONS, InterventionRow, ScreeningForm, condition_lists, live_view
from triage.settings import ServiceSettings
from triage.store.vocabulary import INTERVENTION_OUTCOMES
from triage.ui.questionnaire import QuestionnaireWidget
from triage.ui.rating import RatingChooser
from triage.ui.recommendation_panel import RecommendationPanel
from triage.ui.risk_alert import HighRiskAlert

SECTION_TITLES = {
    "details": "Referral",
    "severity": "Severity: PHQ-9 and GAD-7",
    "ratings": "Chronicity, complexity, impairment, substance use",
    "risk": "Risk",
    "history": "Problem and previous interventions",
    "conditions": "Long-term conditions and medically unexplained symptoms",
    "summary": "Summary and decision",
}
RISK_PROMPTS = (
    ("thoughts", "Thoughts of suicide or harm to self or others"),
    ("intent", "Intent to act on them"),
    ("plan", "A plan"),
    ("history", "History of self-harm, suicide attempts or harm to others"),
)
PRESENT = (("not_asked", "Not asked yet"), ("no", "No"), ("yes", "Yes"))
ANY_CONTACT_KEYS = ("contacted", "contacted_at", "actions_taken")


def uk_date_time(iso: str) -> str:
    """23/11/2026 10:42 from an ISO date-time; unreadable text is shown as it is."""
    try:
        return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return escape(iso)


def _combo(name: str, items: list[tuple[str | None, str]]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for value, label in items:
        combo.addItem(label, value)
    return combo


def _set_combo(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))


class Section(QFrame):
    def __init__(self, key: str, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(4, 12, 4, 12)
        title = QLabel(f"<h3>{number}. {escape(SECTION_TITLES[key])}</h3><small>Alt+{number}</small>")
        title.setAccessibleName(SECTION_TITLES[key])
        self.layout_.addWidget(title)


class InterventionRowWidget(QWidget):
    def __init__(self, number: int, on_change: Callable[[], None], on_remove: Callable[[QWidget], None]) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.what = QLineEdit()
        self.what.setPlaceholderText("What was it (e.g. guided self-help, 2019)")
        self.what.setAccessibleName(f"Previous intervention {number}")
        self.outcome = _combo(f"Outcome of previous intervention {number}",
                              [(None, "— outcome —")]
                              + [(o, labels().intervention_outcomes[o]) for o in INTERVENTION_OUTCOMES])
        remove = QPushButton("Remove")
        remove.setAccessibleName(f"Remove previous intervention {number}")
        row.addWidget(self.what, 3)
        row.addWidget(self.outcome, 1)
        row.addWidget(remove)
        self.what.textChanged.connect(lambda _t: on_change())
        self.outcome.currentIndexChanged.connect(lambda _i: on_change())
        remove.clicked.connect(lambda: on_remove(self))

    def value(self) -> InterventionRow:
        return InterventionRow(intervention=self.what.text(), outcome=self.outcome.currentData())


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
        self.scroll = scroll
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
            QShortcut(QKeySequence(f"Alt+{number}"), self, activated=lambda k=key: self.go_to(k))
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
        self.ask_wsas.toggled.connect(lambda on: (self.wsas.setVisible(on), self._changed()))
        self.severity_line = QLabel()
        self.severity_line.setAccessibleName("Severity, derived from PHQ-9 and GAD-7")
        section.addWidget(self.severity_line)

    def _build_ratings(self) -> None:
        self.raters: dict[str, RatingChooser] = {}
        for variable in RATED_VARIABLES:
            rater = RatingChooser(self.ruleset.variable(variable), self.ruleset.document.levels)
            rater.changed.connect(self._changed)
            self.raters[variable] = rater
            target = "risk" if variable == "risk" else "ratings"
            if target == "ratings":
                self.sections[target].layout_.addWidget(rater)

    def _build_risk(self) -> None:
        section = self.sections["risk"].layout_
        self.item9_banner = QLabel(
            "⚠ PHQ-9 item 9 was answered above 0: ask these risk questions now, then carry on with GAD-7 (Alt+2)."
        )
        self.item9_banner.setProperty("role", "alert")
        self.item9_banner.setWordWrap(True)
        self.item9_banner.setVisible(False)
        section.addWidget(self.item9_banner)
        grid = QGridLayout()
        self.risk_present: dict[str, QComboBox] = {}
        self.risk_detail: dict[str, QLineEdit] = {}
        for row, (key, prompt) in enumerate(RISK_PROMPTS):
            grid.addWidget(QLabel(prompt), row, 0)
            present = _combo(f"{prompt}: asked?", [(value, label) for value, label in PRESENT])
            detail = QLineEdit()
            detail.setAccessibleName(f"{prompt}: detail")
            detail.setPlaceholderText("Detail, in the person's words where possible")
            present.currentIndexChanged.connect(lambda _i: self._changed())
            detail.textChanged.connect(lambda _t: self._changed())
            grid.addWidget(present, row, 1)
            grid.addWidget(detail, row, 2)
            self.risk_present[key], self.risk_detail[key] = present, detail
        grid.setColumnStretch(2, 1)
        section.addLayout(grid)
        form = QFormLayout()
        self.protective = QLineEdit()
        self.protective.setAccessibleName("Protective factors")
        self.protective.textChanged.connect(lambda _t: self._changed())
        form.addRow("Protective factors", self.protective)
        section.addLayout(form)
        section.addWidget(self.raters["risk"])
        self.raters["risk"].changed.connect(self._risk_level_changed)
        self.risk_action = QLabel()
        self.risk_action.setWordWrap(True)
        self.risk_action.setAccessibleName("Action taken for high risk")
        section.addWidget(self.risk_action)

    def _build_history(self) -> None:
        section = self.sections["history"].layout_
        form = QFormLayout()
        descriptors = [(d, labels().problem_descriptors[d]) for d in PROBLEM_DESCRIPTORS]
        self.descriptor = _combo("Problem descriptor", [(None, "— not recorded —"), *descriptors])
        self.descriptor.currentIndexChanged.connect(lambda _i: self._changed())
        form.addRow("Main &problem", self.descriptor)
        section.addLayout(form)
        section.addWidget(QLabel("Previous psychological interventions and their outcomes (each unhelpful one counts towards the matrix):"))
        self.interventions_box = QVBoxLayout()
        section.addLayout(self.interventions_box)
        self.interventions: list[InterventionRowWidget] = []
        add = QPushButton("&Add a previous intervention")
        add.setAccessibleName("Add a previous intervention")
        add.clicked.connect(lambda: self._add_intervention(focus=True))
        section.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)

    def _add_intervention(self, row: InterventionRow | None = None, focus: bool = False) -> None:
        widget = InterventionRowWidget(len(self.interventions) + 1, self._changed, self._remove_intervention)
        if row:
            widget.what.setText(row.intervention)
            _set_combo(widget.outcome, row.outcome)
        self.interventions.append(widget)
        self.interventions_box.addWidget(widget)
        if focus:
            widget.what.setFocus()
        self._changed()

    def _remove_intervention(self, widget: QWidget) -> None:
        self.interventions.remove(widget)  # type: ignore[arg-type]
        widget.deleteLater()
        self._changed()

    def _build_conditions(self) -> None:
        section = self.sections["conditions"].layout_
        lists = condition_lists()
        section.addWidget(QLabel("Long-term physical conditions (any one means integrated IAPT):"))
        self.ltc_boxes = self._checkboxes(section, lists.long_term_conditions, "Long-term condition")
        self.ltc_other = QLineEdit()
        self.ltc_other.setAccessibleName("Other long-term conditions")
        self.ltc_other.setPlaceholderText("Other long-term conditions, separated by semicolons")
        self.ltc_other.textChanged.connect(lambda _t: self._changed())
        section.addWidget(self.ltc_other)
        section.addWidget(QLabel("Medically unexplained symptoms:"))
        self.mus_boxes = self._checkboxes(section, lists.medically_unexplained_symptoms, "Medically unexplained symptoms")
        source = QLabel(f"<small>Lists: {escape(lists.source)}</small>")
        source.setWordWrap(True)
        section.addWidget(source)

    def _checkboxes(self, layout: QVBoxLayout, names: tuple[str, ...], kind: str) -> list[QCheckBox]:
        grid = QGridLayout()
        boxes = []
        for index, name in enumerate(names):
            box = QCheckBox(name)
            box.setAccessibleName(f"{kind}: {name}")
            box.toggled.connect(lambda _on: self._changed())
            grid.addWidget(box, index // 2, index % 2)
            boxes.append(box)
        layout.addLayout(grid)
        return boxes

    def _build_summary(self) -> None:
        section = self.sections["summary"].layout_
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Recommendation and reasons")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        section.addWidget(self.summary)
        self.acknowledge = QCheckBox("I have reviewed the &warnings above")
        self.acknowledge.setAccessibleName("Warnings reviewed")
        section.addWidget(self.acknowledge)
        form = QFormLayout()
        self.route_choice = _combo("Route to confirm", [])
        self.step_choice = _combo("Step", [(2, "Step 2 (low-intensity)"), (3, "Step 3 (high-intensity)")])
        self.override_reason = QPlainTextEdit()
        self.override_reason.setAccessibleName("Reason for choosing another route or step")
        self.override_reason.setTabChangesFocus(True)
        self.override_reason.setFixedHeight(70)
        form.addRow("&Route", self.route_choice)
        form.addRow("&Step", self.step_choice)
        form.addRow("Reason (required when you\nchoose other than recommended)", self.override_reason)
        section.addLayout(form)
        self.in_meeting = QCheckBox("Decided in the referral m&eeting")
        self.in_meeting.setAccessibleName("Decided in the referral meeting")
        self.in_meeting.setVisible(self._meeting_offered)  # a team leader's; the services check the role
        section.addWidget(self.in_meeting)
        self.route_choice.currentIndexChanged.connect(self._route_chosen)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "warning")
        self.problems.setAccessibleName("Problems to fix before confirming")
        self.problems.setVisible(False)
        section.addWidget(self.problems)
        self.confirm = QPushButton("&Confirm decision (Ctrl+Return)")
        self.confirm.setAccessibleName("Confirm decision")
        self.confirm.clicked.connect(self.request_confirm)
        section.addWidget(self.confirm, 0, Qt.AlignmentFlag.AlignLeft)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.request_confirm)

    # --- state -----------------------------------------------------------------------------------

    def form(self) -> ScreeningForm:
        ratings = {v: r.level for v, r in self.raters.items() if r.level is not None}
        notes = {v: r.note.text() for v, r in self.raters.items() if r.note.text().strip()}
        risk = {key: {"present": self.risk_present[key].currentData(), "detail": self.risk_detail[key].text()} for key, _ in RISK_PROMPTS}
        risk["protective_factors"] = self.protective.text()
        risk.update(self._risk_contact)
        ltcs = [box.text() for box in self.ltc_boxes if box.isChecked()]
        ltcs += [part.strip() for part in self.ltc_other.text().split(";") if part.strip()]
        return ScreeningForm(
            section=self._section,
            phq9=self.phq9.answers(),
            gad7=self.gad7.answers(),
            wsas=self.wsas.answers() if self.ask_wsas.isChecked() else None,
            ratings=ratings,
            rating_notes=notes,
            risk_details=risk,
            long_term_conditions=ltcs,
            medically_unexplained_symptoms=any(box.isChecked() for box in self.mus_boxes),
            mus_kinds=[box.text() for box in self.mus_boxes if box.isChecked()],
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
            for key, _ in RISK_PROMPTS:
                item = risk.get(key) or {}
                _set_combo(self.risk_present[key], item.get("present", "not_asked"))
                self.risk_detail[key].setText(item.get("detail", ""))
            self.protective.setText(risk.get("protective_factors", ""))
            self._risk_contact = {k: risk[k] for k in ANY_CONTACT_KEYS if risk.get(k)}
            known = set(condition_lists().long_term_conditions)
            for box in self.ltc_boxes:
                box.setChecked(box.text() in form.long_term_conditions)
            self.ltc_other.setText("; ".join(c for c in form.long_term_conditions if c not in known))
            for box in self.mus_boxes:
                box.setChecked(box.text() in form.mus_kinds)
            _set_combo(self.descriptor, form.problem_descriptor)
            for widget in list(self.interventions):
                self._remove_intervention(widget)
            for row in form.previous_interventions:
                self._add_intervention(row)
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
            f"Severity (derived, the higher band of the two): <b>{self.ruleset.level_words[severity]}</b>"
            if severity else "Severity is worked out from PHQ-9 and GAD-7 when both are complete."
        )
        self.item9_banner.setVisible(bool(view.phq9.flags) or (form.phq9[8] or 0) > 0)
        contact = self._risk_contact
        if contact.get("contacted"):
            self.risk_action.setText(f"Action recorded: contacted {escape(contact['contacted'])} at "
                                     f"{uk_date_time(contact.get('contacted_at', ''))}. "
                                     f"{escape(contact.get('actions_taken', ''))}")
        else:
            self.risk_action.setText("")
        self._refresh_summary(view)

    def _refresh_summary(self, view) -> None:  # noqa: ANN001 - LiveView
        routing = view.routing
        if routing is None:
            self.summary.setText("Complete the sections above to see the recommendation. Still needed: "
                                 + escape("; ".join(view.missing or view.problems)))
            self.acknowledge.setVisible(False)
            self.route_choice.clear()
            self.confirm.setEnabled(False)
            return
        reasons = "".join(f"<li>{escape(r)}</li>" for r in routing.reasons)
        warnings = "".join(f"<li>⚠ {escape(w)}</li>" for w in routing.warnings)
        step = f", {self.ruleset.document.steps.labels[routing.step]}" if routing.step else ""
        self.summary.setText(
            f"<p>Recommended: <b>{escape(self.ruleset.route_labels[routing.route])}{escape(step)}</b></p>"
            f"<ul>{reasons}</ul>" + (f"<p><b>Warnings</b></p><ul>{warnings}</ul>" if warnings else "")
        )
        if view.problems:
            self.summary.setText(self.summary.text() + "<p><b>Still to record before confirming:</b> "
                                 + escape("; ".join(view.problems)) + "</p>")
        self.acknowledge.setVisible(bool(routing.warnings))
        self._offer_routes(routing)
        self.confirm.setEnabled(True)

    def _offer_routes(self, routing) -> None:  # noqa: ANN001 - Routing
        """When a person must decide, nothing is preselected; otherwise the recommendation is."""
        current = self.route_choice.currentData()
        choices = [routing.route] + [r for r in ("crisis_team", "cmht", "substance_misuse", "core_iapt", "integrated_iapt") if r != routing.route]
        wanted = ([None] if routing.needs_confirmation else []) + choices
        if [self.route_choice.itemData(i) for i in range(self.route_choice.count())] == wanted:
            return
        self.route_choice.blockSignals(True)
        self.route_choice.clear()
        if routing.needs_confirmation:
            self.route_choice.addItem("— choose —", None)
        for route in choices:
            suffix = " (recommended)" if route == routing.route else ""
            self.route_choice.addItem(self.ruleset.route_labels[route] + suffix, route)
        _set_combo(self.route_choice, current if current else (None if routing.needs_confirmation else routing.route))
        self.route_choice.blockSignals(False)
        self._route_chosen()
        if routing.step:
            _set_combo(self.step_choice, routing.step)

    def _route_chosen(self) -> None:
        route = self.route_choice.currentData()
        self.step_choice.setEnabled(route in ("core_iapt", "integrated_iapt"))

    def request_confirm(self) -> None:
        """Check the decision (a person's explicit choice where needed, a reason for any override,
        warnings acknowledged) and hand it to the window to save; show what is wrong otherwise."""
        problems = []
        view = live_view(self.form(), self.ruleset)
        routing = view.routing
        if routing is None:
            problems = view.problems or [f"not yet recorded: {item}" for item in view.missing]
        else:
            route = self.route_choice.currentData()
            step = self.step_choice.currentData() if route in ("core_iapt", "integrated_iapt") else None
            reason = self.override_reason.toPlainText().strip() or None
            if route is None:
                problems.append("Route: choose the route yourself (a person must decide here)")
            elif (route, step) != (routing.route, routing.step) and not reason:
                problems.append("Reason: say why you chose other than the recommendation")
            if routing.warnings and not self.acknowledge.isChecked():
                problems.append("Warnings: tick that you have reviewed them")
            problems += view.problems
            if not problems:
                try:
                    screening = self.form().to_input()
                    decision = parse(DecisionInput, {"confirmed_route": route, "confirmed_step": step,
                                                     "override_reason": reason,
                                                     "warnings_acknowledged": self.acknowledge.isChecked()})
                except InvalidInput as exc:
                    problems = exc.problems
                else:
                    self.problems.setVisible(False)
                    self.confirm_requested.emit(screening, decision)
                    return
        self.problems.setText("Before confirming: " + escape("; ".join(problems)))
        self.problems.setVisible(True)
        self.go_to("summary", focus=False)

    def go_to(self, key: str, focus: bool = True) -> None:
        section = self.sections[key]
        self.scroll.ensureWidgetVisible(section, 0, 0)
        if focus:
            first = section.nextInFocusChain()
            while first is not None and not (section.isAncestorOf(first) and first.focusPolicy() & Qt.FocusPolicy.TabFocus):
                first = first.nextInFocusChain()
                if first is section:
                    break
            if first is not None and section.isAncestorOf(first):
                first.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or not self.isAncestorOf(new):
            return
        self.scroll.ensureWidgetVisible(new, 20, 40)
        for key, section in self.sections.items():
            if section.isAncestorOf(new) and key != self._section:
                self._section = key
                self.section_changed.emit(key)
                break
