"""The screening's problem-and-history section (section 5): the main problem descriptor, and one row per
previous psychological intervention (the stepping history): what it was, where and at which step, the
year, and its outcome (each unhelpful one counts towards the matrix, whatever its step).

The rows are the session's list: adding, editing or removing one writes the whole list to the session,
and the rows on screen are redrawn from it (as many as it has), their tab order re-applied, so a row
added later still comes before the "Add" button and the summary (live-call issue, defect 4)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from triage.labels import labels
from triage.rules.vocabulary import PROBLEM_DESCRIPTORS
from triage.services.screening_form import InterventionRow
from triage.services.screening_session import ScreeningSession
from triage.store.vocabulary import INTERVENTION_OUTCOMES, INTERVENTION_STEPS
from triage.ui.binder import Binder, show_text
from triage.ui.value_combo import select_value, value_combo


class InterventionRowWidget(QWidget):
    """One previous intervention, left to right as the tab goes: what it was and its outcome (the two
    every row needs, next to each other as before), then where and at which step and the year (both
    optional), and a button to remove the row."""

    def __init__(self, number: int) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.what = QLineEdit()
        self.what.setPlaceholderText("What was it (e.g. guided self-help)")
        self.what.setAccessibleName(f"Previous intervention {number}")
        self.step = value_combo(
            f"Where and at which step was previous intervention {number}",
            [(None, "— where, step —")] + [(s, labels().intervention_steps[s]) for s in INTERVENTION_STEPS],
        )
        self.year = QLineEdit()
        self.year.setPlaceholderText("Year")
        self.year.setMaxLength(4)
        self.year.setAccessibleName(f"Year of previous intervention {number} (optional, 4 digits)")
        self.year.setFixedWidth(self.year.fontMetrics().horizontalAdvance("00000") + 16)
        self.outcome = value_combo(
            f"Outcome of previous intervention {number}",
            [(None, "— outcome —")] + [(o, labels().intervention_outcomes[o]) for o in INTERVENTION_OUTCOMES],
        )
        self.remove = QPushButton("Remove")
        self.remove.setAccessibleName(f"Remove previous intervention {number}")
        row.addWidget(self.what, 3)
        row.addWidget(self.outcome, 1)
        row.addWidget(self.step, 2)
        row.addWidget(self.year)
        row.addWidget(self.remove)

    def value(self) -> InterventionRow:
        return InterventionRow(intervention=self.what.text(), outcome=self.outcome.currentData(),
                               step=self.step.currentData(), year=self.year.text())  # fmt: skip


class HistoryQuestions:
    """The section's widgets, added to its layout in reading (and tab) order; rows come and go."""

    def __init__(self, section: QVBoxLayout, session: ScreeningSession, binder: Binder) -> None:
        self.session, self.binder = session, binder
        form = QFormLayout()
        descriptors = [(d, labels().problem_descriptors[d]) for d in PROBLEM_DESCRIPTORS]
        self.descriptor = value_combo("Problem descriptor", [(None, "— not recorded —"), *descriptors])
        self.descriptor.currentIndexChanged.connect(
            lambda _i: session.set_problem_descriptor(self.descriptor.currentData())
        )
        binder.bind("problem_descriptor", self.descriptor,
                    lambda: select_value(self.descriptor, session.form.problem_descriptor))  # fmt: skip
        form.addRow("Main &problem", self.descriptor)
        section.addLayout(form)
        section.addWidget(
            QLabel(
                "Previous psychological interventions, in IAPT or outside it, and their outcomes (each unhelpful one"
                " counts towards the matrix):"
            )
        )
        self.rows_box = QVBoxLayout()
        section.addLayout(self.rows_box)
        self.rows: list[InterventionRowWidget] = []
        self.add_button = QPushButton("&Add a previous intervention")
        self.add_button.setAccessibleName("Add a previous intervention")
        self.add_button.clicked.connect(self.add)
        binder.bind("add_intervention", self.add_button)
        section.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    def add(self) -> None:
        """A new empty row, written to the session, with the focus in it."""
        self.session.set_previous_interventions([*self.session.form.previous_interventions, InterventionRow()])
        self.rows[-1].what.setFocus(Qt.FocusReason.OtherFocusReason)

    def _write(self) -> None:
        self.session.set_previous_interventions([row.value() for row in self.rows])

    def _remove(self, widget: InterventionRowWidget) -> None:
        rows = list(self.session.form.previous_interventions)
        del rows[self.rows.index(widget)]
        self.session.set_previous_interventions(rows)
        self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def sync_rows(self) -> bool:
        """As many rows on screen as the session has (before the binder redraws them); True if any came or went."""
        wanted = len(self.session.form.previous_interventions)
        changed = wanted != len(self.rows)
        while len(self.rows) < wanted:
            self._add_row()
        while len(self.rows) > wanted:
            widget = self.rows.pop()
            self.binder.unbind(f"previous_interventions.{len(self.rows)}")
            widget.setParent(None)
            widget.deleteLater()
        return changed

    def _add_row(self) -> None:
        index = len(self.rows)
        widget = InterventionRowWidget(index + 1)
        widget.what.textEdited.connect(lambda _t: self._write())
        widget.step.currentIndexChanged.connect(lambda _i: self._write())
        widget.year.textEdited.connect(lambda _t: self._write())
        widget.outcome.currentIndexChanged.connect(lambda _i: self._write())
        widget.remove.clicked.connect(lambda: self._remove(widget))
        self.rows.append(widget)
        self.rows_box.addWidget(widget)
        widget.show()  # at once, not at the next turn of the event loop: the focus goes into it now
        # Each redraw reads the session's row; nothing of it is kept here.
        self.binder.bind(
            f"previous_interventions.{index}.intervention",
            widget.what,
            lambda: show_text(widget.what, self.session.form.previous_interventions[index].intervention),
        )
        # Bound in the row's visual order: the binder's order is the tab order.
        self.binder.bind(
            f"previous_interventions.{index}.outcome",
            widget.outcome,
            lambda: select_value(widget.outcome, self.session.form.previous_interventions[index].outcome),
        )
        self.binder.bind(
            f"previous_interventions.{index}.step",
            widget.step,
            lambda: select_value(widget.step, self.session.form.previous_interventions[index].step),
        )
        self.binder.bind(
            f"previous_interventions.{index}.year",
            widget.year,
            lambda: show_text(widget.year, self.session.form.previous_interventions[index].year),
        )
        self.binder.bind(f"previous_interventions.{index}.remove", widget.remove)
