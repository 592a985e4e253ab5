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
from collections.abc import Callable
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
    from triage.services.store_setup import SetUp
    from triage.settings import BackupSchedule, ServiceSettings
    from triage.store.database import Store
    from triage.ui.main_window import MainWindow

# Loaded on the preload thread while the first window is up: the login's needs first, then what
# follows it. Importing modules that define widgets off the GUI thread is fine; creating them is not.
PRELOAD = (
    "triage.services.login",
    "triage.settings",
    "triage.rules.ruleset",
    "triage.services.service_settings",
    "triage.ui.main_window",
)


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


def ruleset_in_force(store: Store, settings: ServiceSettings) -> Ruleset:
    from triage.services.service_settings import ruleset_in_force as in_force

    return in_force(store, settings)


def service_settings(store: Store) -> ServiceSettings:
    """The service's settings, from the store: the same on every computer that opens it."""
    from PySide6.QtWidgets import QMessageBox

    from triage.services.service_settings import service_settings as read
    from triage.settings import ServiceSettings, SettingsError

    try:
        return read(store)
    except SettingsError as exc:
        QMessageBox.warning(None, "Settings not used",
                            f"The service's settings have problems and were not used:\n\n{exc}")  # fmt: skip
        return ServiceSettings()


def computer_schedule() -> BackupSchedule:
    """This computer's scheduled backup (its own settings file); off when the file cannot be read."""
    from triage.settings import BackupSchedule, SettingsError, load_computer_settings

    try:
        return load_computer_settings().scheduled_backup
    except SettingsError:
        return BackupSchedule()


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


def _initialise_store(database: str | None, username: str, display_name: str, password: str) -> SetUp:
    from triage.services.store_setup import create_store

    return create_store(database, username, display_name, password)  # type: ignore[arg-type]


def _open_authenticated(database: str | None, username: str, password: str) -> tuple[Store, User]:
    from triage.services.login import open_authenticated  # on the login worker thread

    return open_authenticated(database, username, password)


def session_window(store: Store, user: User, ruleset: Ruleset, settings: ServiceSettings, *,
                   on_end: Callable[[str], None] | None = None) -> MainWindow:  # fmt: skip
    """The main window for a logged-in user: the idle lock unlocks with their password, and locking
    and every unlock attempt are audited; they change their own password in it (``change_password``,
    audited, the key re-wrapped); ``on_end`` (``Sessions.end``) is told when they log out or switch user."""
    from triage.services.login import lock_session, unlock_session
    from triage.services.users import change_password
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

    window = MainWindow(store, ruleset, settings, user, unlock_check=unlock,
                        idle_minutes=settings.idle_lock_minutes, on_lock_change=lock_changed)  # fmt: skip
    window.connect_session(on_end, lambda old, new: change_password(store, user, old, new))
    return window


class Sessions:
    """One person's session after another, in one process (a shared practice PC): a main window per
    login; Log out or Switch user ends it (the open screening kept as that user's draft by the window,
    the logout audited, the store closed) and brings the login window back for the next person, who
    logs in to the same store. Cancelling that login ends the app."""

    def __init__(self, login: Callable[[str, str], tuple[Store, User]], where: str, *,
                 leave: Callable[[int], None] = QApplication.exit) -> None:  # fmt: skip
        self._login, self.where, self._leave = login, where, leave
        self.window: MainWindow | None = None
        self.login_dialog: LoginDialog | None = None
        self._session: tuple[Store, User] | None = None

    def start(self, store: Store, user: User) -> bool:
        """Show the logged-in user's window once the service's settings (from the store), the ruleset in
        force and the labels are found usable; else close the store, say why and return False. An admin
        is first offered this computer's old service settings, if its file still holds some."""
        from triage.labels import LabelsError, labels
        from triage.rules.ruleset import RulesetError
        from triage.ui.settings_import_dialog import offer_settings_import

        if user.can("settings"):
            offer_settings_import(store, user)
        settings = service_settings(store)
        try:
            ruleset = ruleset_in_force(store, settings)
            labels()  # read here, so a broken file is refused by name rather than mid-way through the window
        except (RulesetError, LabelsError) as exc:
            store.close()
            what = "ruleset in force" if isinstance(exc, RulesetError) else "labels file"
            _cannot_start(f"The {what} cannot be used:\n\n" + "\n".join(exc.problems))
            return False
        self.window, self._session = session_window(store, user, ruleset, settings, on_end=self.end), (store, user)
        self.window.show()
        self.window.home.table.setFocus()
        if store.migration_backup is not None:  # the schema was updated at login: say where the copy is
            _migration_notice(self.window, store.migration_backup)
        return True

    def end(self, how: str) -> None:
        """The window has kept its draft and emptied itself: audit the logout, close, and ask who is next
        (after Quit, nobody: the app ends)."""
        from triage.services.login import logout
        from triage.ui.account_menu import QUIT

        window, session, self.window, self._session = self.window, self._session, None, None
        if session is not None:
            store, user = session
            if window is not None:  # the admin's schedule, if one is due (the close waits for it)
                from triage.ui.closing_backup import back_up_at_close

                back_up_at_close(window, store, user, computer_schedule())
            with contextlib.suppress(StoreError):  # the session ends even if the trail cannot take it
                logout(store, user)
        if how != QUIT:
            self.show_login()  # before the window closes, so that is not the last window closing
        if window is not None:
            window.close()
            window.deleteLater()
        if session is not None:
            session[0].close()
        if how == QUIT:
            self._leave(0)

    def show_login(self) -> LoginDialog:
        dialog = LoginDialog(self._login, self.where)
        dialog.accepted.connect(lambda: self._logged_in(dialog))
        dialog.rejected.connect(lambda: self._leave(0))
        self.login_dialog = dialog
        dialog.show()
        dialog.activateWindow()
        return dialog

    def _logged_in(self, dialog: LoginDialog) -> None:
        store, user = dialog.result_value
        dialog.deleteLater()
        self.login_dialog = None
        if not self.start(store, user):
            self._leave(1)


def _migration_notice(window: MainWindow, copy: Path) -> None:
    """Said once, after the login that updated the store; not blocking: the window is ready behind it."""
    from PySide6.QtCore import Qt  # the Qt namespace costs time: only here, never on the way to the login window
    from PySide6.QtWidgets import QMessageBox

    from triage.store.backup import migration_backup_notice

    box = QMessageBox(QMessageBox.Icon.Information, "Database updated", migration_backup_notice(copy),
                      QMessageBox.StandardButton.Ok, window)  # fmt: skip
    box.setObjectName("migration-notice")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


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

    def log_in(username: str, password: str) -> tuple[Store, User]:
        return _open_authenticated(database, username, password)

    login = LoginDialog(log_in, where)
    if login.exec() != QDialog.DialogCode.Accepted:
        return 0
    store, user = login.result_value
    sessions = Sessions(log_in, where)
    if not sessions.start(store, user):
        return 1
    return app.exec()
