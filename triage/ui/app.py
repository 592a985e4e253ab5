"""Starting the desktop app."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from triage import __version__
from triage.rules.ruleset import RulesetError, default_ruleset
from triage.ui.main_window import MainWindow


def run_app(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("triage")
    app.setApplicationVersion(__version__)
    app.setStyle("Fusion")
    try:
        ruleset = default_ruleset()
    except RulesetError as exc:
        # Fail closed: no routing at all rather than routing on a ruleset nobody can vouch for.
        QMessageBox.critical(None, "triage cannot start", "The ruleset in force cannot be used:\n\n" + "\n".join(exc.problems))
        return 1
    window = MainWindow(ruleset)
    window.show()
    return app.exec()
