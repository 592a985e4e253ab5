"""Rating one matrix variable: its three levels with the ruleset's definitions shown verbatim at the
point of choice. Keys 1, 2 and 3 choose low, medium and high and move on to the next question (the
note is one Tab away); a key typed over a rating already given does not replace it (Backspace first,
as for questionnaire items). The choice is shown by a radio's dot and words, not by colour alone. For a screen reader the row is a group named by the variable and each level
a radio button named by the level, its definition as description, the chosen one checked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from triage.rules.ruleset import Variable
from triage.rules.vocabulary import LEVELS, Level
from triage.ui.binder import show_text
from triage.ui.questionnaire import set_checked

CLEAR_FIRST_RATING = "Already rated: press Backspace to clear it, then type the new rating."


class LevelCard(QFrame):
    """One level's definition; clicking it chooses it."""

    clicked = Signal()

    def __init__(self, key: int, name: str, definition: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.name = name
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.title = QRadioButton(f"{key} · {name}", self)
        self.title.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the row is the tab stop
        self.title.setAccessibleName(name)
        self.title.setAccessibleDescription(f"press {key}: {definition}")
        self.title.clicked.connect(self.clicked.emit)
        layout.addWidget(self.title)
        self.key = key
        body = QLabel(definition)
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(body)
        layout.addStretch(1)
        self.set_chosen(False)

    def set_chosen(self, chosen: bool) -> None:
        set_checked(self.title, chosen)
        self.title.setText(f"{self.key} · {self.name}" + (" (chosen)" if chosen else ""))
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.setStyleSheet(
            "LevelCard { border: 3px solid #1d4f91; background: #e8f0fb; border-radius: 6px; }"
            if chosen
            else "LevelCard { border: 1px solid #c4c9d0; background: #ffffff; border-radius: 6px; }"
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit()
        super().mousePressEvent(event)


class LevelRow(QGroupBox):
    """The tab stop for a rating: keys 1-3 choose, Backspace clears."""

    key_chosen = Signal(object)  # Level | None
    refused = Signal()  # a key typed over a rating already given

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level: Level | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text in ("1", "2", "3"):
            chosen = LEVELS[int(text) - 1]
            if self.level is not None and chosen != self.level:
                self.refused.emit()
            else:
                self.key_chosen.emit(chosen)
        elif event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self.key_chosen.emit(None)
        else:
            super().keyPressEvent(event)


class RatingChooser(QFrame):
    """A focusable row of the three levels of one variable, plus a note."""

    level_chosen = Signal(object)  # Level | None: the person rated it (or cleared the rating)
    note_edited = Signal(str)
    advanced = Signal()  # rated by key: the page moves the focus on to the next question

    def __init__(self, variable: Variable, level_names: dict[Level, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.variable = variable
        self._level: Level | None = None
        self._refused = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(f"<b>{variable.label}</b>" + (f" {variable.note}" if variable.note else ""))
        heading.setWordWrap(True)
        heading.setProperty("role", "heading")
        layout.addWidget(heading)

        self.levels_row = LevelRow(self)
        self.levels_row.setFlat(True)
        self.levels_row.setProperty("answerRow", True)
        self.levels_row.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.levels_row.setAccessibleName(f"{variable.label}: press 1 for low, 2 for medium, 3 for high")
        self.levels_row.key_chosen.connect(lambda level: self._choose(level, advance=level is not None))
        self.levels_row.refused.connect(self._refuse)
        row = QHBoxLayout(self.levels_row)
        row.setContentsMargins(4, 4, 4, 4)
        self.cards: dict[Level, LevelCard] = {}
        for key, level in enumerate(LEVELS, 1):
            card = LevelCard(key, level_names[level], variable.definitions[level], self.levels_row)
            card.clicked.connect(lambda lv=level: self._choose(lv, advance=False))
            self.cards[level] = card
            row.addWidget(card, 1)
        layout.addWidget(self.levels_row, 0)
        self.hint = QLabel(CLEAR_FIRST_RATING, self)
        self.hint.setProperty("role", "warning")
        self.hint.setVisible(False)
        layout.addWidget(self.hint)

        self.note = QLineEdit(self)
        self.note.setPlaceholderText(f"Note on {variable.label.lower()} (optional)")
        self.note.setAccessibleName(f"Note on {variable.label.lower()}")
        self.note.textEdited.connect(self.note_edited.emit)  # the person's typing only, never a redraw
        layout.addWidget(self.note)
        self._update()

    @property
    def level(self) -> Level | None:
        return self._level

    def set_level(self, level: Level | None) -> None:
        if level == self._level and not self._refused:
            return  # a redraw of what is shown already (the style sheets cost time)
        self._level = self.levels_row.level = level
        self._refused = False
        self._update()

    def set_note(self, text: str) -> None:
        show_text(self.note, text)

    def _choose(self, level: Level | None, *, advance: bool) -> None:
        self.set_level(level)
        self.level_chosen.emit(level)
        if advance and self.levels_row.hasFocus():
            self.advanced.emit()

    def _refuse(self) -> None:
        self._refused = True
        self._update()
        QApplication.beep()

    def _update(self) -> None:
        for level, card in self.cards.items():
            card.set_chosen(level == self._level)
        chosen = self.cards[self._level].name if self._level else None
        words = "Not rated" if chosen is None else f"Rated {chosen}"
        self.hint.setVisible(self._refused)
        self.levels_row.setAccessibleDescription(f"{words}. {self.hint.text()}" if self._refused else words)
