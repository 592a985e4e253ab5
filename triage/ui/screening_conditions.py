"""The screening's conditions section (section 6): tick boxes for the long-term physical conditions and the
medically unexplained symptoms on the service's lists, and a line for any other long-term condition."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QVBoxLayout

from triage.services.screening_form import condition_lists


class ConditionQuestions:
    """The section's widgets, added to its layout in reading (and tab) order."""

    def __init__(self, section: QVBoxLayout, on_change: Callable[[], None]) -> None:
        lists = condition_lists()
        section.addWidget(QLabel("Long-term physical conditions (any one means integrated IAPT):"))
        self.ltc_boxes = _checkboxes(section, lists.long_term_conditions, "Long-term condition", on_change)
        self.ltc_other = QLineEdit()
        self.ltc_other.setAccessibleName("Other long-term conditions")
        self.ltc_other.setPlaceholderText("Other long-term conditions, separated by semicolons")
        self.ltc_other.textChanged.connect(lambda _t: on_change())
        section.addWidget(self.ltc_other)
        section.addWidget(QLabel("Medically unexplained symptoms:"))
        self.mus_boxes = _checkboxes(section, lists.medically_unexplained_symptoms, "Medically unexplained symptoms",
                                    on_change)  # fmt: skip
        source = QLabel(f"<small>Lists: {escape(lists.source)}</small>")
        source.setWordWrap(True)
        section.addWidget(source)

    def long_term_conditions(self) -> list[str]:
        """The ticked ones, then any others typed in."""
        ltcs = [box.text() for box in self.ltc_boxes if box.isChecked()]
        return ltcs + [part.strip() for part in self.ltc_other.text().split(";") if part.strip()]

    def mus_kinds(self) -> list[str]:
        return [box.text() for box in self.mus_boxes if box.isChecked()]

    def load(self, long_term_conditions: list[str], mus_kinds: list[str]) -> None:
        known = set(condition_lists().long_term_conditions)
        for box in self.ltc_boxes:
            box.setChecked(box.text() in long_term_conditions)
        self.ltc_other.setText("; ".join(c for c in long_term_conditions if c not in known))
        for box in self.mus_boxes:
            box.setChecked(box.text() in mus_kinds)


def _checkboxes(
    layout: QVBoxLayout, names: tuple[str, ...], kind: str, on_change: Callable[[], None]
) -> list[QCheckBox]:
    """One tick box per name, two to a row, each named "<kind>: <name>" for a screen reader."""
    grid = QGridLayout()
    boxes = []
    for index, name in enumerate(names):
        box = QCheckBox(name)
        box.setAccessibleName(f"{kind}: {name}")
        box.toggled.connect(lambda _on: on_change())
        grid.addWidget(box, index // 2, index % 2)
        boxes.append(box)
    layout.addLayout(grid)
    return boxes
