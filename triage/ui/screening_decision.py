"""The screening's summary-and-decision section (section 7): the recommendation with its reasons and
warnings, the route and step to confirm, the reason for any override, "decided in the referral meeting",
what still blocks confirming, and the Confirm button.

The section checks the choice a person made; the page decides when to confirm and hands it on.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset
from triage.services.inputs import DecisionInput, parse
from triage.services.route_choice import REASON_PROBLEMS, reason_needed
from triage.services.screening_form import LiveView
from triage.ui.value_combo import select_value, value_combo


class DecisionSection:
    """The section's widgets, added to its layout in reading (and tab) order."""

    def __init__(
        self, section: QVBoxLayout, ruleset: Ruleset, *, meeting: bool, on_confirm: Callable[[], None]
    ) -> None:
        """``meeting``: offer "decided in the referral meeting" (a team leader's; the services check the role)."""
        self.ruleset = ruleset
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Recommendation and reasons")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        section.addWidget(self.summary)
        self.acknowledge = QCheckBox("I have reviewed the &warnings above")
        self.acknowledge.setAccessibleName("Warnings reviewed")
        section.addWidget(self.acknowledge)
        section.addLayout(self._choice_form())
        self.in_meeting = QCheckBox("Decided in the referral m&eeting")
        self.in_meeting.setAccessibleName("Decided in the referral meeting")
        self.in_meeting.setVisible(meeting)
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
        self.confirm.clicked.connect(on_confirm)
        section.addWidget(self.confirm, 0, Qt.AlignmentFlag.AlignLeft)

    def _choice_form(self) -> QFormLayout:
        form = QFormLayout()
        self.route_choice = value_combo("Route to confirm", [])
        self.step_choice = value_combo("Step", [(2, "Step 2 (low-intensity)"), (3, "Step 3 (high-intensity)")])
        self.override_reason = QPlainTextEdit()
        self.override_reason.setAccessibleName("Reason for choosing another route or step")
        self.override_reason.setTabChangesFocus(True)
        self.override_reason.setFixedHeight(70)
        form.addRow("&Route", self.route_choice)
        form.addRow("&Step", self.step_choice)
        form.addRow(
            "Reason (required when risk is high,\nor when you choose other than recommended)", self.override_reason
        )
        return form

    # --- showing ---------------------------------------------------------------------------------

    def show(self, view: LiveView) -> None:
        routing = view.routing
        if routing is None:
            self.summary.setText(
                "Complete the sections above to see the recommendation. Still needed: "
                + escape("; ".join(view.missing or view.problems))
            )
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
            self.summary.setText(
                self.summary.text()
                + "<p><b>Still to record before confirming:</b> "
                + escape("; ".join(view.problems))
                + "</p>"
            )
        self.acknowledge.setVisible(bool(routing.warnings))
        self._offer_routes(routing)
        self.confirm.setEnabled(True)

    def _offer_routes(self, routing: Routing) -> None:
        """When a person must decide, nothing is preselected; otherwise the recommendation is."""
        current = self.route_choice.currentData()
        choices = [routing.route] + [
            r for r in ("crisis_team", "cmht", "substance_misuse", "core_iapt", "integrated_iapt") if r != routing.route
        ]
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
        select_value(self.route_choice, current if current else (None if routing.needs_confirmation else routing.route))
        self.route_choice.blockSignals(False)
        self._route_chosen()
        if routing.step:
            select_value(self.step_choice, routing.step)

    def _route_chosen(self) -> None:
        route = self.route_choice.currentData()
        self.step_choice.setEnabled(route in ("core_iapt", "integrated_iapt"))

    def show_problems(self, problems: list[str]) -> None:
        self.problems.setText("Before confirming: " + escape("; ".join(problems)))
        self.problems.setVisible(True)

    # --- the decision ----------------------------------------------------------------------------

    def _chosen(self) -> tuple[str | None, int | None, str | None]:
        """Route, step (only for a stepped route) and override reason, as chosen on screen."""
        route = self.route_choice.currentData()
        step = self.step_choice.currentData() if route in ("core_iapt", "integrated_iapt") else None
        reason = self.override_reason.toPlainText().strip() or None
        return route, step, reason

    def choice_problems(self, routing: Routing) -> list[str]:
        """What is wrong with the choice: a person's explicit choice where needed, a reason for any
        override, warnings acknowledged."""
        problems = []
        route, step, reason = self._chosen()
        if route is None:
            problems.append("Route: choose the route yourself (a person must decide here)")
        elif (needed := reason_needed(routing, route, step)) and not reason:
            problems.append(REASON_PROBLEMS[needed])
        if routing.warnings and not self.acknowledge.isChecked():
            problems.append("Warnings: tick that you have reviewed them")
        return problems

    def to_input(self) -> DecisionInput:
        """The choice, validated; raises InvalidInput."""
        route, step, reason = self._chosen()
        return parse(DecisionInput, {"confirmed_route": route, "confirmed_step": step, "override_reason": reason,
                                     "warnings_acknowledged": self.acknowledge.isChecked()})  # fmt: skip
