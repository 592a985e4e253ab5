"""The main window's menus, built from the keyboard registry (keymap.py's ``MENUS``): File, Tools, Admin,
My account and Help, each command with its shortcut, and the slots of Help and of Tools > Reports. Every command is also an action of the window
itself, so its shortcut works while the menus are closed. A command is enabled only for a role the
services would let do it (they check again), only once the window has the session hook it needs
(account_menu.py), and, while the window is locked, only if it shows no patient detail (Quit, Log out,
Switch user, the keyboard sheet). Mixed into ``MainWindow`` (main_window.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from triage.ui.account_menu import logged_in_menu_text
from triage.ui.keymap import LOGGED_IN, MENUS, SEPARATOR, Command, Item

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QDialog, QMainWindow, QMenu, QPushButton, QWidget

    from triage.services.permissions import Action, User
    from triage.store.database import Store
    from triage.ui.referrals_page import ReferralsPage

    _Window = QMainWindow  # what mypy checks the mixin against; at run time MainWindow brings it
else:
    _Window = object


class WindowMenu(_Window):
    """The menu bar, its actions and the home page's buttons, enabled by role, session and lock."""

    if TYPE_CHECKING:  # what the menu needs of the window it is mixed into
        user: User
        home: ReferralsPage

        @property
        def locked(self) -> bool: ...

        def _run_admin_dialog(self, opener: Callable[[Store, User, QWidget], QDialog | None]) -> None: ...

    def add_menu(self) -> None:
        """Every menu of ``MENUS``, in order; each command's action kept by its slot's name."""
        self.menu_actions: dict[str, QAction] = {}
        self._commands: dict[QAction, Command] = {}
        for menu in MENUS:
            self._fill(self.menuBar().addMenu(menu.title), menu.items)
        self.audit_action, self.users_action = self.menu_actions["open_audit_trail"], self.menu_actions["open_users"]
        self.enable_actions()

    def _fill(self, menu: QMenu, items: tuple[Item, ...]) -> None:
        for item in items:
            if item == SEPARATOR:
                menu.addSeparator()
            elif item == LOGGED_IN:
                who = menu.addAction(logged_in_menu_text(self.user))
                who.setEnabled(False)  # a line to read, not a command
            elif isinstance(item, Command):
                action = QAction(item.text, self)
                if item.keys:
                    action.setShortcut(QKeySequence(item.keys))
                action.triggered.connect(getattr(self, item.slot))
                self.addAction(action)  # the shortcut works with every menu closed
                menu.addAction(action)
                self.menu_actions[item.slot] = action
                self._commands[action] = item

    def enable_actions(self) -> None:
        """Each command and home-page button as the role, the session and the lock allow it now."""
        for action, command in self._commands.items():
            action.setEnabled(self._offered(command))
        buttons: tuple[tuple[QPushButton, Action], ...] = (
            (self.home.new_button, "create_referral"), (self.home.open_button, "view_referral"),
            (self.home.resume_button, "screen"))  # fmt: skip
        for button, needs in buttons:
            button.setEnabled(self.user.can(needs))

    def _offered(self, command: Command) -> bool:
        if self.locked and not command.while_locked:
            return False
        if command.needs is not None and not self.user.can(command.needs):
            return False
        return command.requires is None or getattr(self, command.requires) is not None

    def show_keyboard_help(self) -> None:
        """Help > Keyboard shortcuts (F1): every key, window by window, from the registry."""
        from triage.ui.keyboard_help import KeyboardHelp

        sheet = KeyboardHelp(self)
        sheet.exec()
        sheet.deleteLater()
        self.activateWindow()

    def open_reports(self) -> None:
        """Tools > Reports (Ctrl+Shift+R): the service's reports (team leaders and service managers)."""
        from triage.ui.reports_dialog import open_reports

        self._run_admin_dialog(open_reports)
