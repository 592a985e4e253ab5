"""App start-up: process start to a usable main window, beside a bare PySide6 window started the same way.

Each start is a fresh Python process (so imports, font loading and opening the store all count), run
offscreen, and ends when the window has been shown and the event loop has gone idle once: at that
point the referral list is on screen and takes keys. The two kinds of start are interleaved round by
round. Budget (design.md): within 1.5x the bare window.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import Timing
from triage.services.accounts import initialise_store

ROUNDS = 7
BUDGET_RATIO = 1.5

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1400, 900)
window.show()
QTimer.singleShot(0, app.quit)
app.exec()
print("usable")
"""

TRIAGE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from triage.services.accounts import open_authenticated
from triage.settings import load_settings
from triage.ui.app import ruleset_in_force, session_window
from triage.ui.theme import apply_theme
app = QApplication([])
apply_theme(app)
settings = load_settings()
store, user = open_authenticated(sys.argv[1], "bench", sys.argv[2])  # what the login dialog does
window = session_window(store, user, ruleset_in_force(settings), settings)
window.show()
window.home.table.setFocus()
QTimer.singleShot(0, app.quit)
app.exec()
print("usable", window.model.total)
"""


def _start(code: str, *args: str, env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
    elapsed = time.perf_counter() - began
    if done.returncode != 0 or "usable" not in done.stdout:
        raise RuntimeError(f"start-up failed: {done.stderr[-2000:]}")
    return elapsed


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_SETTINGS": str(Path(folder) / "settings.json")}
        database = str(Path(folder) / "triage.db")
        password = "bench-password-long-enough"
        initialise_store(database, "bench", "Bench", password)  # an encrypted store, as first run makes
        first = _start(TRIAGE, database, password, env=env)
        bare, ours = [], []
        for _ in range(ROUNDS):
            bare.append(_start(BARE, env=env))
            ours.append(_start(TRIAGE, database, password, env=env))
    b, o = Timing(tuple(bare)), Timing(tuple(ours))
    ratio = o.best / b.best
    verdict = "within" if ratio <= BUDGET_RATIO else "OVER"
    return [
        f"{ROUNDS} interleaved rounds of fresh processes, offscreen; an encrypted store exists; the login's "
        "password check (argon2id) included, the typing of it not",
        "",
        f"{'':<38} {'best s':>8} {'median s':>9}",
        f"{'bare PySide6 QMainWindow [base]':<38} {b.best:>8.3f} {b.median:>9.3f}",
        f"{'triage main window':<38} {o.best:>8.3f} {o.median:>9.3f}",
        f"{'triage, first start after set-up':<38} {first:>8.3f} {'':>9}",
        "",
        f"ratio triage/bare: {ratio:.2f}x best, {o.median / b.median:.2f}x median; "
        f"{verdict} the {BUDGET_RATIO}x budget",
    ]
