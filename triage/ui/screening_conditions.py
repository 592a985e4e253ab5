"""The screening's conditions section (section 6): tick boxes for the long-term physical conditions and the
medically unexplained symptoms on the service's lists (its Settings; ``session.conditions``), each list
headed by the pathway it leads to (the ruleset's integrated IAPT route), a line for any other long-term condition, and
for each list an explicit "None" (live-call issue, defect 2: unanswered is never "none", and an IAPT
recommendation waits for this section).

Each list is bound to the session as one value: None (not asked yet: nothing ticked), () ("None"
ticked) or the conditions ticked and typed. Ticking "None" clears the list; ticking a condition clears
"None".

With medically unexplained symptoms ticked, the GP's confirmation that no physical illness was missed
(seed 003:197-205) is asked after them: a tick box and the date it was confirmed (optional, dd/mm/yyyy),
each enabled only when it means something. The GP letter asks for it while it is not ticked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout

from triage.fields import UK_DATE_HELP
from triage.services.screening_session import ScreeningSession
from triage.ui.binder import Binder, show_text

Answer = tuple[str, ...] | None  # None: not asked; (): none


class ConditionQuestions:
    """The section's widgets, added to its layout in reading (and tab) order."""

    def __init__(self, section: QVBoxLayout, session: ScreeningSession, binder: Binder) -> None:
        self.session, self.binder = session, binder
        lists = session.conditions
        pathway = escape(session.ruleset.document.iapt_routes.integrated.label)
        section.addWidget(_heading(f"Long-term physical conditions (any one leads to the integrated pathway: "
                                   f"<b>{pathway}</b>):"))  # fmt: skip
        self.ltc_none = self._none_box("No long-term physical conditions", "long_term_conditions", section,
                                       self._write_ltc)  # fmt: skip
        self.ltc_boxes = self._boxes(section, lists.long_term_conditions, "long_term_conditions",
                                     "Long-term condition", self._write_ltc)  # fmt: skip
        self.ltc_other = QLineEdit()
        self.ltc_other.setAccessibleName("Other long-term conditions")
        self.ltc_other.setPlaceholderText("Other long-term conditions, separated by semicolons")
        self.ltc_other.textEdited.connect(lambda _t: self._write_ltc(self.ltc_other))
        binder.bind("long_term_conditions.other", self.ltc_other, self._show_ltc)
        section.addWidget(self.ltc_other)
        section.addWidget(_heading(f"Medically unexplained symptoms (any one also leads to <b>{pathway}</b>):"))
        self.mus_none = self._none_box("No medically unexplained symptoms", "mus_kinds", section, self._write_mus)
        self.mus_boxes = self._boxes(section, lists.medically_unexplained_symptoms, "mus_kinds",
                                     "Medically unexplained symptoms", self._write_mus)  # fmt: skip
        self._mus_confirmation(section)
        source = QLabel(f"<small>Lists: {escape(lists.source)}</small>")
        source.setWordWrap(True)
        section.addWidget(source)

    # --- building --------------------------------------------------------------------------------

    def _mus_confirmation(self, section: QVBoxLayout) -> None:
        self.mus_confirmed = QCheckBox("GP has confirmed no physical illness was missed")
        self.mus_confirmed.setAccessibleName("GP has confirmed no physical illness was missed")
        self.mus_confirmed.setToolTip("Not ticked: not yet. The GP letter asks for the confirmation until it is given.")
        self.mus_confirmed.toggled.connect(lambda _on: self._write_confirmation())
        self.mus_confirmed_on = QLineEdit()
        self.mus_confirmed_on.setAccessibleName("Date the GP confirmed no physical illness was missed (dd/mm/yyyy)")
        self.mus_confirmed_on.setPlaceholderText("Date confirmed, dd/mm/yyyy (optional)")
        self.mus_confirmed_on.setToolTip(UK_DATE_HELP.replace("must be", "A"))
        self.mus_confirmed_on.textEdited.connect(lambda _t: self._write_confirmation())
        self.binder.bind("assessment.mus_confirmation.gp_confirmed", self.mus_confirmed, self._show_confirmation)
        self.binder.bind("assessment.mus_confirmation.confirmed_on", self.mus_confirmed_on, self._show_confirmation)
        row = QHBoxLayout()
        row.addWidget(self.mus_confirmed)
        row.addWidget(self.mus_confirmed_on, 1)
        section.addLayout(row)

    def _none_box(self, text: str, path: str, section: QVBoxLayout, write: Callable[[QCheckBox], None]) -> QCheckBox:
        box = QCheckBox(text)
        box.setAccessibleName(text)
        box.toggled.connect(lambda _on: write(box))
        self.binder.bind(f"{path}.none", box, self._show_ltc if path == "long_term_conditions" else self._show_mus)
        section.addWidget(box)
        return box

    def _boxes(self, section: QVBoxLayout, names: tuple[str, ...], path: str, kind: str,
               write: Callable[[QCheckBox], None]) -> list[QCheckBox]:  # fmt: skip
        """One tick box per name, two to a row, each named "<kind>: <name>" for a screen reader."""
        grid = QGridLayout()
        boxes = []
        show = self._show_ltc if path == "long_term_conditions" else self._show_mus
        for index, name in enumerate(names):
            box = QCheckBox(name)
            box.setAccessibleName(f"{kind}: {name}")
            box.toggled.connect(lambda _on, b=box: write(b))
            self.binder.bind(f"{path}.{index}", box, show)
            grid.addWidget(box, index // 2, index % 2)
            boxes.append(box)
        section.addLayout(grid)
        return boxes

    # --- writing: what is on screen, as the session's one value ----------------------------------

    def _write_ltc(self, touched: QCheckBox | QLineEdit) -> None:
        ticked = [box.text() for box in self.ltc_boxes if box.isChecked()]
        typed = _typed(self.ltc_other.text())
        self.session.set_long_term_conditions(_answer(touched is self.ltc_none, self.ltc_none.isChecked(),
                                                      ticked + typed))  # fmt: skip

    def _write_mus(self, touched: QCheckBox | QLineEdit) -> None:
        ticked = [box.text() for box in self.mus_boxes if box.isChecked()]
        self.session.set_mus_kinds(_answer(touched is self.mus_none, self.mus_none.isChecked(), ticked))

    def _write_confirmation(self) -> None:
        self.session.set_mus_confirmation(self.mus_confirmed.isChecked(), self.mus_confirmed_on.text())

    # --- showing ---------------------------------------------------------------------------------

    def _show_confirmation(self) -> None:
        form = self.session.form
        answer = form.assessment.get("mus_confirmation") or {}
        confirmed = bool(answer.get("gp_confirmed"))
        self.mus_confirmed.setEnabled(bool(form.medically_unexplained_symptoms))
        self.mus_confirmed_on.setEnabled(bool(form.medically_unexplained_symptoms) and confirmed)
        if self.mus_confirmed.isChecked() != confirmed:
            was = self.mus_confirmed.blockSignals(True)
            self.mus_confirmed.setChecked(confirmed)
            self.mus_confirmed.blockSignals(was)
        typed = _uk(str(answer.get("confirmed_on") or ""))
        if self.mus_confirmed_on.text() != typed:
            show_text(self.mus_confirmed_on, typed)

    def _show_ltc(self) -> None:
        answer = self.session.form.long_term_conditions
        known = set(self.session.conditions.long_term_conditions)
        _show_boxes(self.ltc_none, self.ltc_boxes, answer)
        others = [c for c in answer or () if c not in known]
        if _typed(self.ltc_other.text()) != others:  # "Psoriasis; " as typed stays until the next one comes
            show_text(self.ltc_other, "; ".join(others))

    def _show_mus(self) -> None:
        _show_boxes(self.mus_none, self.mus_boxes, self.session.form.mus_kinds)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _uk(text: str) -> str:
    """A stored (ISO) date shown as the form's dates are typed, dd/mm/yyyy; anything else as it is."""
    try:
        return date.fromisoformat(text).strftime("%d/%m/%Y") if len(text) == 10 and text[4] == "-" else text
    except ValueError:
        return text


def _typed(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _answer(touched_none: bool, none_ticked: bool, items: list[str]) -> Answer:
    """The list's value after a change: "None" just ticked wins; any item then clears "None"."""
    if touched_none and none_ticked:
        return ()
    if items:
        return tuple(items)
    return () if none_ticked else None


def _show_boxes(none: QCheckBox, boxes: list[QCheckBox], answer: Answer) -> None:
    # Each box is redrawn with its own signals blocked: the binder blocks only the one it is redrawing.
    for box, checked in [(none, answer == ()), *((b, b.text() in (answer or ())) for b in boxes)]:
        if box.isChecked() != checked:
            was = box.blockSignals(True)
            box.setChecked(checked)
            box.blockSignals(was)
