"""What the idle lock does to the main window: locking saves the draft, closes any open dialog and takes
every patient detail out of the window (the screening, the list, the search, the drafts), leaving on
only the commands that show none (keymap.py's ``while_locked``: Quit, Log out, Switch user, the keyboard
sheet); unlocking puts the list back and reopens the screening from its draft. The lock page and the
idle monitor themselves are in lock.py. Mixed into ``MainWindow`` (main_window.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from triage.ui.lock import LockPage

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow, QStackedWidget

    from triage.services.permissions import User
    from triage.ui.lock import IdleMonitor
    from triage.ui.referrals_page import ReferralsPage

    _Window = QMainWindow  # what mypy checks the mixin against; at run time MainWindow brings it
else:
    _Window = object


class WindowLock(_Window):
    """``lock`` (the idle monitor calls it) and ``unlock`` (the lock page's password does)."""

    _locked_referral: str | None = None  # the screening open when the window locked, reopened on unlock

    if TYPE_CHECKING:  # what the lock needs of the window it is mixed into
        user: User
        unlock_check: Callable[[str], bool] | None
        on_lock_change: Callable[[str], None] | None
        on_session_end: Callable[[str], None] | None  # account_menu.py: set when Switch user can be offered
        lock_page: LockPage | None
        idle_monitor: IdleMonitor | None

        @property
        def referral_id(self) -> str | None: ...

        home: ReferralsPage
        stack: QStackedWidget

        def save_draft_now(self) -> None: ...
        def drop_screening(self, refresh: bool = True) -> None: ...
        def clear_patient_pages(self) -> None: ...
        def refresh_home(self) -> None: ...
        def screen_referral(self, referral_id: str) -> None: ...
        def enable_actions(self) -> None: ...
        def switch_user(self) -> None: ...

    @property
    def locked(self) -> bool:
        return self.lock_page is not None

    def lock(self) -> None:
        """Save the draft, then take every patient detail out of the window."""
        if self.locked or self.unlock_check is None:
            return
        self._locked_referral = self.referral_id
        self.clear_patient_pages()  # a screening open now is flushed to its draft first (pages.py)
        self.lock_page = LockPage(self.user.username, self.unlock_check, switch=self.on_session_end is not None,
                                  draft_saved=self._locked_referral is not None)  # fmt: skip
        self.enable_actions()  # locked now: only Quit, Log out, Switch user and the keyboard sheet stay on
        self.lock_page.unlocked.connect(self.unlock)
        self.lock_page.switch_requested.connect(self.switch_user)
        self.stack.addWidget(self.lock_page)
        self.stack.setCurrentWidget(self.lock_page)
        self.lock_page.password.setFocus()
        if self.on_lock_change:
            self.on_lock_change("lock")

    def unlock(self) -> None:
        if self.lock_page is None:
            return
        page, self.lock_page = self.lock_page, None
        self.stack.setCurrentWidget(self.home)
        self.stack.removeWidget(page)
        page.deleteLater()
        self.enable_actions()
        if self.on_lock_change:
            self.on_lock_change("unlock")
        self.refresh_home()
        if self._locked_referral:
            self.screen_referral(self._locked_referral)
        self._locked_referral = None
        if self.idle_monitor:
            self.idle_monitor.timer.start()
