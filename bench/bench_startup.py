"""App start-up: process start to the first usable window (the login), and to the main window after
logging in, each beside a bare PySide6 window started the same way.

Each start is a fresh Python process (so imports, font loading and opening the store all count), run
offscreen. A start is usable when its window has been shown and the event loop has gone idle once:
the child prints the time then (``time.perf_counter``, a system-wide monotonic clock on Linux, macOS
and Windows), so work the app goes on doing in the background (importing the heavy modules while the
person types) and process exit are not counted. The kinds of start are interleaved round by round.
Budget (docs/design.md, "Budgets"): the login window within 1.3x the bare window; password accepted to
the main window under 0.5 s.

Every start runs from compiled bytecode, as an installed (pip compiles on install) or frozen app does:
the children keep their .pyc files in a temporary PYTHONPYCACHEPREFIX, filled by one untimed start of
each kind on a throwaway store, whatever PYTHONDONTWRITEBYTECODE says where the benchmark is run
(otherwise only the app's own modules would be compiled from source on every start, and the work tree
is left untouched). The bare window runs under the same conditions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import Timing
from bench.budgets import STARTUP_VS_BARE
from triage.services.store_setup import initialise_store

ROUNDS = 7

BARE = """
import time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1400, 900)
window.show()
QTimer.singleShot(0, lambda: (print("usable", time.perf_counter(), flush=True), app.quit()))
app.exec()
"""

# The real start (run_app, or the `triage` command), up to the login dialog shown and idle; then cancelled.
LOGIN = """
import sys, time
from PySide6.QtCore import QTimer
from triage.ui.login import LoginDialog
shown = LoginDialog.exec
def exec_(self):
    def usable():
        print("usable", time.perf_counter(), flush=True)
        self.reject()
    QTimer.singleShot(0, usable)
    return shown(self)
LoginDialog.exec = exec_
if sys.argv[2] == "command":
    from triage.cli import main
    sys.exit(main(["--database", sys.argv[1]]))
from triage.ui.app import run_app
sys.exit(run_app(["triage"], database=sys.argv[1]))
"""

# The real start through an automated login (the password check, argon2id, included; no typing time)
# to the main window shown, its referral list focused, and the event loop idle.
MAIN = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from triage.ui.app import run_app
from triage.ui.login import LoginDialog
shown = LoginDialog.exec
def main_window_up():
    from triage.ui.main_window import MainWindow
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    if not windows:
        QTimer.singleShot(1, main_window_up)
        return
    print("usable", time.perf_counter(), windows[0].model.total, flush=True)
    QApplication.quit()
def exec_(self):
    self.username.setText("bench")
    self.password.setText(sys.argv[2])
    self.finished.connect(lambda result: QTimer.singleShot(0, main_window_up))
    QTimer.singleShot(0, self.accept)
    return shown(self)
LoginDialog.exec = exec_
sys.exit(run_app(["triage"], database=sys.argv[1]))
"""


def _start(code: str, *args: str, env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith("usable ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"start-up failed ({done.returncode}): {done.stdout[-500:]} {done.stderr[-2000:]}")
    return float(lines[0][1]) - began


def _row(name: str, timing: Timing) -> str:
    return f"{name:<44} {timing.best:>8.3f} {timing.median:>9.3f}"


def _ratio(name: str, timing: Timing, bare: Timing, budget: bool) -> str:
    ratio = timing.best / bare.best
    verdict = "no budget"
    if budget:
        verdict = f"{'within' if ratio <= STARTUP_VS_BARE else 'OVER'} the {STARTUP_VS_BARE}x budget"
    return f"{name}: {ratio:.2f}x best, {timing.median / bare.median:.2f}x median; {verdict}"


def _environment(folder: Path) -> dict[str, str]:
    """Offscreen, settings of its own, and .pyc files written to and read from ``folder/pycache``."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_SETTINGS": str(folder / "settings.json")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        env = _environment(Path(folder))
        password = "bench-password-long-enough"
        warm_up = str(Path(folder) / "warm-up.db")  # compiles what every kind of start imports, untimed
        initialise_store(warm_up, "bench", "Bench", password)
        for kind in ((BARE,), (LOGIN, warm_up, "run_app"), (LOGIN, warm_up, "command"), (MAIN, warm_up, password)):
            _start(*kind, env=env)
        database = str(Path(folder) / "triage.db")
        initialise_store(database, "bench", "Bench", password)  # an encrypted store, as first run makes
        first = _start(MAIN, database, password, env=env)
        bare, login, command, main = [], [], [], []
        for _ in range(ROUNDS):
            bare.append(_start(BARE, env=env))
            login.append(_start(LOGIN, database, "run_app", env=env))
            command.append(_start(LOGIN, database, "command", env=env))
            main.append(_start(MAIN, database, password, env=env))
    b, lg, cm, mn = (Timing(tuple(rounds)) for rounds in (bare, login, command, main))
    return [
        f"{ROUNDS} interleaved rounds of fresh processes, offscreen, from compiled bytecode; an encrypted store "
        "exists; to the main window, the login's password check (argon2id) included, the typing of it not",
        "",
        f"{'':<44} {'best s':>8} {'median s':>9}",
        _row("bare PySide6 QMainWindow [base]", b),
        _row("triage login window (run_app)", lg),
        _row("triage login window (the triage command)", cm),
        _row("triage main window, after an automated login", mn),
        f"{'triage main window, first start after set-up':<44} {first:>8.3f} {'':>9}",
        "",
        _ratio("usable window (login) / bare", lg, b, True),
        _ratio("login via the triage command / bare", cm, b, True),
        _ratio("main window after login / bare", mn, b, False),
    ]
