"""Starting the desktop app: (first run) creating the encrypted store, logging in, then the settings,
the ruleset in force and the main window. Each step fails closed with a clear message rather than
starting on something doubtful.

The first window (log in, or set up) is shown as soon as Qt is up: deciding on first run and naming the
store need no SQLAlchemy (``local_store_path``). The heavy modules (SQLAlchemy, pydantic, the store,
services and the main window) are imported on a background thread while the person types; the
login call, run on a worker thread, and the steps after it import what they need, warm by then or
finishing loading. Widgets are only ever created here, on the GUI thread.

Before the first window only what it needs is done: the application is made in the Fusion style,
the font's regular and bold faces are registered (the italic ones once the window is up), and what
only an error or a later step needs (QMessageBox, the thread pool of the login call) is imported then.
tests/ui/test_fast_start.py keeps this path light.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog

from triage import __version__
from triage.resources import resource_path
from triage.store.errors import StoreError
from triage.store.location import local_store_path
from triage.ui.login import FirstRunDialog, LoginDialog
from triage.ui.theme import FIRST_FACES, LATER_FACES, apply_theme, load_fonts, new_application

if TYPE_CHECKING:
    from triage.rules.ruleset import Ruleset
    from triage.services.permissions import User
    from triage.settings import ServiceSettings
    from triage.store.database import Store
    from triage.ui.main_window import MainWindow

# Loaded on the preload thread while the first window is up: the login's needs first, then what
# follows it. Importing modules that define widgets off the GUI thread is fine; creating them is not.
PRELOAD = ("triage.services.login", "triage.settings", "triage.rules.ruleset", "triage.ui.main_window")


def preload_modules(names: tuple[str, ...] = PRELOAD) -> threading.Thread:
    """Start importing ``names`` on a background thread. A module that fails to import is left for its
    real import (on use) to raise, with its message, where it is needed."""

    def load() -> None:
        for name in names:
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    thread = threading.Thread(target=load, name="triage-preload")  # not a daemon: no exit mid-import
    thread.start()
    return thread


def ruleset_in_force(settings: ServiceSettings) -> Ruleset:
    from triage.rules.ruleset import default_ruleset, load_ruleset

    return load_ruleset(settings.ruleset_path) if settings.ruleset_path else default_ruleset()


def service_settings() -> ServiceSettings:
    from PySide6.QtWidgets import QMessageBox

    from triage.settings import ServiceSettings, SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        QMessageBox.warning(None, "Settings not used", f"The settings file has problems and was not used:\n\n{exc}")
        return ServiceSettings()


def needs_first_run(database: str | None) -> bool:
    path = local_store_path(database)
    return path is not None and not path.exists()


def store_description(database: str | None, path: Path | None) -> str:
    """What the first window names as the referral store: the local file, or the server's URL without
    its password (reading a URL needs SQLAlchemy; only a team's server start pays for it here)."""
    if path is not None:
        return str(path)
    from triage.store.location import resolve_database_url

    return resolve_database_url(database).render_as_string(hide_password=True)


def _initialise_store(database: str | None, username: str, display_name: str, password: str) -> str | None:
    from triage.services.store_setup import initialise_store

    return initialise_store(database, username, display_name, password)  # type: ignore[arg-type]


def _open_authenticated(database: str | None, username: str, password: str) -> tuple[Store, User]:
    from triage.services.login import open_authenticated  # on the login worker thread

    return open_authenticated(database, username, password)


def session_window(store: Store, user: User, ruleset: Ruleset, settings: ServiceSettings) -> MainWindow:
    """The main window for a logged-in user: the idle lock unlocks with their password, and locking
    and every unlock attempt are audited."""
    from triage.services.login import lock_session, unlock_session
    from triage.ui.main_window import MainWindow

    def unlock(password: str) -> bool:
        try:
            unlock_session(store, user, password)
        except StoreError:
            return False
        return True

    def lock_changed(change: str) -> None:
        if change == "lock":
            lock_session(store, user)

    return MainWindow(store, ruleset, settings, user, unlock_check=unlock,
                      idle_minutes=settings.idle_lock_minutes, on_lock_change=lock_changed)  # fmt: skip


def _cannot_start(message: str) -> int:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.critical(None, "triage cannot start", message)
    return 1


def after_first_window() -> None:
    """Once the first window is up and the event loop has gone idle: the heavy modules on the preload
    thread, and on the next pass of the loop the font's italic faces (the login window has none)."""
    preload_modules()
    QTimer.singleShot(0, lambda: load_fonts(LATER_FACES))


def run_app(argv: list[str] | None = None, *, database: str | None = None) -> int:
    existing = QApplication.instance()
    app = existing or new_application(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("triage")
    app.setApplicationVersion(__version__)
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    # instance() is typed as the QCoreApplication it may be; here it is always a QApplication.
    apply_theme(app, faces=FIRST_FACES, styled=existing is None)  # type: ignore[arg-type]
    app.setWindowIcon(QIcon(str(resource_path("icons", "triage.png"))))  # type: ignore[attr-defined]
    try:
        path = local_store_path(database)
        where = store_description(database, path)
    except StoreError as exc:
        return _cannot_start(f"The referral store cannot be used:\n\n{exc}")
    QTimer.singleShot(0, after_first_window)  # once the first window is up, not competing with building it
    if path is not None and not path.exists():
        first_run = FirstRunDialog(lambda u, n, p: _initialise_store(database, u, n, p), where)
        if first_run.exec() != QDialog.DialogCode.Accepted:
            return 0
    login = LoginDialog(lambda u, p: _open_authenticated(database, u, p), where)
    if login.exec() != QDialog.DialogCode.Accepted:
        return 0
    store, user = login.result_value
    from triage.labels import LabelsError, labels
    from triage.rules.ruleset import RulesetError

    settings = service_settings()
    try:
        ruleset = ruleset_in_force(settings)
    except RulesetError as exc:
        store.close()
        return _cannot_start("The ruleset in force cannot be used:\n\n" + "\n".join(exc.problems))
    try:
        labels()  # read here, so a broken file is refused by name rather than mid-way through the window
    except LabelsError as exc:
        store.close()
        return _cannot_start("The labels file cannot be used:\n\n" + "\n".join(exc.problems))
    window = session_window(store, user, ruleset, settings)
    window.show()
    window.home.table.setFocus()
    return app.exec()
