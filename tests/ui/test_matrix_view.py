"""The matrix in force, as shown to a team leader on a projector (issue 16, item 4): the whole grid,
any definition on request, the ruleset's identity, and Escape first hiding a definition, then closing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from triage.resources import resource_path
from triage.rules.ruleset import load_ruleset
from triage.ui.matrix_view import MatrixView

from .a11y import spoken_name, unnamed_interactive_widgets


def test_the_matrix_shows_every_cell_with_its_destinations_and_the_ruleset_identity(qtbot):
    ruleset = load_ruleset(resource_path("rules", "doncaster-2007.yaml"))
    view = MatrixView(ruleset)
    qtbot.addWidget(view)
    view.show()
    grid = view.grid
    assert len(grid.cells) == 21
    assert grid.cells[("risk", "high")].text().endswith("<i>DaSH CRHTT / DaSH CMHT</i>")
    assert grid.cells[("risk", "high")].accessibleName().startswith("Risk, high: Frequent thoughts of suicide/homicide")
    assert grid.cells[("severity", "high")].text().endswith("<i>PCT IAPT Primary Care Team</i>")
    assert (
        ruleset.sha256 in view.footer.text()
        and view.windowTitle() == "Doncaster Referral Matrix — doncaster-2007 1.1.0"
    )
    assert unnamed_interactive_widgets(view) == []
    assert spoken_name(grid.cells[("risk", "high")]).startswith("Risk, high: Frequent")  # not the cell's markup


def test_escape_hides_a_definition_first_then_closes(qtbot):
    view = MatrixView(load_ruleset(resource_path("rules", "doncaster-2007.yaml")))
    qtbot.addWidget(view)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(lambda: view.grid.cells[("severity", "low")].hasFocus())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert view.grid.definition_panel.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert not view.grid.definition_panel.isVisible() and view.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert not view.isVisible()
