"""The screening's problem-and-history section (section 5): the main problem descriptor, and one row per
previous psychological intervention with its outcome (each unhelpful one counts towards the matrix)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from triage.labels import labels
from triage.rules.vocabulary import PROBLEM_DESCRIPTORS, ProblemDescriptor
from triage.services.screening_form import InterventionRow
from triage.store.vocabulary import INTERVENTION_OUTCOMES
from triage.ui.value_combo import select_value, value_combo


class InterventionRowWidget(QWidget):
    """One previous intervention: what it was, its outcome, and a button to remove the row."""

    def __init__(self, number: int, on_change: Callable[[], None],
                 on_remove: Callable[[InterventionRowWidget], None]) -> None:  # fmt: skip
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.what = QLineEdit()
        self.what.setPlaceholderText("What was it (e.g. guided self-help, 2019)")
        self.what.setAccessibleName(f"Previous intervention {number}")
        self.outcome = value_combo(
            f"Outcome of previous intervention {number}",
            [(None, "— outcome —")] + [(o, labels().intervention_outcomes[o]) for o in INTERVENTION_OUTCOMES],
        )
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


class HistoryQuestions:
    """The section's widgets, added to its layout in reading (and tab) order; rows come and go."""

    def __init__(self, section: QVBoxLayout, on_change: Callable[[], None]) -> None:
        self._on_change = on_change
        form = QFormLayout()
        descriptors = [(d, labels().problem_descriptors[d]) for d in PROBLEM_DESCRIPTORS]
        self.descriptor = value_combo("Problem descriptor", [(None, "— not recorded —"), *descriptors])
        self.descriptor.currentIndexChanged.connect(lambda _i: on_change())
        form.addRow("Main &problem", self.descriptor)
        section.addLayout(form)
        section.addWidget(
            QLabel(
                "Previous psychological interventions and their outcomes (each unhelpful one counts towards the matrix):"
            )
        )
        self.rows_box = QVBoxLayout()
        section.addLayout(self.rows_box)
        self.rows: list[InterventionRowWidget] = []
        add = QPushButton("&Add a previous intervention")
        add.setAccessibleName("Add a previous intervention")
        add.clicked.connect(lambda: self.add(focus=True))
        section.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)

    def add(self, row: InterventionRow | None = None, focus: bool = False) -> None:
        widget = InterventionRowWidget(len(self.rows) + 1, self._on_change, self.remove)
        if row:
            widget.what.setText(row.intervention)
            select_value(widget.outcome, row.outcome)
        self.rows.append(widget)
        self.rows_box.addWidget(widget)
        if focus:
            widget.what.setFocus()
        self._on_change()

    def remove(self, widget: InterventionRowWidget) -> None:
        self.rows.remove(widget)
        widget.deleteLater()
        self._on_change()

    def load(self, descriptor: ProblemDescriptor | None, rows: list[InterventionRow]) -> None:
        """Show a draft's answers in place of the ones on screen."""
        select_value(self.descriptor, descriptor)
        for widget in list(self.rows):
            self.remove(widget)
        for row in rows:
            self.add(row)
