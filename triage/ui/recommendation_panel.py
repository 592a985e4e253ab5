"""The side panel, always in view during a screening: scores and bands, the seven ratings, what is
indicated so far, the recommendation when complete, and every warning. Risk is stated in words, with
a symbol, never by colour alone; nothing here is behind a scroll, a tab or a click.

Each score's two bands are shown apart, each with its source from the data: the matrix's band (the
ruleset's, which routes) and the questionnaire's standard band (for information only).

The labels carry their purpose as accessible description, not name: a label's name is its text, and a
name set on it would be read instead of what it shows."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from triage.rules.questionnaires import questionnaire
from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import VARIABLES, Level, VariableId
from triage.services.screening_form import LiveView, ScoreView
from triage.ui.questionnaire import standard_band_text


def _label(text: str = "", role: str | None = None, name: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    if role:
        label.setProperty("role", role)
    if name:
        label.setAccessibleDescription(name)
    return label


def matrix_source(ruleset: Ruleset) -> str:
    """The ruleset's id in words, short enough to stand beside every band: "doncaster-2007" -> "Doncaster 2007"
    (the footer and the matrix window give its title, version and document in full)."""
    words = ruleset.id.replace("-", " ")
    return words[:1].upper() + words[1:]


def matrix_band_text(ruleset: Ruleset, level: Level) -> str:
    return f"Matrix band ({matrix_source(ruleset)}): {ruleset.level_words[level].lower()}"


class RecommendationPanel(QFrame):
    def __init__(self, ruleset: Ruleset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ruleset = ruleset
        self.setProperty("role", "panel")
        self.setMinimumWidth(340)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)  # room for the two bands of each score on a 1280x720 screen

        self.risk = _label(role="alert", name="Risk")
        self.recommendation = _label(role="recommendation", name="Recommendation")
        self.confirmation = _label(role="warning", name="Needs confirmation")
        self.warnings = _label(role="warning", name="Warnings")
        for label in (self.risk, self.recommendation):
            font = label.font()
            font.setPointSizeF(font.pointSizeF() * 1.25)
            label.setFont(font)
        layout.addWidget(self.risk)
        layout.addWidget(self.recommendation)
        layout.addWidget(self.confirmation)
        layout.addWidget(self.warnings)

        layout.addWidget(_label("<b>Scores</b> (the matrix band routes)"))
        self.questionnaires = {"PHQ-9": questionnaire("phq9"), "GAD-7": questionnaire("gad7")}
        self.score_totals: dict[str, QLabel] = {}
        self.matrix_bands: dict[str, QLabel] = {}
        self.standard_bands: dict[str, QLabel] = {}
        for (
            shown,
            measure,
        ) in self.questionnaires.items():  # per measure: its total and matrix band, then its standard band
            self.score_totals[shown] = _label(name=f"{shown} score")
            self.matrix_bands[shown] = _label(role="matrixBand", name=f"{shown} band in the matrix, used for routing")
            self.standard_bands[shown] = _label(role="standardBand", name=f"{shown} standard band, for information")
            self.standard_bands[shown].setToolTip(f"Not used for routing. Source: {measure.bands.source}")
            line = QHBoxLayout()  # a box, not a grid: with the bands hidden, the total takes the whole width
            line.setSpacing(8)
            line.addWidget(self.score_totals[shown], 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(self.matrix_bands[shown], 1)
            bands = QVBoxLayout()
            bands.setSpacing(0)  # the standard band sits close under its total
            bands.addLayout(line)
            bands.addWidget(self.standard_bands[shown])
            layout.addLayout(bands)

        layout.addWidget(_label("<b>Ratings</b> (in the matrix's order)"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        self.rating_labels: dict[VariableId, QLabel] = {}
        for row, variable in enumerate(VARIABLES):
            name = QLabel(ruleset.variable_labels[variable])
            name.setWordWrap(True)
            value = _label(name=f"{ruleset.variable_labels[variable]} rating")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.rating_labels[variable] = value
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)

        layout.addWidget(_label("<b>Indicated by the matrix</b>"))
        self.destinations = _label(name="Destinations indicated")
        layout.addWidget(self.destinations)
        layout.addStretch(1)
        footer = _label(
            f"<small>Ruleset {escape(ruleset.id)} {escape(ruleset.version)} ({escape(ruleset.status)}) · "
            f"{ruleset.sha256[:12]}</small>",
            name="Ruleset in force",
        )
        layout.addWidget(footer)

    def show_view(self, view: LiveView) -> None:
        words = self.ruleset.level_words
        risk = view.ratings.get("risk")
        self.risk.setVisible(risk == "high" or bool(view.phq9.flags))
        risk_lines = []
        if risk == "high" and view.risk_contact:
            risk_lines.append(f"⚠ HIGH RISK — action recorded: {escape(view.risk_contact)} contacted.")
        elif risk == "high":
            risk_lines.append("⚠ HIGH RISK — act now: record who was contacted and when.")
        if view.phq9.flags:
            risk_lines.append("⚠ PHQ-9 item 9 (thoughts of self-harm) answered above 0: ask the risk questions.")
        self.risk.setText("<br>".join(risk_lines))

        if view.routing is not None:
            routing = view.routing
            step = f" · {escape(self.ruleset.document.steps.labels[routing.step])}" if routing.step else ""
            self.recommendation.setText(f"Recommended: <b>{escape(self.ruleset.route_labels[routing.route])}</b>{step}")
        else:
            self.recommendation.setText("No recommendation yet. Still needed: " + escape("; ".join(view.missing)))

        matched = view.routing.matched.confirmation if view.routing else ()
        reasons = [rule.text for rule in self.ruleset.document.confirmation if rule.id in matched]
        self.confirmation.setVisible(bool(reasons))
        self.confirmation.setText("⚠ A person must decide: " + escape(" ".join(reasons)))
        warnings = list(view.routing.warnings) if view.routing else []
        self.warnings.setVisible(bool(warnings))
        self.warnings.setText("<br>".join(f"⚠ Warning: {escape(w)}" for w in warnings))

        for score in (view.phq9, view.gad7):
            self._show_score(score)
        for variable, label in self.rating_labels.items():
            level = view.ratings.get(variable)
            text = words[level].capitalize() if level else "— not rated"
            if variable == "risk" and level == "high":
                text = "⚠ <b>High</b>"
            label.setText(text)
        lines = []
        for code, variables in view.indicated.items():
            names = ", ".join(escape(self.ruleset.variable_labels[v]) for v in variables)
            lines.append(f"<b>{escape(self.ruleset.destination_labels[code])}</b> ← {names}")
        self.destinations.setText("<br>".join(lines) or "Nothing rated yet.")

    def _show_score(self, score: ScoreView) -> None:
        matrix, standard = self.matrix_bands[score.name], self.standard_bands[score.name]
        complete = score.complete and score.matrix_level is not None
        matrix.setVisible(complete)
        standard.setVisible(complete)
        if not complete or score.matrix_level is None:
            self.score_totals[score.name].setText(
                f"{score.name}: {score.answered} of {score.items} items answered ({score.total} so far)"
            )
            return
        self.score_totals[score.name].setText(f"<b>{score.name} {score.total}</b>")
        matrix.setText(f"<b>{escape(matrix_band_text(self.ruleset, score.matrix_level))}</b>")
        questionnaire_ = self.questionnaires[score.name]
        standard.setText(f"<small>{escape(standard_band_text(questionnaire_, score.standard_band or ''))}</small>")
