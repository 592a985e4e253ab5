"""The matrix grid for a projector (issue 16, item 4): every cell its short label and destinations,
the case's level marked in words and shape as well as colour, the full definition of each level marked,
any other on request by keyboard, and a name for every cell a screen reader can read."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication, QLabel

from tests.ui.presenter_cases import HIGH_RISK_LEVELS
from triage.rules.cell_labels import cell_labels
from triage.rules.vocabulary import LEVELS, VARIABLES
from triage.ui.matrix_grid import BODY_PX, MARKER, MatrixGrid

from .a11y import spoken_name, unnamed_interactive_widgets
from .conftest import RULESET

RISK_HIGH = RULESET.variable("risk").definitions["high"]


def shown_grid(qtbot) -> MatrixGrid:  # type: ignore[no-untyped-def]
    grid = MatrixGrid(RULESET)
    qtbot.addWidget(grid)
    grid.resize(1264, 620)
    grid.show()
    qtbot.waitExposed(grid)
    return grid


def test_every_cell_has_its_short_label_destinations_and_a_spoken_definition(qtbot) -> None:
    grid = shown_grid(qtbot)
    short = cell_labels(RULESET).cells
    assert len(grid.cells) == len(VARIABLES) * len(LEVELS) == 21
    for (variable, level), cell in grid.cells.items():
        assert short[(variable, level)] in cell.text()
        for code in RULESET.cell_destinations[(variable, level)]:  # type: ignore[index]
            assert RULESET.destination_labels[code] in cell.text()
        assert MARKER not in cell.text() and cell.property("marked") is False
        definition = RULESET.variable(variable).definitions[level]  # type: ignore[arg-type,index]
        assert spoken_name(cell) == f"{RULESET.variable_labels[variable]}, {level}: {definition}"  # type: ignore[index]
    assert "DaSH CRHTT / DaSH CMHT" in grid.cells[("risk", "high")].text()
    assert unnamed_interactive_widgets(grid) == []


def test_the_grid_is_in_large_type(qtbot) -> None:
    grid = shown_grid(qtbot)
    sizes = {QFontInfo(label.font()).pixelSize() for label in grid.findChildren(QLabel) if label.text()}
    assert min(sizes) >= BODY_PX == 24 and max(sizes) > BODY_PX  # headings larger


def test_the_case_level_is_marked_in_words_and_shape_and_its_full_definition_shown(qtbot) -> None:
    grid = shown_grid(qtbot)
    grid.show_levels(HIGH_RISK_LEVELS)
    for variable in VARIABLES:
        for level in LEVELS:
            cell = grid.cells[(variable, level)]
            marked = HIGH_RISK_LEVELS[variable] == level
            assert (MARKER in cell.text()) == marked and ("<b>" in cell.text()) == marked
            assert cell.property("marked") is marked  # the thick border of the style sheet
            assert (", this case:" in spoken_name(cell)) == marked
        assert "this case" in grid.row_headings[variable].text()
        assert (
            grid.row_headings[variable]
            .accessibleName()
            .endswith(
                f"this case: {RULESET.document.levels[HIGH_RISK_LEVELS[variable]]}"  # type: ignore[index]
            )
        )
    assert spoken_name(grid.cells[("chronicity", "high")]) == (
        f"Chronicity, high, this case: {RULESET.variable('chronicity').definitions['high']}"
    )
    listed = grid.case_definitions.text()
    assert grid.case_definitions.isVisible() and RISK_HIGH in listed
    for variable, level in HIGH_RISK_LEVELS.items():
        assert RULESET.variable(variable).definitions[level] in listed  # type: ignore[arg-type,index]
    grid.show_levels({})
    assert not grid.case_definitions.isVisible() and not any(MARKER in c.text() for c in grid.cells.values())


def test_any_definition_on_request_by_keyboard(qtbot) -> None:
    grid = shown_grid(qtbot)
    grid.activateWindow()
    grid.setFocus()
    qtbot.waitUntil(lambda: grid.cells[("severity", "low")].hasFocus())
    for key in (Qt.Key.Key_Down,) * 5 + (Qt.Key.Key_Right,) * 2:
        qtbot.keyClick(QApplication.focusWidget(), key)
    assert grid.current == (5, 2) and grid.cells[("risk", "high")].hasFocus()
    assert not grid.definition_panel.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert grid.definition_panel.isVisible() and RISK_HIGH in grid.definition_text.text()
    assert "Risk, High" in grid.definition_text.text()
    panel, cell = grid.definition_panel.geometry(), grid.cells[("risk", "high")]
    assert not panel.intersects(
        cell.geometry().translated(cell.parentWidget().pos())
    )  # the cell asked about stays in sight
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)  # the panel follows the cursor
    assert RULESET.variable("substance_use").definitions["high"] in grid.definition_text.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert not grid.definition_panel.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert grid.definition_panel.isVisible()


def test_the_grid_is_one_tab_stop(qtbot) -> None:
    grid = shown_grid(qtbot)
    tab_stops = [c for c in grid.cells.values() if c.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert tab_stops == [grid.cells[("severity", "low")]]
    grid.move_cursor(2, 1)
    tab_stops = [c for c in grid.cells.values() if c.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert tab_stops == [grid.cells[("complexity", "medium")]]
