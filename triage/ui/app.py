"""Starting the desktop app: settings, the ruleset in force, then (first run) creating the encrypted
store, logging in, and the main window. Each step fails closed with a clear message rather than
starting on something doubtful."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from triage import __version__
from triage.resources import resource_path
from triage.rules.ruleset import Ruleset, RulesetError, default_ruleset, load_ruleset
from triage.services.accounts import User, initialise_store, lock_session, open_authenticated, unlock_session
from triage.settings import ServiceSettings, SettingsError, load_settings
from triage.store import Store
from triage.store.errors import StoreError
from triage.store.location import resolve_database_url
from triage.ui.login import FirstRunDialog, LoginDialog
from triage.ui.main_window import MainWindow
from triage.ui.theme import apply_theme


def ruleset_in_force(settings: ServiceSettings) -> Ruleset:
    return load_ruleset(settings.ruleset_path) if settings.ruleset_path else default_ruleset()


def service_settings() -> ServiceSettings:
    try:
        return load_settings()
    except SettingsError as exc:
        QMessageBox.warning(None, "Settings not used", f"The settings file has problems and was not used:\n\n{exc}")
        return ServiceSettings()


def needs_first_run(database: str | None) -> bool:
    url = resolve_database_url(database)
    return url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists()


def session_window(store: Store, user: User, ruleset: Ruleset, settings: ServiceSettings) -> MainWindow:
    """The main window for a logged-in user: the idle lock unlocks with their password, and locking
    and every unlock attempt are audited."""

    def unlock(password: str) -> bool:
        try:
            unlock_session(store, user, password)
        except StoreError:
            return False
        return True

    def lock_changed(change: str) -> None:
        if change == "lock":
            lock_session(store, user)

    return MainWindow(store, ruleset, settings, user.username, user=user, unlock_check=unlock,
                      idle_minutes=settings.idle_lock_minutes, on_lock_change=lock_changed)  # fmt: skip


def run_app(argv: list[str] | None = None, *, database: str | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("triage")
    app.setApplicationVersion(__version__)
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    apply_theme(app)  # type: ignore[arg-type]
    app.setWindowIcon(QIcon(str(resource_path("icons", "triage.png"))))  # type: ignore[union-attr]
    settings = service_settings()
    try:
        ruleset = ruleset_in_force(settings)
        where = resolve_database_url(database).render_as_string(hide_password=True)
    except RulesetError as exc:
        QMessageBox.critical(None, "triage cannot start", "The ruleset in force cannot be used:\n\n" + "\n".join(exc.problems))
        return 1
    except StoreError as exc:
        QMessageBox.critical(None, "triage cannot start", f"The referral store cannot be used:\n\n{exc}")
        return 1
    if needs_first_run(database):
        first_run = FirstRunDialog(lambda u, n, p: initialise_store(database, u, n, p), where)  # type: ignore[arg-type]
        if first_run.exec() != QDialog.DialogCode.Accepted:
            return 0
    login = LoginDialog(lambda u, p: open_authenticated(database, u, p), where)
    if login.exec() != QDialog.DialogCode.Accepted:
        return 0
    store, user = login.result_value
    window = session_window(store, user, ruleset, settings)
    window.show()
    window.home.table.setFocus()
    return app.exec()
