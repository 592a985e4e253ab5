"""Questionnaires item by item, for typing while listening: each item is one tab stop, a digit key
answers it and moves on, Backspace clears it. A digit typed on an item already answered does not
replace the answer (live-call issue, defect 3: GAD-7 answers typed into PHQ-9 by mistake overwrote
it): the item keeps its answer, says to clear it first, and the focus stays. The mouse works too, but
is never needed.

For a screen reader each item is a group named by its question (a QGroupBox, so Qt exposes it with the
Grouping role) whose description is the chosen answer in words; the answers are radio buttons named in
words, with the checked one in the checked state. The row, not the buttons, takes the focus, so the
keys and the tab order are those of a plain row."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from triage.rules.questionnaires import Questionnaire, score

CLEAR_FIRST = "Already answered: press Backspace to clear it, then type the new answer."


def set_checked(button: QRadioButton, checked: bool) -> None:
    """Check or clear a radio button. It stays auto-exclusive (Qt then gives it the RadioButton role), but an
    auto-exclusive button refuses to be cleared, and Backspace clears an answer: so it is let go for a moment."""
    button.setAutoExclusive(False)
    button.setChecked(checked)
    button.setAutoExclusive(True)


class AnswerRow(QGroupBox):
    """One item: its number and wording, and the answers as radio buttons (the row, not the buttons, takes focus)."""

    answered = Signal(object)  # int | None: the person answered or cleared the item
    advanced = Signal()  # a digit answered it: the page moves the focus on to the next question

    def __init__(
        self, name: str, number: int, prompt: str, choices: list[tuple[int, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setProperty("answerRow", True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFlat(True)
        self._choices = [value for value, _ in choices]
        self._words = {value: label or str(value) for value, label in choices}
        self._value: int | None = None
        self._refused = False  # a digit was typed over the answer: say how to change it
        self.setAccessibleName(f"{name} item {number}: {prompt}")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        text = QLabel(f"<b>{number}.</b> {prompt}")
        text.setWordWrap(True)
        text.setMinimumWidth(260)
        layout.addWidget(text, 3)
        self._buttons: dict[int, QRadioButton] = {}
        self.hint = QLabel(CLEAR_FIRST, self)
        self.hint.setProperty("role", "warning")
        self.hint.setVisible(False)
        for value, label in choices:
            button = QRadioButton(f"{value}\n{label}" if label else str(value), self)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the row is the tab stop
            button.setAccessibleName(self._words[value])  # "Several days", not "1 Several days"
            button.setAccessibleDescription(f"press {value}")
            button.setMinimumWidth(64 if label else 30)
            button.clicked.connect(lambda _=False, v=value: self._choose(v, advance=False))
            self._buttons[value] = button
            layout.addWidget(button, 0)
        layout.addWidget(self.hint, 0)
        self._update()

    @property
    def value(self) -> int | None:
        return self._value

    def set_value(self, value: int | None) -> None:
        if value is not None and value not in self._choices:
            raise ValueError(f"answer must be one of {self._choices}")
        if value == self._value and not self._refused:
            return  # a redraw of what is shown already: every answer is redrawn after each change
        self._value = value
        self._refused = False
        self._update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text.isdigit() and int(text) in self._choices:
            if self._value is not None and int(text) != self._value:
                self._refuse()
            else:
                self._choose(int(text), advance=True)
        elif event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self._choose(None, advance=False)
        elif event.key() == Qt.Key.Key_Down:
            self.focusNextChild()
        elif event.key() == Qt.Key.Key_Up:
            self.focusPreviousChild()
        else:
            super().keyPressEvent(event)

    def _choose(self, value: int | None, *, advance: bool) -> None:
        self.set_value(value)
        self.answered.emit(value)
        if advance and self.hasFocus():  # unless answering drew the focus elsewhere (item 9 -> risk)
            self.advanced.emit()

    def _refuse(self) -> None:
        self._refused = True
        self._update()
        QApplication.beep()

    def _update(self) -> None:
        for value, button in self._buttons.items():
            set_checked(button, value == self._value)
            font = button.font()
            font.setBold(value == self._value)  # the choice shown by weight as well as the radio's dot
            button.setFont(font)
        words = "Not answered" if self._value is None else self._words[self._value]
        self.hint.setVisible(self._refused)
        self.setAccessibleDescription(f"{words}. {CLEAR_FIRST}" if self._refused else words)


def standard_band_text(questionnaire: Questionnaire, band: str) -> str:
    """A questionnaire's own band with its source, from the data: never mistaken for the matrix's band."""
    return f"Standard band ({questionnaire.bands.citation}): {band.lower()}"


class QuestionnaireWidget(QWidget):
    """All the items of one questionnaire with its running total and standard band."""

    changed = Signal()

    def __init__(self, questionnaire: Questionnaire, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.questionnaire = questionnaire
        low, high = questionnaire.answer_range
        choices = [(value, questionnaire.answers.get(value, "")) for value in range(low, high + 1)]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(f"<b>{questionnaire.name}</b> — {questionnaire.title}")
        heading.setProperty("role", "heading")
        layout.addWidget(heading)
        stem = QLabel(questionnaire.stem + f" Type {low}–{high} to answer and move on; Backspace clears an answer.")
        stem.setWordWrap(True)
        layout.addWidget(stem)
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        self.rows = [
            AnswerRow(questionnaire.name, n, prompt, choices, self) for n, prompt in enumerate(questionnaire.items, 1)
        ]
        for index, row in enumerate(self.rows):
            row.answered.connect(lambda _value: self.changed.emit())
            grid.addWidget(row, index, 0)
        layout.addLayout(grid)
        self.total_label = QLabel()
        self.total_label.setAccessibleDescription(f"{questionnaire.name} total")  # a name would hide the total
        layout.addWidget(self.total_label)
        self.band_label = QLabel()  # apart from the total: the standard band is shown, never used for routing
        self.band_label.setProperty("role", "standardBand")
        self.band_label.setToolTip(
            f"For information; routing uses the matrix's bands. Source: {questionnaire.bands.source}"
        )
        self.band_label.setAccessibleDescription(self.band_label.toolTip())
        layout.addWidget(self.band_label)
        self.changed.connect(self.refresh_total)
        self.refresh_total()

    def answers(self) -> list[int | None]:
        return [row.value for row in self.rows]

    def refresh_total(self) -> None:
        answers = self.answers()
        q = self.questionnaire
        if all(value is not None for value in answers):
            result = score(q, [value for value in answers if value is not None])
            self.total_label.setText(f"Total {result.total} of {q.max_total}")
            self.band_label.setText(standard_band_text(q, result.band))
        else:
            self.band_label.setText("")
            missing = [str(n) for n, value in enumerate(answers, 1) if value is None]
            partial = sum(value for value in answers if value is not None)
            self.total_label.setText(f"{partial} so far · not yet answered: item {', '.join(missing)}")
