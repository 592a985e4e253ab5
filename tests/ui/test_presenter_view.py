"""The presenter view for the referral meeting's projector (issue 16, item 3), and the matrix view
beside it (item 4), measured on real 1280x720 and 1366x768 offscreen screens in processes of their own
(tests/ui/presenter_fit.py): type at least 24 px and headings larger, every cell of the grid inside the
window, nothing clipped, a screenshot saved; and in this process: no full name anywhere until a case
carrying it is shown, the case's level marked in words, and the keys that ask for the next case, the
previous one and the reveal."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from tests.ui.presenter_cases import FULL_NAME, sample_case
from triage.ui.matrix_grid import MARKER
from triage.ui.presenter_view import TITLE, PresenterView

from .conftest import RULESET
from .test_window_fit import SCREENS

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(tempfile.gettempdir()) / "triage-presenter-shots"


@functools.cache
def measured(screen: str) -> dict[str, Any]:
    width, height = SCREENS[screen]
    config = {"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
              "screens": [{"name": f"projector {screen}", "x": 0, "y": 0, "width": width, "height": height,
                           "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}  # fmt: skip
    SHOTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "screen.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={path}", "PYTHONPATH": str(ROOT),
               "TRIAGE_SHOTS": str(SHOTS), "TRIAGE_SETTINGS": str(Path(folder) / "settings.json")}  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "tests.ui.presenter_fit"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("screen", SCREENS)
def test_the_presenter_view_is_in_large_type_with_the_whole_grid_on_the_screen(screen: str) -> None:
    found = measured(screen)["presenter"]
    width, height = SCREENS[screen]
    assert found["size"][0] <= width and found["size"][1] <= height - 60
    body = [t["px"] for t in found["texts"] if not t["heading"]]
    headings = [t["px"] for t in found["texts"] if t["heading"] and t["px"] > 24]
    assert body and min(body) >= 24, found["texts"]
    assert headings and min(headings) > 24 and max(headings) > max(body)
    assert min(t["px"] for t in found["texts"]) >= 24  # every text of the window, none smaller
    assert found["cells_off_window"] == []
    assert found["problems"] == []
    shot = QImage(found["shot"])
    assert (shot.width(), shot.height()) == tuple(found["size"])


@pytest.mark.parametrize("window", ["matrix", "matrix-definition"])
@pytest.mark.parametrize("screen", SCREENS)
def test_the_matrix_view_shows_the_whole_grid_in_large_type(screen: str, window: str) -> None:
    found = measured(screen)[window]
    grid_texts = [t["px"] for t in found["texts"] if t["px"] >= 20 or t["heading"]]
    assert len(grid_texts) >= 21 + 7 + 4  # the cells, the rows' and the columns' headings, at least
    assert min(grid_texts) >= 24 and max(grid_texts) > 24
    assert found["cells_off_window"] == [] and found["problems"] == []


def every_text(root: QWidget) -> str:
    """Everything a widget of the window shows or tells assistive technology."""
    parts = [root.windowTitle(), root.accessibleName()]
    for widget in root.findChildren(QWidget):
        parts += [widget.accessibleName(), widget.accessibleDescription(), widget.toolTip()]
        if isinstance(widget, QLabel):
            parts.append(widget.text())
    return "\n".join(parts)


def presenter(qtbot) -> PresenterView:  # type: ignore[no-untyped-def]
    view = PresenterView(RULESET)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_no_full_name_is_shown_until_a_case_carrying_it_is_shown(qtbot) -> None:
    view = presenter(qtbot)
    given, family = FULL_NAME.split()
    view.show_case(sample_case(RULESET), 2, 5)
    shown = every_text(view)
    assert given not in shown and family not in shown
    assert "DON-000123 · Z. T." in view.who.text() and view.position.text() == "case 2 of 5"
    view.show_case(sample_case(RULESET, name=FULL_NAME), 2, 5)
    assert view.who.text() == f"DON-000123 · {FULL_NAME}" and view.windowTitle() == TITLE
    view.show_case(sample_case(RULESET, reference="DON-000124"), 3, 5)
    assert family not in every_text(view) and view.position.text() == "case 3 of 5"


def test_the_case_is_shown_whole(qtbot) -> None:
    view = presenter(qtbot)
    case = sample_case(RULESET)
    view.show_case(case, 1, 3)
    for label, why in case.fired:
        assert label in view.sections["fired"].text() and why in view.sections["fired"].text()
    assert (
        "DaSH CRHTT" in view.sections["route"].text() and "changed: known to the CMHT" in view.sections["route"].text()
    )
    for question, answer in case.risk:
        assert question in view.sections["risk"].text() and answer in view.sections["risk"].text()
    assert (
        case.protective_factors in view.sections["risk"].text() and "Safety plan agreed" in view.sections["risk"].text()
    )
    assert view.sections["question"].text() == case.question
    assert all(reason in view.sections["reasons"].text() for reason in case.reasons)
    assert "waiting 4 days" in view.sections["reasons"].text()
    assert all(line in view.sections["history"].text() for line in case.history)
    assert "thoughts most days, no plan" in view.sections["notes"].text()
    risk_high = view.grid.cells[("risk", "high")]
    assert MARKER in risk_high.text() and "this case" in risk_high.accessibleName()
    assert RULESET.variable("risk").definitions["high"] in view.grid.case_definitions.text()


def test_page_keys_and_ctrl_shift_n_ask_for_the_next_and_previous_case_and_the_reveal(qtbot) -> None:
    view = presenter(qtbot)
    view.show_case(sample_case(RULESET), 2, 5)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    target = QApplication.focusWidget() or view
    with qtbot.waitSignal(view.next_requested, timeout=1000):
        qtbot.keyClick(target, Qt.Key.Key_PageDown)
    with qtbot.waitSignal(view.previous_requested, timeout=1000):
        qtbot.keyClick(target, Qt.Key.Key_PageUp)
    with qtbot.waitSignal(view.reveal_requested, timeout=1000):
        qtbot.keyClick(target, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert (
        view.case is not None and view.case.name is None
    )  # asking is not revealing: the meeting decides and records it


def test_the_details_scroll_by_keyboard_and_a_new_case_starts_at_the_top(qtbot) -> None:
    view = presenter(qtbot)
    view.resize(1264, 660)
    view.show_case(sample_case(RULESET), 1, 2)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    bar = view.area.verticalScrollBar()
    qtbot.keyClick(QApplication.focusWidget() or view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert bar.value() > 0
    view.show_case(sample_case(RULESET), 2, 2)
    assert bar.value() == 0


def test_a_definition_on_request_in_the_presenter_view(qtbot) -> None:
    view = presenter(qtbot)
    view.show_case(sample_case(RULESET), 1, 1)
    view.activateWindow()
    view.grid.setFocus()
    qtbot.waitUntil(lambda: view.grid.cells[("severity", "medium")].hasFocus())  # the cursor starts at the case's level
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert RULESET.variable("severity").definitions["high"] in view.grid.definition_text.text()
