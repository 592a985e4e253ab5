"""Every window fits the service's laptop screens, 1366×768 and 1280×720, with realistic content: the
recovery key shown at first run, the login error, a letter in the letters window, a referral screened.

Each screen size is a real offscreen screen of that size (the offscreen plugin's configuration file),
in a fresh process, where tests/ui/window_fit.py builds and measures every window: a window's size hint,
minimum size hint and size once shown leave room for a title bar and taskbar (``TITLE_AND_TASKBAR``),
its frame is on the screen, and no button or label in it is off the window or clipped.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENS = {"1366x768": (1366, 768), "1280x720": (1280, 720)}
TITLE_AND_TASKBAR = 60  # what a window's own height leaves for the title bar and the taskbar
WINDOWS = ("first-run", "login-error", "main-window", "record", "screening", "locked", "new-referral", "gp-addressee", "settings",
           "matrix", "letters", "high-risk-alert", "journey", "audit-trail", "users", "add-user", "password-form", "role-form",
           "keyboard-shortcuts", "send-to-meeting", "meeting-queue", "open-meeting", "supervisor-form", "leader-record",
           "merge-records", "undo-merge")  # fmt: skip
WINDOW_BASES = {"QDialog", "QMainWindow", "AccountForm"}
ABSTRACT = {"AccountForm", "_EditDialog", "_Form"}  # never shown themselves: their forms are


@functools.cache
def measured(screen: str) -> dict[str, Any]:
    """Every window measured on a screen of this size, in a process of its own (Qt keeps the screens it
    started with for the life of the process)."""
    width, height = SCREENS[screen]
    config = {"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
              "screens": [{"name": f"laptop {screen}", "x": 0, "y": 0, "width": width, "height": height,
                           "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "screen.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={path}", "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "tests.ui.window_fit"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("screen", SCREENS)
def test_the_window_fits_the_screen_with_nothing_clipped(screen: str, window: str) -> None:
    width, height = SCREENS[screen]
    found = measured(screen)[window]
    assert found["available"] == [0, 0, width, height], "the offscreen screen was not the size asked for"
    room = (width, height - TITLE_AND_TASKBAR)
    for what in ("size_hint", "minimum_size_hint", "minimum_size", "size"):
        w, h = found[what]
        assert w <= room[0] and h <= room[1], f"{window}: {what} {w}x{h} is more than the {room[0]}x{room[1]} there is"
    x, y, w, h = found["frame"]
    on_screen = x >= 0 and y >= 0 and x + w <= width and y + h <= height
    assert on_screen, f"{window}: its frame {found['frame']} is off the screen"
    assert found["problems"] == []


def window_classes() -> set[str]:
    """Every class in triage/ui that is a window of its own (a QDialog or QMainWindow, directly or not)."""
    bases: dict[str, set[str]] = {}
    for source in (ROOT / "triage" / "ui").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {base.id for base in node.bases if isinstance(base, ast.Name)}
    windows: set[str] = set()
    while True:
        more = {name for name, parents in bases.items() if parents & (WINDOW_BASES | windows)} - windows
        if not more:
            return windows
        windows |= more


def test_every_window_of_the_app_is_measured() -> None:
    classes = {found["class"] for found in measured("1280x720").values()}
    assert window_classes() - ABSTRACT - classes == set(), "a window not measured for fit"
