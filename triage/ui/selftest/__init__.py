"""``triage --self-test``: proves an installed copy (above all the frozen one in ``dist/triage/``) works.

In a temporary data folder, removed afterwards, it runs these steps in order, one module each (its
docstring says what the step proves):

1. ``store``: creates an encrypted store with its first admin, runs the migrations, checks that a
   wrong key opens nothing and changes nothing, and logs in (then the integrity check and the audit chain);
2. ``main_window``: starts the main window on that store, offscreen (fonts, theme, referral list);
3. ``screening``: screens a referral through the real windows, as a person would, and prints its GP
   letter from the letter window to a PDF file (``printing``); the stored screening and decision,
   the recorded letter and the printed pages are then checked;
4. ``matrix``: routes all 2,187 rating combinations and compares them with the golden table;
5. ``letters``: builds each kind of letter (GP, patient, referral-on) for a built-in synthetic case;
6. ``render``: renders page 1 of the GP letter to an image with QtPdf and checks it is not blank.

``runner`` runs them and reports (a failure is a sentence, never a traceback); ``windows`` drives the
app's windows offscreen (keys, the login window, modal windows answered so none waits for a person,
no user settings read, no print server asked); ``pages`` reads PDF pages back with QtPdf.

Each step prints one line as soon as it is done (so a benchmark can time the main window from
outside); the last line says ``self-test passed`` (exit 0) or ``self-test FAILED: ...`` (exit 1).
It runs offscreen (``QT_QPA_PLATFORM`` is set to ``offscreen`` unless already set), opens no network
connection and reads no user settings: the print server is pointed at a socket in the temporary folder
that does not exist, as the letter goes to a PDF file (CUPS would otherwise be asked for the default
printer, over localhost when its local socket is missing). Qt is imported only by the steps that need
it. The synthetic case is not a person: its NHS number is in the 999 test range.

The steps are imported here statically, so PyInstaller finds every module of the package.
"""

from __future__ import annotations

from typing import TextIO

from triage.ui.selftest import letters, main_window, matrix, render, screening, store
from triage.ui.selftest.runner import EXIT_FAILED, EXIT_OK, Step, run_steps

__all__ = ["EXIT_FAILED", "EXIT_OK", "STEPS", "main", "run_self_test"]

STEPS: tuple[Step, ...] = (
    Step("store", store.check),
    Step("main window", main_window.check, needs=("store",)),
    Step("screening", screening.check, needs=("store",)),
    Step("matrix", matrix.check),
    Step("letters", letters.check),
    Step("render", render.check, needs=("letters",)),
)


def run_self_test(stream: TextIO | None = None) -> int:
    """Run every step, report each on ``stream`` (default: standard output at call time); 0 or 1."""
    return run_steps(STEPS, stream)


def main() -> int:
    return run_self_test()
