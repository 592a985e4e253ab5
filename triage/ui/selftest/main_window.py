"""Step "main window": the bundled Qt starts the app's main window on the new store, offscreen.

It proves the widgets, the theme and the bundled font load (a fallback font fails the step), and that
the main window, with its referral list, shows.
"""

from __future__ import annotations

from triage.ui.selftest.runner import Run, StepFailed
from triage.ui.selftest.windows import isolated_environment, qt_application


def check(run: Run) -> str:
    app = qt_application()
    from PySide6.QtWidgets import QApplication

    if not isinstance(app, QApplication):
        raise StepFailed("a non-widget Qt application already exists in this process")
    from triage.rules.ruleset import default_ruleset
    from triage.settings import ServiceSettings
    from triage.ui.app import session_window
    from triage.ui.theme import FONT_FAMILY, apply_theme

    with isolated_environment(run.folder):
        apply_theme(app)
        window = session_window(run.store, run.user, default_ruleset(), ServiceSettings())
    try:
        window.show()
        app.processEvents()
        if not window.isVisible():
            raise StepFailed("the main window did not show")
        family = app.font().family()
        if family != FONT_FAMILY:
            raise StepFailed(f"the bundled font {FONT_FAMILY} was not loaded (the app fell back to {family})")
        shown = f"main window shown ({app.platformName()} platform), {family} font"
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
    return shown
