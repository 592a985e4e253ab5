"""The main window's menu: every action with its shortcut, in one table, each enabled only for a role
the services would let do it (they check again), the admin's actions also off while the window is
locked. Mixed into ``MainWindow`` (main_window.py); docs/keyboard.md lists the same shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow, QPushButton

    from triage.services.permissions import Action, User
    from triage.ui.referrals_page import ReferralsPage

    _Window = QMainWindow  # what mypy checks the mixin against; at run time MainWindow brings it
else:
    _Window = object


class WindowMenu(_Window):
    """The menu bar's actions and the home page's buttons, enabled by role."""

    if TYPE_CHECKING:  # what the menu needs of the window it is mixed into
        user: User
        home: ReferralsPage

        @property
        def locked(self) -> bool: ...
        def new_referral(self) -> None: ...
        def focus_search(self) -> None: ...
        def resume_draft(self) -> None: ...
        def close_screening(self) -> None: ...
        def show_matrix(self) -> None: ...
        def open_letters(self) -> None: ...
        def open_settings(self) -> None: ...
        def open_audit_trail(self) -> None: ...
        def open_users(self) -> None: ...

    def add_menu(self) -> None:
        # Each action is offered only to a role the services would let do it (they check again).
        self.patient_actions: list[QAction] = []
        self._needs: dict[QAction, Action | None] = {}
        table: tuple[tuple[str, str, Callable[[], object], Action | None], ...] = (
            ("&New referral", "Ctrl+N", self.new_referral, "create_referral"),
            ("&Search", "Ctrl+F", self.focus_search, "search"),
            ("&Resume draft", "Ctrl+R", self.resume_draft, "screen"),
            ("Back to the &list", "Ctrl+W", self.close_screening, None),
            ("The &matrix in force", "Ctrl+M", self.show_matrix, None),
            ("&Letters…", "Ctrl+L", self.open_letters, "view_referral"),
            ("Se&ttings", "Ctrl+,", self.open_settings, "settings"),
            ("&Quit", "Ctrl+Q", self.close, None),
        )
        for text, keys, slot, needs in table:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            self.addAction(action)
            self.menuBar().addAction(action)
            self.patient_actions.append(action)
            self._needs[action] = needs
        self.enable_for_role()
        # An admin's actions: enabled by role and off while locked (the services check the role again).
        self.admin_actions: dict[QAction, Action] = {}
        self.audit_action = self._admin_action("&Audit trail…", "Ctrl+Shift+A", self.open_audit_trail, "audit_view")
        self.users_action = self._admin_action("&Users…", "Ctrl+Shift+U", self.open_users, "users")
        self.enable_admin()

    def _admin_action(self, text: str, keys: str, slot: Callable[[], None], needs: Action) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        self.addAction(action)
        self.menuBar().addAction(action)
        self.admin_actions[action] = needs
        return action

    def enable_admin(self) -> None:
        for action, needs in self.admin_actions.items():
            action.setEnabled(self.user.can(needs) and not self.locked)

    def enable_for_role(self) -> None:
        for action, needs in self._needs.items():
            action.setEnabled(needs is None or self.user.can(needs))
        buttons: tuple[tuple[QPushButton, Action], ...] = (
            (self.home.new_button, "create_referral"), (self.home.open_button, "view_referral"),
            (self.home.resume_button, "screen"))  # fmt: skip
        for button, needs in buttons:
            button.setEnabled(self.user.can(needs))
