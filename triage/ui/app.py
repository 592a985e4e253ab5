"""Starting the desktop app: settings, the ruleset in force, the store, then the main window.
Each of them fails closed with a clear message rather than starting on something doubtful."""

from __future__ import annotations

import getpass
import os
import sys

from PySide6.QtCore import QLocale
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from triage import __version__
from triage.resources import resource_path
from triage.rules.ruleset import Ruleset, RulesetError, default_ruleset, load_ruleset
from triage.settings import ServiceSettings, SettingsError, load_settings
from triage.store import open_store
from triage.store.errors import StoreError
from triage.ui.main_window import MainWindow
from triage.ui.theme import apply_theme

ACTOR_ENV = "TRIAGE_USER"


def current_actor() -> str:
    """Who is working: accounts arrive later; until then the login name (or TRIAGE_USER)."""
    return os.environ.get(ACTOR_ENV) or getpass.getuser()


def ruleset_in_force(settings: ServiceSettings) -> Ruleset:
    return load_ruleset(settings.ruleset_path) if settings.ruleset_path else default_ruleset()


def build_window(database: str | None = None) -> MainWindow:
    """Everything the app needs, or an exception whose message can be shown as it is."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        QMessageBox.warning(None, "Settings not used", f"The settings file has problems and was not used:\n\n{exc}")
        settings = ServiceSettings()
    ruleset = ruleset_in_force(settings)
    store = open_store(database)
    return MainWindow(store, ruleset, settings, current_actor())


def run_app(argv: list[str] | None = None, *, database: str | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("triage")
    app.setApplicationVersion(__version__)
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    apply_theme(app)  # type: ignore[arg-type]
    app.setWindowIcon(QIcon(str(resource_path("icons", "triage.png"))))  # type: ignore[union-attr]
    try:
        window = build_window(database)
    except RulesetError as exc:
        QMessageBox.critical(None, "triage cannot start", "The ruleset in force cannot be used:\n\n" + "\n".join(exc.problems))
        return 1
    except StoreError as exc:
        QMessageBox.critical(None, "triage cannot start", f"The referral store cannot be opened:\n\n{exc}")
        return 1
    window.show()
    window.home.table.setFocus()
    return app.exec()
