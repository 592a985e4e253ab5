"""The matrix in force, as shown to a team leader."""

from __future__ import annotations

from triage.resources import resource_path
from triage.rules.ruleset import load_ruleset
from triage.ui.matrix_view import MatrixView

from .a11y import unnamed_interactive_widgets


def test_the_matrix_shows_every_cell_with_its_definition_and_destination(qtbot):
    ruleset = load_ruleset(resource_path("rules", "doncaster-2007.yaml"))
    view = MatrixView(ruleset)
    qtbot.addWidget(view)
    view.show()
    table = view.matrix
    assert table.rowCount() == 7 and table.columnCount() == 3
    assert table.item(5, 2).text().endswith("→ DaSH CRHTT / DaSH CMHT")
    assert table.item(5, 2).text().startswith("Frequent thoughts of suicide/homicide")
    assert table.item(0, 2).text().endswith("→ PCT IAPT Primary Care Team")
    assert unnamed_interactive_widgets(view) == []
    table.setAccessibleName("")
    assert unnamed_interactive_widgets(view) == ["QTableWidget(?)"]
