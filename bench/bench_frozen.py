"""Frozen app start-up: the PyInstaller bundle's time to a usable main window, beside the same in Python.

Needs a built bundle (``bash .ci/build-frozen``, or ``pyinstaller build.spec``): ``dist/triage/triage``,
or the executable named by ``TRIAGE_FROZEN_APP``. Nothing is added to the product for this: each
start is a fresh process running ``--self-test`` offscreen, whose report prints a line the moment
each step is done; the clock runs from starting the process to reading the ``main window ok`` line
(the store created and migrated, the main window shown on it: a very first start), and on to the
end of the self-test. The unfrozen start runs the same self-test in this venv's Python; a bare
PySide6 window started from Python is the baseline (as in bench_startup). Rounds are interleaved.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import Timing

ROUNDS = 5
ROOT = Path(__file__).resolve().parent.parent
WINDOW_LINE = "  main window  ok"

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1400, 900)
window.show()
QTimer.singleShot(0, app.quit)
app.exec()
print("  main window  ok")
print("triage self-test passed")
"""
UNFROZEN = "import sys\nfrom triage.ui.selftest import run_self_test\nsys.exit(run_self_test())\n"


def frozen_app() -> Path:
    configured = os.environ.get("TRIAGE_FROZEN_APP")
    return (
        Path(configured) if configured else ROOT / "dist" / "triage" / ("triage.exe" if os.name == "nt" else "triage")
    )


def _start(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from starting the process to the main-window line, and to its exit."""
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    window = None
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if window is None and line.startswith(WINDOW_LINE):
            window = time.perf_counter() - began
    code = process.wait(timeout=120)
    total = time.perf_counter() - began
    if code != 0 or window is None or not any("self-test passed" in line for line in lines):
        raise RuntimeError(f"{command[0]}: the self-test failed:\n{''.join(lines)[-2000:]}")
    return window, total


def run() -> list[str]:
    app = frozen_app()
    if not app.is_file():  # not a failure: `python -m bench` runs every benchmark, built or not
        return [f"not run: no frozen app at {app}; build it first (bash .ci/build-frozen) or set TRIAGE_FROZEN_APP"]
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_SETTINGS": str(Path(folder) / "settings.json")}
        starts = {
            "bare PySide6 QMainWindow, Python [base]": [sys.executable, "-c", BARE],
            "triage self-test, Python (unfrozen)": [sys.executable, "-c", UNFROZEN],
            "triage self-test, frozen bundle": [str(app), "--self-test"],
        }
        for command in starts.values():  # warm the disk cache: every start after the first is measured
            _start(command, env)
        windows: dict[str, list[float]] = {name: [] for name in starts}
        totals: dict[str, list[float]] = {name: [] for name in starts}
        for _ in range(ROUNDS):
            for name, command in starts.items():
                window, total = _start(command, env)
                windows[name].append(window)
                totals[name].append(total)
    w = {name: Timing(tuple(values)) for name, values in windows.items()}
    t = {name: Timing(tuple(values)) for name, values in totals.items()}
    base = w["bare PySide6 QMainWindow, Python [base]"].best
    lines = [
        f"{ROUNDS} interleaved rounds of fresh processes, offscreen, after one warm-up each; the self-test",
        "creates and migrates a new store before the window (a very first start)",
        "",
        f"{'':<42} {'window best s':>13} {'median':>7} {'x base':>7} {'exit best s':>12}",
    ]
    for name in starts:
        lines.append(f"{name:<42} {w[name].best:>13.3f} {w[name].median:>7.3f} {w[name].best / base:>6.2f}x "
                     f"{t[name].best:>12.3f}")  # fmt: skip
    frozen, unfrozen = w["triage self-test, frozen bundle"], w["triage self-test, Python (unfrozen)"]
    lines += ["", f"frozen/unfrozen time to the main window: {frozen.best / unfrozen.best:.2f}x best, "
              f"{frozen.median / unfrozen.median:.2f}x median"]  # fmt: skip
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
