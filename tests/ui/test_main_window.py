"""The main window as it stands: the matrix in force, its identity, labelled for assistive technology."""

from __future__ import annotations

from triage.rules.ruleset import load_ruleset
from triage.resources import resource_path
from triage.ui.main_window import MainWindow

from .a11y import unnamed_interactive_widgets


def test_the_window_shows_the_matrix_and_the_ruleset_identity(qtbot):
    ruleset = load_ruleset(resource_path("rules", "doncaster-2007.yaml"))
    window = MainWindow(ruleset)
    qtbot.addWidget(window)
    window.show()
    table = window.matrix
    assert table.rowCount() == 7 and table.columnCount() == 3
    assert table.item(5, 2).text() == "DaSH CRHTT / DaSH CMHT"
    assert table.item(5, 2).toolTip().startswith("Frequent thoughts of suicide/homicide")
    assert ruleset.sha256[:12] in window.statusBar().currentMessage()


def test_every_interactive_widget_has_an_accessible_name(qtbot):
    window = MainWindow(load_ruleset(resource_path("rules", "doncaster-2007.yaml")))
    qtbot.addWidget(window)
    window.show()
    assert unnamed_interactive_widgets(window) == []
    window.matrix.setAccessibleName("")  # and the check does see the table when it is unnamed
    assert unnamed_interactive_widgets(window) == ["QTableWidget(?)"]
