"""The screening's assessment content beyond the matrix (issue 15, item 7), placed in the sections it
belongs to: access needs, work and circumstances and the patient's goals in section 1 (the referral);
the secondary problems with the anxiety-disorder-specific measure prompt in section 5 (the problem);
the supervision flag, the options offered and the patient's choice, with the self-help caveat, in
section 7 (before the decision). Protective factors rated are in the risk section (screening_risk).

Every widget is bound to the session (triage.ui.binder): it writes with the session's setters and is
redrawn from the session; text is kept as typed (checked when the screening is completed). The lists
and the words shown are resources/assessment.yaml's (services.assessment)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from html import escape
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGridLayout, QLabel, QLineEdit, QVBoxLayout

from triage.labels import labels
from triage.rules.vocabulary import PROBLEM_DESCRIPTORS
from triage.services.assessment import assessment_words, avoidance_warning, measure_prompts, self_help_caveat
from triage.services.screening_session import ScreeningSession
from triage.ui.binder import Binder, show_text
from triage.ui.value_combo import select_value, value_combo

NOT_ASKED = "— not asked —"


def _heading(section: QVBoxLayout, text: str) -> None:
    label = QLabel(f"<b>{escape(text)}</b>")
    label.setAccessibleName(text)
    section.addWidget(label)


def _set_checked(box: QCheckBox, checked: bool) -> None:
    if box.isChecked() != checked:
        was = box.blockSignals(True)
        box.setChecked(checked)
        box.blockSignals(was)


class _Part:
    """Widgets of one part of the assessment (``access_needs``, ``circumstances``, ``choice``)."""

    def __init__(self, session: ScreeningSession, binder: Binder, part: str) -> None:
        self.session, self.binder, self.part = session, binder, part

    def value(self, key: str, default: Any = None) -> Any:
        return (self.session.form.assessment.get(self.part) or {}).get(key, default)

    def write(self, key: str, value: Any) -> None:
        self.session.update_assessment(self.part, {key: value})

    def combo(self, key: str, name: str, items: Mapping[Any, str], empty: str = NOT_ASKED) -> QComboBox:
        combo = value_combo(name, [(None, empty), *items.items()])
        combo.currentIndexChanged.connect(lambda _i: self.write(key, combo.currentData()))
        self.binder.bind(f"assessment.{self.part}.{key}", combo, lambda: select_value(combo, self.value(key)))
        return combo

    def check(self, key: str, text: str) -> QCheckBox:
        box = QCheckBox(text)
        box.setAccessibleName(text)
        box.toggled.connect(lambda on: self.write(key, on))
        self.binder.bind(f"assessment.{self.part}.{key}", box, lambda: _set_checked(box, bool(self.value(key))))
        return box

    def line(self, key: str, name: str, placeholder: str, *, blank: Any = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(lambda text: self.write(key, text if text.strip() else blank))
        self.binder.bind(f"assessment.{self.part}.{key}", edit, lambda: show_text(edit, self.value(key) or ""))
        return edit

    def boxes(self, key: str, kind: str, items: dict[str, str], columns: int) -> tuple[QGridLayout, list[QCheckBox]]:
        """One tick box per code, named "<kind>: <label>"; the list written in the file's order."""
        grid, boxes = QGridLayout(), list[QCheckBox]()
        for index, (code, text) in enumerate(items.items()):
            box = QCheckBox(text)
            box.setAccessibleName(f"{kind}: {text}")
            box.setProperty("code", code)
            box.toggled.connect(lambda _on: self.write(key, [b.property("code") for b in boxes if b.isChecked()]))
            self.binder.bind(f"assessment.{self.part}.{key}.{index}", box, partial(self._show_box, box, key))
            grid.addWidget(box, index // columns, index % columns)
            boxes.append(box)
        return grid, boxes

    def _show_box(self, box: QCheckBox, key: str) -> None:
        _set_checked(box, box.property("code") in (self.value(key) or ()))


class AccessAndCircumstances:
    """Section 1: access needs, work and circumstances, the patient's goals."""

    def __init__(self, section: QVBoxLayout, session: ScreeningSession, binder: Binder) -> None:
        words = assessment_words()
        access = _Part(session, binder, "access_needs")
        _heading(section, "Access needs")
        form = QFormLayout()
        self.interpreter = access.line("interpreter_language", "Interpreter language",
                                       "Language, if an interpreter is needed", blank=None)  # fmt: skip
        form.addRow("Interpreter language", self.interpreter)
        self.information_format = access.combo("information_format", "Format of information",
                                               words.information_formats)  # fmt: skip
        form.addRow("Format of information", self.information_format)
        section.addLayout(form)
        self.advocate = access.check("advocate", "Needs an advocate")
        self.no_gp = access.check("no_registered_gp", "No registered GP")
        self.no_address = access.check("no_fixed_address", "No fixed address")
        row = QGridLayout()
        for column, box in enumerate((self.advocate, self.no_gp, self.no_address)):
            row.addWidget(box, 0, column)
        section.addLayout(row)

        work = _Part(session, binder, "circumstances")
        _heading(section, "Work and circumstances")
        form = QFormLayout()
        self.employment = work.combo("employment_status", "Employment status", words.employment_statuses)
        form.addRow("Employment status", self.employment)
        self.benefits = work.combo("benefits", "Receiving benefits", words.yes_no)
        form.addRow("Receiving benefits", self.benefits)
        self.sick_pay = work.combo("statutory_sick_pay", "Statutory sick pay", words.yes_no)
        form.addRow("Statutory sick pay", self.sick_pay)
        self.support = work.combo("employment_support", "Employment support", words.employment_support)
        form.addRow("Employment support", self.support)
        section.addLayout(form)
        section.addWidget(QLabel("Concerns:"))
        grid, self.concerns = work.boxes("concerns", "Concern", words.concerns, 4)
        section.addLayout(grid)
        form = QFormLayout()
        self.goals = QLineEdit()
        self.goals.setAccessibleName("Patient's goals")
        self.goals.setPlaceholderText("What the person wants from therapy, in their words")
        self.goals.textEdited.connect(session.set_goals)
        binder.bind("assessment.goals", self.goals,
                    lambda: show_text(self.goals, session.form.assessment.get("goals") or ""))  # fmt: skip
        form.addRow("Patient's goals", self.goals)
        section.addLayout(form)


class SecondaryProblems:
    """Section 5, after the main problem: the other problems, and the ADSM prompt with the seeds' warning."""

    def __init__(self, section: QVBoxLayout, session: ScreeningSession, binder: Binder) -> None:
        self.session = session
        section.addWidget(QLabel("Other problems (secondary):"))
        grid, self.boxes = QGridLayout(), list[QCheckBox]()
        names = labels().problem_descriptors
        for index, code in enumerate(PROBLEM_DESCRIPTORS):
            box = QCheckBox(names[code])
            box.setAccessibleName(f"Secondary problem: {names[code]}")
            box.setProperty("code", code)
            box.toggled.connect(lambda _on: self._write())
            binder.bind(f"secondary_descriptors.{index}", box, partial(self._show, box))
            grid.addWidget(box, index // 3, index % 3)
            self.boxes.append(box)
        section.addLayout(grid)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.prompt.setProperty("role", "alert")
        self.prompt.setAccessibleName("Anxiety-disorder-specific measure")
        binder.bind("secondary_descriptors.prompt", self.prompt, self._show_prompt)
        section.addWidget(self.prompt)

    def _write(self) -> None:
        self.session.set_secondary_descriptors([b.property("code") for b in self.boxes if b.isChecked()])

    def _show(self, box: QCheckBox) -> None:
        form = self.session.form
        _set_checked(box, box.property("code") in form.secondary_descriptors)
        box.setEnabled(box.property("code") != form.problem_descriptor)  # the main problem is not a secondary one

    def _show_prompt(self) -> None:
        form = self.session.form
        prompts = measure_prompts([form.problem_descriptor, *form.secondary_descriptors],
                                  bool(form.medically_unexplained_symptoms))  # fmt: skip
        warning = avoidance_warning(prompts)
        lines = [f"⚠ {escape(p)}" for p in prompts] + ([f"<i>{escape(warning)}</i>"] if warning else [])
        self.prompt.setText("<br>".join(lines))
        self.prompt.setAccessibleDescription(" ".join([*prompts, warning or ""]).strip())
        self.prompt.setVisible(bool(prompts))


class ChoiceQuestions:
    """Section 7, before the decision: the options offered, the patient's choice and preferences."""

    def __init__(self, section: QVBoxLayout, session: ScreeningSession, binder: Binder) -> None:
        words = assessment_words()
        self.session = session
        # At any risk level (requirements.md 9 D.30; the Haringey flow's "screen is discussed in supervision").
        self.supervision = QCheckBox("Discuss in supervision (at any risk level)")
        self.supervision.setAccessibleName("Discuss in supervision")
        self.supervision.toggled.connect(session.set_discuss_in_supervision)
        binder.bind("discuss_in_supervision", self.supervision,
                    lambda: _set_checked(self.supervision, session.form.discuss_in_supervision))  # fmt: skip
        section.addWidget(self.supervision)
        choice = _Part(session, binder, "choice")
        _heading(section, "Options offered and the patient's choice")
        grid, self.options = choice.boxes("options_offered", "Option offered", words.treatment_options, 3)
        section.addLayout(grid)
        form = QFormLayout()
        self.preferred = choice.combo("preferred_option", "Patient's preferred option", words.treatment_options,
                                      "— not chosen —")  # fmt: skip
        form.addRow("Patient's preferred option", self.preferred)
        section.addLayout(form)
        self.caveat = QLabel()
        self.caveat.setWordWrap(True)
        self.caveat.setProperty("role", "alert")
        self.caveat.setAccessibleName("Self-help caveat")
        binder.bind("assessment.choice.caveat", self.caveat, self._show_caveat)
        section.addWidget(self.caveat)
        grid, self.modalities = choice.boxes("modalities", "Preferred way of working", words.modalities, 5)
        section.addWidget(QLabel("Preferred way of working:"))
        section.addLayout(grid)
        grid, self.locations = choice.boxes("locations", "Preferred location", words.locations, 3)
        section.addWidget(QLabel("Preferred location:"))
        section.addLayout(grid)
        form = QFormLayout()
        self.contact_times = choice.line("contact_times", "Contact times", "e.g. mornings, not Wednesdays")
        form.addRow("Contact times", self.contact_times)
        section.addLayout(form)

    def _show_caveat(self) -> None:
        caveat = self_help_caveat((self.session.form.assessment.get("choice") or {}).get("preferred_option"))
        self.caveat.setText(f"⚠ {escape(caveat)}" if caveat else "")
        self.caveat.setAccessibleDescription(caveat or "")
        self.caveat.setVisible(caveat is not None)
