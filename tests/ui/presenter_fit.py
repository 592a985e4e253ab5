"""The presenter view and the matrix view measured on one offscreen screen (run in a fresh process per
screen size, as tests/ui/window_fit.py is: ``python -m tests.ui.presenter_fit``). Prints one JSON object:
for each window its size, the pixel size (QFontInfo) of every piece of text shown and whether it is a
heading, the matrix cells that are not wholly inside the window, what window_fit finds clipped, and
where its screenshot was saved (``TRIAGE_SHOTS``, a folder; none when unset).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from tests.ui.window_fit import problems, settle


def text_sizes(window: QWidget) -> list[dict[str, Any]]:
    found = []
    for widget in window.findChildren(QLabel):
        if widget.isVisibleTo(window) and widget.text():
            found.append({"text": widget.text()[:50], "px": QFontInfo(widget.font()).pixelSize(),
                          "bold": widget.font().bold(), "heading": bool(widget.property("matrixHeading"))
                          or widget.font().pixelSize() > 24})  # fmt: skip
    return found


def cells_off_window(window: QWidget, grid: Any) -> list[str]:
    inside = QRect(0, 0, window.width(), window.height())
    off = []
    for (variable, level), cell in grid.cells.items():
        top_left = cell.mapTo(window, cell.rect().topLeft())
        if not inside.contains(QRect(top_left, cell.size())) or not cell.isVisibleTo(window):
            off.append(f"{variable}/{level} at {top_left.x()},{top_left.y()} {cell.width()}x{cell.height()}")
    return off


def measure(app: QApplication, name: str, window: QWidget, grid: Any, shots: Path | None) -> dict[str, Any]:
    window.show()
    settle(app)
    shot = None
    if shots is not None:
        shot = str(shots / f"{name}-{window.screen().size().width()}.png")
        window.grab().save(shot)
    buttons = [QFontInfo(b.font()).pixelSize() for b in window.findChildren(QAbstractButton) if b.isVisibleTo(window)]
    return {"size": [window.width(), window.height()], "texts": text_sizes(window), "buttons": buttons,
            "cells_off_window": cells_off_window(window, grid), "problems": problems(window, ()), "shot": shot}  # fmt: skip


def main() -> None:
    from PySide6.QtCore import QLocale

    from tests.ui.presenter_cases import sample_case
    from triage.rules.ruleset import default_ruleset
    from triage.ui.matrix_view import MatrixView
    from triage.ui.presenter_view import PresenterView
    from triage.ui.theme import apply_theme

    app = QApplication([sys.argv[0]])
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    apply_theme(app)
    shots = Path(os.environ["TRIAGE_SHOTS"]) if os.environ.get("TRIAGE_SHOTS") else None
    ruleset = default_ruleset()
    presenter = PresenterView(ruleset)
    presenter.show_case(sample_case(ruleset), 2, 5)
    measured = {"presenter": measure(app, "presenter", presenter, presenter.grid, shots)}
    presenter.hide()
    matrix = MatrixView(ruleset)
    measured["matrix"] = measure(app, "matrix", matrix, matrix.grid, shots)
    matrix.grid.move_cursor(5, 2)
    matrix.grid.show_definition()
    measured["matrix-definition"] = measure(app, "matrix-definition", matrix, matrix.grid, shots)
    print(json.dumps(measured))


if __name__ == "__main__":
    main()
