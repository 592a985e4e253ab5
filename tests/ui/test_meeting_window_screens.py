"""Show on the projector (Alt+P in the meeting's window): with a second screen the presenter view goes
full screen on it and the laptop keeps the control window; with one screen it is a window of its own.
Each is measured on real offscreen screens in a process of its own (as tests/ui/test_presenter_view.py
measures the presenter): a process's screens are fixed when its QApplication starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAPTOP = {"name": "laptop", "x": 0, "y": 0, "width": 1280, "height": 720}
PROJECTOR = {"name": "projector", "x": 1280, "y": 0, "width": 1920, "height": 1080}
SCRIPT = """
import json
from datetime import date, datetime
from PySide6.QtWidgets import QApplication
app = QApplication([])
from triage.rules.ruleset import default_ruleset
from triage.services.meeting_types import Attendee, MeetingInfo
from triage.ui.meeting_model import MeetingSession
from triage.ui.meeting_window import MeetingWindow
chair = Attendee("Lena Lead", "lead.one")
info = MeetingInfo("m1", date.today(), chair, (chair,), "lead.one", datetime.now(), None, ())
window = MeetingWindow(MeetingSession(None, None, "m1", [], default_ruleset()), info)  # no case: no store read
window.resize(1280, 720)
window.show()
window.show_presenter()
for _ in range(5):
    app.processEvents()
shown = window.presenter
print(json.dumps({"screen": shown.screen().name(), "full_screen": shown.isFullScreen(), "visible": shown.isVisible(),
                  "control_screen": window.screen().name()}))
"""


def shown_on(screens: list[dict[str, object]]) -> dict[str, object]:
    config = {"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
              "screens": [{**s, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1} for s in screens]}  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "screens.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={path}", "PYTHONPATH": str(ROOT),
               "TRIAGE_SETTINGS": str(Path(folder) / "settings.json")}  # fmt: skip
        done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(("screens", "wanted"), [
    ([LAPTOP, PROJECTOR], {"screen": "projector", "full_screen": True, "visible": True, "control_screen": "laptop"}),
    ([LAPTOP], {"screen": "laptop", "full_screen": False, "visible": True, "control_screen": "laptop"}),
], ids=["two screens", "one screen"])  # fmt: skip
def test_the_presenter_goes_to_the_second_screen_when_there_is_one(screens, wanted) -> None:  # type: ignore[no-untyped-def]
    assert shown_on(screens) == wanted
