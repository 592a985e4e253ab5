"""The whole referral matrix as one grid for a projector (issue 16, item 4): seven variables by three
levels, each cell its short label (resources/matrix-labels.yaml) and the destinations it points to, in
type a room can read (body 24 px, headings larger) and on one 1280x720 screen.

``show_levels`` marks a case's level in each row by a "▶" and bold type inside a thick border, says
"this case" in the row's heading and in the cell's accessible name (never by colour alone), and lists
below the grid the ruleset's FULL definition of each level marked. Twenty-one full definitions do not
fit in large type, so any other is shown on request: the arrow keys move a cell cursor (the keyboard
focus, one tab stop for the whole grid), Return or Space shows the cell's definition in a panel laid
over the rows away from the cursor, and Escape hides it (Escape with no panel open goes on to the
window, which closes a dialog).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape as html_escape

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from triage.rules.cell_labels import cell_labels
from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import LEVELS, VARIABLES


def escape(text: str) -> str:
    """Text as rich text shows it (an apostrophe stays one, for the reader and for a search of the text)."""
    return html_escape(text, quote=False)


BODY_PX = 24  # body text on a projector (issue 16: at least 24 px at 1280x720)
HEADING_PX = 28  # headings, larger than the body
MARKER = "▶"
THIS_CASE = "this case"
PANEL_BORDER = 4  # px: the definition panel's border (STYLE)
CELL_FRAME = 14  # px: a cell's border and padding, both sides (STYLE), and 4 px of room
ROW_HEADING_WIDTH = 208  # px at least: the variables' names, wrapped; the levels take what their lines need

STYLE = """
QLabel[matrixCell="true"] { border: 1px solid #8a9099; padding: 4px; background: #ffffff; color: #111111; }
QLabel[matrixCell="true"][marked="true"] { border: 4px solid #0f2d55; padding: 1px; background: #dce8f8; }
QLabel[matrixCell="true"]:focus { border: 4px dashed #8a4b00; padding: 1px; background: #fff3cd; }
QLabel[matrixHeading="true"] { padding: 0px 2px 0px 0px; }
QFrame[role="definition"] { background: #ffffff; border: 4px solid #111111; border-radius: 6px; }
"""


def large_font(base: QFont, pixels: int, *, bold: bool = False) -> QFont:
    """``base`` at ``pixels`` px (a projector's sizes are in pixels: the room reads the screen, not points)."""
    font = QFont(base)
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def heading(text: str, pixels: int, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setFont(large_font(parent.font(), pixels, bold=True))
    label.setWordWrap(True)
    label.setProperty("matrixHeading", True)
    label.setAccessibleName(text)
    return label


class _Cell(QLabel):
    """One (variable, level) cell; its keys are the grid's."""

    def __init__(self, grid: MatrixGrid, row: int, column: int) -> None:
        super().__init__(grid.cells_area)
        self.grid, self.row, self.column = grid, row, column
        self.setProperty("matrixCell", True)
        self.setWordWrap(True)
        self.setIndent(0)  # else a framed label indents its text by half an "x", and the longest lines wrap
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setFont(large_font(grid.font(), BODY_PX))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.grid.key(event):
            super().keyPressEvent(event)


class MatrixGrid(QWidget):
    def __init__(self, ruleset: Ruleset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ruleset = ruleset
        self.short = cell_labels(ruleset)
        self.levels: dict[str, str] = {}
        self.current = (0, 0)
        self.setStyleSheet(STYLE)
        self.setFont(large_font(self.font(), BODY_PX))
        self.setAccessibleName("Referral matrix: seven variables by three levels")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.cells_area = QWidget(self)
        self.grid = QGridLayout(self.cells_area)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        layout.addWidget(self.cells_area)
        self._headings()
        self.cells: dict[tuple[str, str], _Cell] = {}
        self.row_headings: dict[str, QLabel] = {}
        for row, variable in enumerate(VARIABLES):
            self.row_headings[variable] = QLabel(self.cells_area)
            self.row_headings[variable].setWordWrap(True)
            self.row_headings[variable].setFont(large_font(self.font(), BODY_PX))
            self.row_headings[variable].setProperty("matrixHeading", True)
            self.grid.addWidget(self.row_headings[variable], row + 1, 0)
            for column, level in enumerate(LEVELS):
                cell = _Cell(self, row, column)
                self.cells[(variable, level)] = cell
                self.grid.addWidget(cell, row + 1, column + 1)
        self.grid.setColumnMinimumWidth(0, ROW_HEADING_WIDTH)
        self.grid.setColumnStretch(0, 1)
        for column, level in enumerate(LEVELS, 1):
            self.grid.setColumnMinimumWidth(column, self._width_needed(level))
            self.grid.setColumnStretch(column, 2)
        self.case_heading = heading("This case's levels, as the ruleset defines them", HEADING_PX, self)
        self.case_heading.hide()
        self.case_heading.setContentsMargins(8, 6, 8, 0)
        layout.addWidget(self.case_heading)
        self.case_definitions = QLabel(self)
        self.case_definitions.setWordWrap(True)
        self.case_definitions.setFont(large_font(self.font(), BODY_PX))
        self.case_definitions.setTextFormat(Qt.TextFormat.RichText)
        self.case_definitions.setAccessibleName("This case's levels, as the ruleset defines them")
        self.case_definitions.hide()
        self.case_definitions.setContentsMargins(8, 0, 8, 0)
        layout.addWidget(self.case_definitions)
        layout.addStretch(1)  # spare height goes below the grid, never into its rows
        self._definition_panel()
        self._fill()
        self._place_cursor(0, 0)

    # --- building ---------------------------------------------------------------------------------

    def _headings(self) -> None:
        corner = heading("Variable", HEADING_PX, self.cells_area)
        self.grid.addWidget(corner, 0, 0)
        for column, level in enumerate(LEVELS):
            self.grid.addWidget(
                heading(self.ruleset.document.levels[level], HEADING_PX, self.cells_area), 0, column + 1
            )

    def _width_needed(self, level: str) -> int:
        """The width of the level's longest line, marked (bold, with the marker) or not, and the frame:
        measured as a label lays it out, so that no line of the shipped ruleset wraps."""
        probe = QLabel()
        probe.setFont(large_font(self.font(), BODY_PX))
        widths = []
        for variable in VARIABLES:
            short, destinations = self._cell_lines(variable, level, marked=True)
            for line in short, destinations:
                probe.setText(line)
                widths.append(probe.sizeHint().width())
        return max(widths) + CELL_FRAME

    def _cell_lines(self, variable: str, level: str, *, marked: bool) -> tuple[str, str]:
        short = escape(self.short.cells[(variable, level)])  # type: ignore[index]
        destinations = escape(" / ".join(self.destinations(variable, level)))
        return (f"<b>{MARKER} {short}</b>" if marked else short), f"<i>{destinations}</i>"

    def _definition_panel(self) -> None:
        self.definition_panel = QFrame(self)
        self.definition_panel.setProperty("role", "definition")
        inner = self.panel_layout = QVBoxLayout(self.definition_panel)
        inner.setContentsMargins(16, 10, 16, 10)
        self.definition_text = QLabel(self.definition_panel)
        self.definition_text.setWordWrap(True)
        self.definition_text.setFont(large_font(self.font(), BODY_PX))
        self.definition_text.setTextFormat(Qt.TextFormat.RichText)
        self.definition_text.setAccessibleName("The chosen cell's full definition")
        inner.addWidget(self.definition_text)
        self.definition_panel.hide()

    def _fill(self) -> None:
        for variable in VARIABLES:
            label = self.short.variables[variable]  # type: ignore[index]
            level = self.levels.get(variable)
            case = f"{THIS_CASE}: {self.ruleset.document.levels[level]}" if level in LEVELS else ""  # type: ignore[index]
            heading = self.row_headings[variable]
            heading.setText(escape(label) + (f"<br><b>{MARKER} {THIS_CASE}</b>" if case else ""))
            heading.setAccessibleName(self.ruleset.variable_labels[variable] + (f", {case}" if case else ""))  # type: ignore[index]
            for level_id in LEVELS:
                self._fill_cell(variable, level_id, marked=level == level_id)

    def _fill_cell(self, variable: str, level: str, *, marked: bool) -> None:
        cell = self.cells[(variable, level)]
        first, second = self._cell_lines(variable, level, marked=marked)
        cell.setText(f"{first}<br>{second}")
        cell.setProperty("marked", marked)
        cell.setAccessibleName(self.spoken(variable, level, marked=marked))
        short = self.short.cells[(variable, level)]  # type: ignore[index]
        cell.setAccessibleDescription(f"{short}; points to {' / '.join(self.destinations(variable, level))}")
        cell.style().unpolish(cell)
        cell.style().polish(cell)

    # --- what the cells say -----------------------------------------------------------------------

    def destinations(self, variable: str, level: str) -> tuple[str, ...]:
        codes = self.ruleset.cell_destinations[(variable, level)]  # type: ignore[index]
        return tuple(self.ruleset.destination_labels[code] for code in codes)

    def definition(self, variable: str, level: str) -> str:
        return self.ruleset.variable(variable).definitions[level]  # type: ignore[arg-type,index]

    def spoken(self, variable: str, level: str, *, marked: bool) -> str:
        """What a screen reader reads: "Chronicity, high, this case: <the full definition>"."""
        words = self.ruleset.level_words[level]  # type: ignore[index]
        case = f", {THIS_CASE}" if marked else ""
        return f"{self.ruleset.variable_labels[variable]}, {words}{case}: {self.definition(variable, level)}"  # type: ignore[index]

    def show_levels(self, levels: Mapping[str, str]) -> None:
        """Mark the case's level in each row and list the full definition of each below the grid; an
        empty mapping clears the marks."""
        self.levels = {variable: level for variable, level in levels.items() if variable in VARIABLES}
        self._fill()
        lines = [
            f"<p style='margin:0 0 8px 0'><b>{MARKER} {escape(self.ruleset.variable_labels[variable])}, {THIS_CASE}: "  # type: ignore[index]
            f"{escape(self.ruleset.document.levels[level])}.</b> {escape(self.definition(variable, level))}</p>"  # type: ignore[index]
            for variable, level in self.levels.items()
        ]
        self.case_definitions.setText("".join(lines))
        self.case_definitions.setVisible(bool(lines))
        self.case_heading.setVisible(bool(lines))
        if self.levels:
            first = VARIABLES[0]
            self._place_cursor(0, LEVELS.index(self.levels.get(first, LEVELS[0])))  # type: ignore[arg-type]

    # --- the cursor and the definition on request ---------------------------------------------------

    def cell_at(self, row: int, column: int) -> _Cell:
        return self.cells[(VARIABLES[row], LEVELS[column])]

    def _place_cursor(self, row: int, column: int) -> None:
        previous = self.cell_at(*self.current)
        previous.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # one tab stop for the whole grid: the cursor's
        self.current = (row, column)
        current = self.cell_at(row, column)
        current.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFocusProxy(current)
        if previous.hasFocus():
            current.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.definition_panel.isVisible():
            self.show_definition()

    def move_cursor(self, rows: int, columns: int) -> None:
        row = min(max(self.current[0] + rows, 0), len(VARIABLES) - 1)
        column = min(max(self.current[1] + columns, 0), len(LEVELS) - 1)
        self._place_cursor(row, column)

    def key(self, event: QKeyEvent) -> bool:
        """A key pressed on a cell: True when the grid answered it."""
        moves = {Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0), Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1)}
        key = Qt.Key(event.key())
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if key in moves:
            self.move_cursor(*moves[key])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.show_definition()
        elif key == Qt.Key.Key_Escape and self.definition_panel.isVisible():
            self.hide_definition()
        else:
            return False
        event.accept()
        return True

    def show_definition(self) -> None:
        variable, level = VARIABLES[self.current[0]], LEVELS[self.current[1]]
        marked = self.levels.get(variable) == level
        title = f"{self.ruleset.variable_labels[variable]}, {self.ruleset.document.levels[level]}" + (
            f" ({THIS_CASE})" if marked else ""
        )
        self.definition_text.setText(
            f"<b>{escape(title)}</b><br>{escape(self.definition(variable, level))}"
            f"<br>→ {escape(' / '.join(self.destinations(variable, level)))}"
        )
        self.definition_text.setAccessibleDescription(f"{title}: {self.definition(variable, level)}")
        self.definition_panel.show()
        self.definition_panel.raise_()
        self._place_panel()

    def hide_definition(self) -> None:
        self.definition_panel.hide()

    def _place_panel(self) -> None:
        """Over the half of the rows away from the cursor, so the cell asked about stays in sight."""
        area = self.cells_area.geometry()
        width = area.width()
        margins = self.panel_layout.contentsMargins()
        text_width = width - margins.left() - margins.right()
        frame = 2 * PANEL_BORDER
        height = self.definition_text.heightForWidth(text_width - frame) + margins.top() + margins.bottom() + frame
        rows_below = self.current[0] < len(VARIABLES) // 2 + 1
        y = area.bottom() + 1 - height if rows_below else area.top() + self.grid.cellRect(0, 0).height()
        self.definition_panel.setGeometry(area.left(), max(y, area.top()), width, height)

    def resizeEvent(self, event: QEvent) -> None:  # type: ignore[override]
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.definition_panel.isVisible():
            self._place_panel()
