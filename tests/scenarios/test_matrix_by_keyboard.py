"""A screener checks what a rating means, by keyboard alone (issue 16, item 4): Ctrl+M in the main
window opens the matrix in force, the arrow keys move to "Risk, high", Return shows its full definition
as the ruleset words it, Escape hides it and Escape again closes the matrix."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.keys import focused, press, when_modal
from triage.rules.ruleset import default_ruleset
from triage.ui.main_window import MainWindow
from triage.ui.matrix_view import MatrixView


def test_ctrl_m_then_arrows_and_return_read_a_cells_full_definition(qtbot, window: MainWindow) -> None:
    read: dict[str, object] = {}

    def move_and_read(view: MatrixView) -> None:
        try:
            qtbot.waitUntil(lambda: view.grid.cells[("severity", "low")].hasFocus())
            for key in [Qt.Key.Key_Down] * 5 + [Qt.Key.Key_Right] * 2:
                press(qtbot, key)
            read["focused"] = focused().accessibleName()
            press(qtbot, Qt.Key.Key_Return)
            read["shown"] = view.grid.definition_panel.isVisible()
            read["definition"] = view.grid.definition_text.text()
            press(qtbot, Qt.Key.Key_Escape)
            read["hidden"] = not view.grid.definition_panel.isVisible()
            press(qtbot, Qt.Key.Key_Escape)
            read["closed"] = not view.isVisible()
        finally:  # whatever stopped the typing, the dialog goes, so the test fails instead of hanging
            read["done"] = True
            view.reject()

    when_modal(qtbot, MatrixView, move_and_read)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    press(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "done" in read)

    definition = default_ruleset().variable("risk").definitions["high"]
    assert read["focused"] == f"Risk, high: {definition}"
    assert read["shown"] is True and read["hidden"] is True and read["closed"] is True
    assert definition in str(read["definition"]) and "DaSH CRHTT / DaSH CMHT" in str(read["definition"])
    assert not any(isinstance(w, MatrixView) and w.isVisible() for w in window.findChildren(MatrixView))
