"""The screening's summary-and-decision section (section 7): the recommendation with its reasons and
warnings, the route and step to confirm, the reason when one is needed, "decided in the referral
meeting", what still blocks confirming, and the Confirm button.

Everything here shows and edits the session's decision draft (triage.services.route_choice): the Route
box says whether the choice follows the recommendation ("As recommended: …", which moves with it) or
is the person's own; when the recommendation moves after they chose, the section asks them to keep
their choice or follow the new one, and nothing can be confirmed until they have (defect 1).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from triage.rules.ruleset import Ruleset
from triage.services.route_choice import (
    IAPT_ROUTES,
    Chosen,
    Recommendation,
    Step,
    reason_needed,
    warnings_acknowledged,
)
from triage.services.screening_session import ScreeningSession
from triage.ui.binder import Binder, show_text
from triage.ui.value_combo import select_value, value_combo

FOLLOW = "follow"  # the Route box's first item: the choice follows the recommendation


class DecisionSection:
    """The section's widgets, added to its layout in reading (and tab) order."""

    def __init__(self, section: QVBoxLayout, session: ScreeningSession, binder: Binder, ruleset: Ruleset, *,
                 meeting: bool, on_confirm: Callable[[], None]) -> None:  # fmt: skip
        """``meeting``: offer "decided in the referral meeting" (a team leader's; the services check the role)."""
        self.session, self.ruleset = session, ruleset
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Recommendation and reasons")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        section.addWidget(self.summary)
        self.acknowledge = QCheckBox("I have re&viewed the warnings above")
        self.acknowledge.setAccessibleName("Warnings reviewed")
        self.acknowledge.toggled.connect(session.acknowledge_warnings)
        binder.bind("decision.acknowledged_warnings", self.acknowledge, self._show_acknowledged)
        section.addWidget(self.acknowledge)
        section.addWidget(self._conflict_box(binder))
        section.addLayout(self._choice_form(binder))
        self.in_meeting = QCheckBox("Decided in the referral m&eeting")
        self.in_meeting.setAccessibleName("Decided in the referral meeting")
        self.in_meeting.setVisible(meeting)
        self.in_meeting.toggled.connect(session.set_in_meeting)
        binder.bind("decision.in_meeting", self.in_meeting,
                    lambda: self.in_meeting.setChecked(session.decision.in_meeting))  # fmt: skip
        section.addWidget(self.in_meeting)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "warning")
        self.problems.setAccessibleName("Problems to fix before confirming")
        self.problems.setVisible(False)
        self._problems_shown = False
        section.addWidget(self.problems)
        self.confirm = QPushButton("&Confirm decision (Ctrl+Return)")
        self.confirm.setAccessibleName("Confirm decision")
        self.confirm.clicked.connect(on_confirm)
        binder.bind("confirm", self.confirm)
        section.addWidget(self.confirm, 0, Qt.AlignmentFlag.AlignLeft)

    def _conflict_box(self, binder: Binder) -> QFrame:
        self.conflict = QFrame()
        box = QVBoxLayout(self.conflict)
        box.setContentsMargins(0, 0, 0, 0)
        self.conflict_text = QLabel()
        self.conflict_text.setProperty("role", "alert")  # said in words, the border only adding to them
        self.conflict_text.setWordWrap(True)
        box.addWidget(self.conflict_text)
        buttons = QHBoxLayout()
        self.keep = QPushButton("&Keep my choice")
        self.keep.setAccessibleName("Keep my choice")
        self.keep.clicked.connect(self.session.keep_choice)
        self.follow = QPushButton("Follow the &new recommendation")
        self.follow.setAccessibleName("Follow the new recommendation")
        self.follow.clicked.connect(self.session.follow_recommendation)
        for button, path in ((self.keep, "decision.conflict.keep"), (self.follow, "decision.conflict.follow")):
            buttons.addWidget(button)
            binder.bind(path, button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.conflict.setVisible(False)
        return self.conflict

    def _choice_form(self, binder: Binder) -> QFormLayout:
        form = QFormLayout()
        self.route_choice = value_combo("Route to confirm", [])
        self.route_choice.currentIndexChanged.connect(self._route_chosen)
        binder.bind("decision.route_choice", self.route_choice, self._show_route)
        self.step_choice = value_combo("Step", [(None, "— choose —"), (2, "Step 2 (low-intensity)"),
                                                (3, "Step 3 (high-intensity)")])  # fmt: skip
        self.step_choice.currentIndexChanged.connect(self._step_chosen)
        binder.bind("decision.step", self.step_choice, self._show_step)
        self.override_reason = QPlainTextEdit()
        self.override_reason.setAccessibleName("Reason for the route chosen")
        self.override_reason.setTabChangesFocus(True)
        self.override_reason.setFixedHeight(70)
        self.override_reason.textChanged.connect(
            lambda: self.session.set_override_reason(self.override_reason.toPlainText())
        )
        binder.bind("decision.override_reason", self.override_reason,
                    lambda: show_text(self.override_reason, self.session.decision.override_reason))  # fmt: skip
        self.reason_label = QLabel("Reas&on")
        self.reason_label.setBuddy(self.override_reason)
        # For an outcome with criteria (not suitable: refer back to the GP): the one that applied, printed in the letter.
        self.criterion_choice = value_combo("Criterion that applied", [])
        self.criterion_choice.currentIndexChanged.connect(self._criterion_chosen)
        binder.bind("decision.outcome_criterion", self.criterion_choice, self._show_criterion)
        criterion_label = QLabel("Cr&iterion")
        criterion_label.setBuddy(self.criterion_choice)
        form.addRow("&Route", self.route_choice)
        form.addRow("&Step", self.step_choice)
        form.addRow(criterion_label, self.criterion_choice)
        form.addRow(self.reason_label, self.override_reason)
        # Routed to a service that returned this person before: said, and its matrix rationale required.
        self.return_warning = QLabel()
        self.return_warning.setWordWrap(True)
        self.return_warning.setProperty("role", "alert")  # in words; the border only adds to them
        self.return_warning.setAccessibleName("Returned before")
        self.return_warning.setVisible(False)
        form.addRow(self.return_warning)
        self.return_rationale = QPlainTextEdit()
        self.return_rationale.setAccessibleName("Matrix rationale for a service that returned the person before")
        self.return_rationale.setTabChangesFocus(True)
        self.return_rationale.setFixedHeight(60)
        self.return_rationale.textChanged.connect(
            lambda: self.session.set_return_rationale(self.return_rationale.toPlainText())
        )
        binder.bind("decision.return_rationale", self.return_rationale,
                    lambda: show_text(self.return_rationale, self.session.decision.return_rationale))  # fmt: skip
        rationale_label = QLabel("Matrix rationa&le")
        rationale_label.setBuddy(self.return_rationale)
        form.addRow(rationale_label, self.return_rationale)
        return form

    # --- the person's input ----------------------------------------------------------------------

    def _route_chosen(self) -> None:
        value = self.route_choice.currentData()
        if value == FOLLOW:
            self.session.follow_recommendation()
        elif value is not None:
            self.session.choose_route(value)  # an IAPT route's step is chosen next, never carried over

    def _criterion_chosen(self) -> None:
        code = self.criterion_choice.currentData()
        self.session.set_outcome_criterion(code or "")

    def _step_chosen(self) -> None:
        step = self.step_choice.currentData()
        if step is not None:
            self.session.choose_step(step)

    # --- showing ---------------------------------------------------------------------------------

    def show(self, missing: list[str]) -> None:
        """The summary and what depends on the recommendation; ``missing``: what it still waits for."""
        recommendation = self.session.recommendation
        if recommendation is None:
            self.summary.setText("Complete the sections above to see the recommendation. Still needed: "
                                 + escape("; ".join(missing)))  # fmt: skip
        else:
            self.summary.setText(self._summary_html(recommendation))
        self.acknowledge.setVisible(bool(recommendation and recommendation.warnings))
        self.conflict.setVisible(self.session.in_conflict)
        choice = self.session.route_choice
        if isinstance(choice, Chosen) and recommendation is not None:
            self.conflict_text.setText(
                f"⚠ The recommendation changed to {escape(self._key_text(recommendation.key.route, recommendation.key.step))}"
                f" after you chose {escape(self._key_text(choice.route, choice.step))}. Keep your choice, or follow the"
                " new recommendation."
            )
        self.route_choice.setEnabled(recommendation is not None)
        self.override_reason.setEnabled(recommendation is not None)  # nothing to give a reason for yet
        self.reason_label.setText(self._reason_label())
        warning = self.session.return_warning()
        self.return_warning.setText(escape(warning or ""))
        self.return_warning.setVisible(warning is not None)
        self.return_rationale.setEnabled(warning is not None)
        if self._problems_shown:  # once confirming was refused, the list stays true as they fix it
            self.show_problems(self.session.problems())

    def _summary_html(self, recommendation: Recommendation) -> str:
        routing = recommendation.routing
        reasons = "".join(f"<li>{escape(r)}</li>" for r in routing.reasons)
        warnings = "".join(f"<li>⚠ {escape(w)}</li>" for w in routing.warnings)
        text = (f"<p>Recommended: <b>{escape(self._key_text(routing.route, routing.step))}</b></p><ul>{reasons}</ul>"
                + (f"<p><b>Warnings</b></p><ul>{warnings}</ul>" if warnings else ""))  # fmt: skip
        problems = self.session.screening_problems()
        if problems:
            text += "<p><b>Still to record before confirming:</b> " + escape("; ".join(problems)) + "</p>"
        return text

    def _key_text(self, route: str, step: Step | None) -> str:
        steps = self.ruleset.document.steps.labels
        return self.ruleset.outcome_labels.get(route, route) + (f", {steps[step]}" if step else "")

    def _show_route(self) -> None:
        recommendation = self.session.recommendation
        items: list[tuple[object, str]] = []
        if recommendation is not None:
            key = recommendation.key
            follow = ("— choose —" if recommendation.needs_confirmation
                      else f"As recommended: {self._key_text(key.route, key.step)}")  # fmt: skip
            items.append((FOLLOW, follow))
            items += [(r, self.ruleset.route_labels[r] + (" (recommended)" if r == key.route else ""))
                      for r in (key.route, *(r for r in self._route_order() if r != key.route))]  # fmt: skip
            # Then every other outcome of the ruleset: the discharges and the local refer-on services.
            items += [(e.code, e.label or e.code) for e in self.ruleset.decision_outcomes if e.kind != "route"]
        if [(self.route_choice.itemData(i), self.route_choice.itemText(i))
                for i in range(self.route_choice.count())] != items:  # fmt: skip
            self.route_choice.clear()
            for value, label in items:
                self.route_choice.addItem(label, value)
        choice = self.session.route_choice
        select_value(self.route_choice, choice.route if isinstance(choice, Chosen) else FOLLOW)

    def _route_order(self) -> list[str]:
        """Every route, most intensive first: the ruleset's precedence, IAPT as its two routes."""
        order: list[str] = []
        for code in self.ruleset.document.precedence:
            order += sorted(IAPT_ROUTES) if code == "iapt" else [code]  # core, then integrated
        return order

    def _show_step(self) -> None:
        choice, recommendation = self.session.route_choice, self.session.recommendation
        if isinstance(choice, Chosen):
            route, step = choice.route, choice.step
        elif recommendation is not None and not recommendation.needs_confirmation:
            route, step = recommendation.key.route, recommendation.key.step
        else:
            route, step = None, None
        self.step_choice.setEnabled(route in IAPT_ROUTES)
        select_value(self.step_choice, step if route in IAPT_ROUTES else None)

    def _show_criterion(self) -> None:
        choice = self.session.route_choice
        outcome = self.ruleset.outcome(choice.route) if isinstance(choice, Chosen) else None
        criteria = outcome.criteria or [] if outcome else []
        items: list[tuple[object, str]] = (
            [(None, "— choose the criterion that applied —"), *((c.code, c.label) for c in criteria)]
            if criteria else [(None, "— not needed for this outcome —")]
        )  # fmt: skip
        if [(self.criterion_choice.itemData(i), self.criterion_choice.itemText(i))
                for i in range(self.criterion_choice.count())] != items:  # fmt: skip
            self.criterion_choice.clear()
            for value, label in items:
                self.criterion_choice.addItem(label, value)
        self.criterion_choice.setEnabled(bool(criteria))
        select_value(self.criterion_choice, self.session.decision.outcome_criterion or None)

    def _show_acknowledged(self) -> None:
        recommendation = self.session.recommendation
        shown = bool(recommendation and recommendation.warnings)
        self.acknowledge.setChecked(shown and warnings_acknowledged(self.session.decision, recommendation))

    def _reason_label(self) -> str:
        recommendation, chosen = self.session.recommendation, self.session.effective_route
        needed = reason_needed(recommendation.routing, chosen.route, chosen.step) if recommendation and chosen else None
        return {None: "Reas&on (when you choose other than recommended, or risk is high)",
                "override": "Reas&on (required: you chose other than recommended)",
                "high_risk": "Reas&on (required: risk is high)"}[needed]  # fmt: skip

    def show_problems(self, problems: list[str]) -> None:
        self._problems_shown = bool(problems)
        self.problems.setText("Before confirming: " + escape("; ".join(problems)))
        self.problems.setVisible(bool(problems))
