"""The main window: the referral list (home), and one referral at a time, its read-only record or its
screening, and the dialogs it opens.

Its rooms: the home page is referrals_page.py, the record record_view.py, the menus main_window_menu.py (the Meeting
menu main_window_meeting.py), the idle lock main_window_lock.py, the heading above a screening referral_heading.py; the
window itself (opening a referral, starting, saving and confirming a screening, letters, the admin's dialogs) is here.

Keyboard: Ctrl+N new referral, Ctrl+F search, Return opens the selected referral (its record; a referral
not screened yet, its screening), Ctrl+R resumes the selected (or newest) draft, Ctrl+W goes back to the
list (Escape from a record), Ctrl+, settings, Ctrl+M the matrix, Ctrl+L the letters of the selected (or
shown) decided referral, also offered as soon as a decision is confirmed. On a record, Ctrl+E re-screens.
Ctrl+J (a record) the journey; Ctrl+Shift+A the audit trail (an admin's); Ctrl+Shift+M the meeting queue.

With a logged-in user, every look is audited: opening a referral is one view of its record
(``referral_record``, which also checks the role), each filter applied to the list is a search (the
number of results, never the text), and letters record themselves (``record_letter``). Re-screening is
checked before it starts (``check_rescreen``: someone else's decision needs ``override_any``).
The screening is saved as a draft a moment after each change and at every section change, once
anything has been answered: opening a referral, or leaving it untouched, leaves no draft.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from types import SimpleNamespace
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from triage.rules.ruleset import Ruleset
from triage.services import create_referral, list_drafts, load_draft
from triage.services.decisions import check_rescreen
from triage.services.directory import list_practices
from triage.services.draft_format import DraftFormatError
from triage.services.letters import decided_referral
from triage.services.permissions import PermissionDenied
from triage.services.referral_list import count_referrals, referral_page
from triage.services.referral_record import ReferralRecord, referral_record, returns_of
from triage.services.screening_session import ScreeningSession, SessionInputs
from triage.settings import LiveSettings, ServiceSettings
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.ui.account_menu import WindowAccount
from triage.ui.fit import fit_to_screen
from triage.ui.lock import IdleMonitor, LockPage
from triage.ui.main_window_lock import WindowLock
from triage.ui.main_window_meeting import WindowMeeting
from triage.ui.main_window_menu import WindowMenu
from triage.ui.matrix_view import MatrixView
from triage.ui.pages import Page
from triage.ui.patient_banner import BannerFacts
from triage.ui.record_edits import connect_edits
from triage.ui.record_view import FINISHED, RecordView
from triage.ui.referral_dialog import NewReferralDialog
from triage.ui.referral_heading import referral_heading
from triage.ui.referral_list import ReferralListModel
from triage.ui.referrals_page import ReferralsPage
from triage.ui.screening_controller import ScreeningController
from triage.ui.screening_page import ScreeningPage
from triage.ui.settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from triage.services.permissions import User
    from triage.ui.letter_dialog import LetterDialog

AUTOSAVE_MS = 1500


def refusal(exc: StoreError, record: ReferralRecord) -> str:
    """Why a screening may not start, in words: who decided it, when that is the reason."""
    if isinstance(exc, PermissionDenied) and exc.action == "override_any" and record.decision is not None:
        return (
            f"{record.decision.decided_by} decided this referral, and only a team leader may screen again "
            "a referral someone else decided. Ask a team leader to re-screen it."
        )
    return f"{exc}."


class MainWindow(WindowMenu, WindowMeeting, WindowLock, WindowAccount, QMainWindow):
    def __init__(self, store: Store, ruleset: Ruleset, settings: ServiceSettings, user: User, *,
                 unlock_check: Callable[[str], bool] | None = None,
                 idle_minutes: float = 5.0, on_lock_change: Callable[[str], None] | None = None) -> None:  # fmt: skip
        """``user`` is the logged-in account: every service this window calls checks its role.
        ``unlock_check`` turns the idle lock on: it is asked whether a typed password is the
        user's. ``on_lock_change`` is told "lock" and "unlock" (for the audit trail)."""
        super().__init__()
        self.store, self.ruleset, self.user = store, ruleset, user
        self.live_settings = LiveSettings(settings)  # observed by the pages, replaced by the settings dialog
        self.unlock_check, self.on_lock_change = unlock_check, on_lock_change
        self.lock_page: LockPage | None = None
        self._show_title(settings)
        fit_to_screen(self, QSize(1400, 900))  # a 1366×768 or 1280×720 laptop gets what it has room for
        self.screening: ScreeningPage | None = None
        self.controller: ScreeningController | None = None  # the open screening's session and saving
        self.record_page: RecordView | None = None

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        if ruleset.is_draft:
            banner = QLabel(
                f"DRAFT RULESET {escape(ruleset.id)} {escape(ruleset.version)}: not approved for clinical use; "
                "every decision needs review."
            )
            banner.setProperty("role", "banner")
            banner.setAccessibleName("Draft ruleset warning")
            column.addWidget(banner)
        self.stack = QStackedWidget()
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # An admin sees no patient record (Caldicott): the list asks the services only for a role that
        # may search, and they would refuse any other (the refusal itself is audited).
        may_list = user.can("search")
        self.model = ReferralListModel(
            lambda flt, sort, desc, offset, limit: (
                referral_page(store, user, flt, sort=sort, descending=desc, offset=offset, limit=limit)
                if may_list
                else []
            ),  # fmt: skip
            lambda flt: count_referrals(store, user, flt) if may_list else 0,  # recorded as a search
            self,  # goes with the window: a search still under way when it closes is never answered
            load=False,  # refresh_home below loads it, once
            ruleset=ruleset,
        )
        self.home = ReferralsPage(self.model, ruleset)
        if not may_list:
            self.home.count.setText(f"The referral list is not part of the {user.role.replace('_', ' ')} role.")
        self.stack.addWidget(self.home)
        self.home.new_button.clicked.connect(self.new_referral)
        self.home.open_button.clicked.connect(self.open_selected)
        self.home.resume_button.clicked.connect(self.resume_draft)
        self.home.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.home.table.activated.connect(lambda _i: self.open_selected())
        self.home.drafts.itemActivated.connect(lambda item: self.screen_referral(item.data(Qt.ItemDataRole.UserRole)))

        self.autosave = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self.autosave.timeout.connect(self.save_draft_now)
        self.add_menu()  # File, Tools, Admin, My account, Help: keymap.py's menus (main_window_menu.py)
        self.add_logged_in_label()  # who is logged in, in the status bar (account_menu.py)
        self.idle_monitor: IdleMonitor | None = None
        if unlock_check is not None:
            self._watch_idle(idle_minutes)
        self.live_settings.changed.connect(self._follow_settings)
        self.statusBar().showMessage(f"Ruleset {ruleset.id} {ruleset.version} ({ruleset.status}) · {store.describe()}")
        self.refresh_home()

    def _watch_idle(self, minutes: float) -> None:
        """The idle lock's clock, (re)started: ``minutes`` without input from now lock the window."""
        if self.idle_monitor is not None:
            self.idle_monitor.stop()
            self.idle_monitor.deleteLater()
        self.idle_monitor = IdleMonitor(minutes, self)
        self.idle_monitor.idle.connect(self.lock)

    def _follow_settings(self, settings: ServiceSettings) -> None:
        """Saved settings reach the open window at once: its title, and the idle lock's time."""
        self._show_title(settings)
        if self.idle_monitor is not None:
            self._watch_idle(settings.idle_lock_minutes)

    def _show_title(self, settings: ServiceSettings) -> None:
        self.setWindowTitle(f"triage — {settings.service_name}")

    # --- home ------------------------------------------------------------------------------------

    def refresh_home(self) -> None:
        if self.user.can("search"):
            self.home.apply_filter()
        try:
            drafts = list_drafts(self.store, self.user) if self.user.can("screen") else []  # recorded as a search
        except StoreError as exc:
            drafts = []
            self.statusBar().showMessage(f"The drafts cannot be listed: {exc}")
        self.home.show_drafts(drafts)

    def focus_search(self) -> None:
        if self.screening is None:
            if self.record_page is not None:
                self.drop_screening()
            self.home.search.setFocus()
            self.home.search.selectAll()

    def open_selected(self) -> None:
        referral_id = self.home.selected_referral()
        if referral_id:
            self.open_referral(referral_id)

    def resume_draft(self) -> None:
        """Ctrl+R: the draft of the record on screen, else the selected (or newest) draft in the list."""
        if self.record_page is not None and self.record_page.has_draft:
            self.screen_shown_record()
            return
        item = self.home.drafts.currentItem() or self.home.drafts.item(0)
        if item is not None:
            self.screen_referral(item.data(Qt.ItemDataRole.UserRole))

    def new_referral(self) -> None:
        if self.screening is not None:  # one screening at a time; a record on screen may be left
            return
        dialog = NewReferralDialog(list_practices(self.store), self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.activateWindow()  # keys go back to this window, whatever the window manager does
        if not accepted or dialog.referral is None:
            return
        try:
            created = create_referral(self.store, self.user, dialog.referral)
        except StoreError as exc:
            QMessageBox.warning(self, "Referral not created", str(exc))
            return
        if created.is_duplicate:
            QMessageBox.information(
                self,
                "Possible duplicate",
                "This person already has an open referral. The new one is kept and linked to it, "
                "so the team can decide which to close.",
            )
        self.open_referral(created.id)

    # --- a referral: its record, or its screening ----------------------------------------------

    def open_referral(self, referral_id: str) -> None:
        """What Return on the list does: the referral's read-only record (``referral_record``, one
        audited view), or, for a referral not screened yet, straight to its screening, which is what a
        PWP opens a new referral for. Neither creates a draft: one is saved only once an answer is given."""
        record = self._record(referral_id)
        if record is None:
            return
        if self.screening is not None:
            self.close_screening()  # its draft saved, the list of drafts brought up to date
        if record.screening is None and record.referral.status not in FINISHED and self.user.can("screen"):
            self._start_screening(record)
        else:
            self._show_record(record)

    def screen_referral(self, referral_id: str) -> None:
        """Straight to the screening of a referral, its draft put back (the drafts list, Ctrl+R, the
        unlock); checked as Re-screen is, and the record shown with the reason when refused."""
        record = self._record(referral_id)
        if record is None:
            return
        if self.screening is not None:
            self.close_screening()
        self._start_screening(record)

    def screen_shown_record(self) -> None:
        """Re-screen (Ctrl+E, Alt+E), screen, or resume the draft of the record on screen."""
        if self.record_page is not None and not self.locked:
            self._start_screening(self.record_page.record)

    def _record(self, referral_id: str) -> ReferralRecord | None:
        try:
            return referral_record(self.store, self.user, referral_id)  # checked, and recorded as a view
        except StoreError as exc:
            QMessageBox.information(self, "Referral not opened", f"This referral cannot be opened: {exc}.")
            return None

    def _show_record(self, record: ReferralRecord) -> None:
        self.drop_screening(refresh=False)
        page = RecordView(record, may_screen=self.user.can("screen"), role=self.user.role,
                          has_draft=self._has_draft(record.referral.id))  # fmt: skip
        page.back_requested.connect(self.close_screening)
        page.screen_requested.connect(self.screen_shown_record)
        page.letters_requested.connect(self.open_letters)
        connect_edits(self, page)  # correct identifiers, edit the address and GP
        page.journey_requested.connect(self.open_journey)
        self.record_page = page
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        page.focus_first()

    def open_journey(self) -> None:  # Ctrl+J: the record shown, or the referral selected (docs/journey.md)
        from triage.ui.journey_dialog import open_from_window

        open_from_window(self)

    def _has_draft(self, referral_id: str) -> bool:
        """Whether a screening in progress waits for this referral, as the list shows it (a draft of
        one's own, or the list's Draft column): only the words of the action depend on it."""
        drafts = (self.home.drafts.item(i) for i in range(self.home.drafts.count()))
        if any(item.data(Qt.ItemDataRole.UserRole) == referral_id for item in drafts):
            return True
        rows = (self.model.row_at(i) for i in range(self.model.rowCount()))
        return any(row is not None and row.id == referral_id and row.has_draft for row in rows)

    def _start_screening(self, record: ReferralRecord) -> None:
        referral_id = record.referral.id
        try:
            check_rescreen(self.store, self.user, referral_id)  # what the decision would refuse, said now
            draft = load_draft(self.store, self.user, referral_id)
        except StoreError as exc:
            why = refusal(exc, record)
            if self.record_page is None or self.record_page.record is not record:
                self._show_record(record)  # what was asked for is not there: what is, is
            assert self.record_page is not None
            self.record_page.show_refusal(f"Not screened: {why}")
            QMessageBox.information(self, "Not screened", f"This referral cannot be screened now: {why}")
            self.record_page.focus_first()
            return
        try:
            returns = returns_of(record)  # the ping-pong record: who returned this person to us, and when
            session = (ScreeningSession.from_draft(self.ruleset, draft.payload, returns) if draft
                       else ScreeningSession(self.ruleset, returns=returns))  # fmt: skip
        except DraftFormatError as exc:  # never dropped: the draft stays where it is, and this says why
            QMessageBox.warning(self, "Draft not opened", f"The screening in progress could not be opened: {exc}.")
            return
        self.drop_screening(refresh=False)
        subject = SimpleNamespace(person=record.person, **{name: getattr(record.referral, name) for name in (
            "received_on", "source", "gp_practice", "interpreter_language", "duplicate_of_id")})  # fmt: skip
        page = ScreeningPage(session, self.live_settings,
                             referral_heading(subject, list(record.earlier_referrals), self.ruleset),
                             BannerFacts.from_record(record), meeting=self.user.can("confirm_in_meeting"))  # fmt: skip
        page.changed.connect(self.autosave.start)
        page.section_changed.connect(lambda _s: self.save_draft_now())
        page.confirm_requested.connect(self.confirm)
        self.screening = page
        self.controller = ScreeningController(self.store, self.user, self.ruleset, referral_id, session)
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        # A resumed draft opens where the screener left off: its first field still unanswered.
        if draft is not None:
            page.go_to_field(session.resume_point())
        else:
            page.go_to("severity")

    @property
    def referral_id(self) -> str | None:
        """The open screening's referral."""
        return None if self.controller is None else self.controller.referral_id

    def save_draft_now(self) -> None:
        """The open screening's draft, if anything changed since it was last saved."""
        self.autosave.stop()
        if self.controller is None:
            return
        try:
            saved = self.controller.save_draft()
        except StoreError as exc:
            self.statusBar().showMessage(f"Draft NOT saved: {exc}")
        else:
            if saved:
                self.statusBar().showMessage("Draft saved", 3000)

    def pages(self) -> list[Page]:
        """The pages in the window now: the list, and the record or the screening open over it."""
        return [page for page in (self.home, self.record_page, self.screening) if page is not None]

    def close_screening(self) -> None:
        """Back to the list (Ctrl+W, Escape on a record): the screening's draft saved, if anything was typed."""
        page = self.screening or self.record_page
        if page is None or not page.can_leave():
            return
        page.flush()
        self.save_draft_now()
        self.drop_screening()

    def clear_patient_pages(self) -> None:
        """Before the idle lock or the end of a session: every page flushed, the open screening's draft
        saved, the dialogs closed (the high-risk alert refuses and stays), and every patient detail out
        of the window, not merely out of sight."""
        for page in self.pages():
            page.flush()
        self.save_draft_now()
        for dialog in QApplication.topLevelWidgets():
            if isinstance(dialog, QDialog) and dialog.isVisible():
                dialog.reject()  # a half-typed new referral goes
        for page in self.pages():
            page.clear_patient_details()
        self.drop_screening(refresh=False)

    def drop_screening(self, refresh: bool = True) -> None:
        """The screening or the record goes from the window, not just from sight (the idle lock calls
        this too: every patient detail leaves with the page)."""
        pages = (self.screening, self.record_page)
        self.screening, self.controller, self.record_page = None, None, None
        self.stack.setCurrentWidget(self.home)
        for page in pages:
            if page is not None:
                self.stack.removeWidget(page)
                page.setParent(None)  # out of the window's widget tree at once, not at the next event loop turn
                page.deleteLater()
        if refresh:
            self.refresh_home()
            self.home.table.setFocus()

    def confirm(self, inputs: SessionInputs) -> None:
        if self.controller is None:
            return
        self.autosave.stop()
        referral_id = self.controller.referral_id
        try:
            self.controller.confirm(inputs)
        except StoreError as exc:
            QMessageBox.warning(self, "Decision not saved", f"{exc}\n\nYour answers are kept as a draft.")
            self.save_draft_now()
            return
        self.statusBar().showMessage("Screening and decision saved · Ctrl+L: letters", 5000)
        self.drop_screening()
        self.offer_letters(referral_id)

    # --- letters ---------------------------------------------------------------------------------

    def open_letters(self) -> None:
        """The letters of the record on screen, or of the referral selected in the list (Ctrl+L)."""
        if self.record_page is not None:
            referral_id: str | None = self.record_page.record.referral.id
        else:
            referral_id = self.home.selected_referral() if self.screening is None else None
        if referral_id is None:
            return
        dialog = self._letter_dialog(referral_id, explain=True)
        if dialog is not None:
            dialog.exec()
            dialog.deleteLater()
            self._after_letters()

    def offer_letters(self, referral_id: str) -> None:
        """Right after a decision: the letters, without blocking (Escape closes them)."""
        dialog = self._letter_dialog(referral_id, explain=False)
        if dialog is not None:
            dialog.finished.connect(lambda _r: self._after_letters())
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()

    def _letter_dialog(self, referral_id: str, *, explain: bool) -> LetterDialog | None:
        # reportlab and the letter layout load on first use: a start of the app does not pay for them.
        from triage.ui.letter_dialog import LetterDialog

        try:
            subject = decided_referral(self.store, self.user, referral_id)
        except StoreError as exc:
            if explain:
                QMessageBox.information(self, "No letters yet", f"No letter can be written: {exc}.")
            return None
        return LetterDialog(
            self.store, subject, settings=self.live_settings, user=self.user, ruleset=self.ruleset, parent=self
        )

    def _after_letters(self) -> None:
        # The status may now be letter sent; but a dialog closed by the idle lock must not refill the list.
        if self.locked:
            return
        self.refresh_home()
        if self.record_page is not None:  # the record shows the letters (and the status) as they are now
            record = self._record(self.record_page.record.referral.id)
            if record is not None:
                self._show_record(record)

    # --- the other dialogs -----------------------------------------------------------------------

    def open_audit_trail(self) -> None:
        """The admin's audit trail viewer (Ctrl+Shift+A); the services refuse other roles."""
        from triage.ui.audit_viewer import open_audit_viewer

        self._run_admin_dialog(open_audit_viewer)

    def open_users(self) -> None:
        """The admin's Users dialog (Ctrl+Shift+U); the services refuse other roles."""
        from triage.ui.users_dialog import open_users_dialog

        self._run_admin_dialog(open_users_dialog)

    def _run_admin_dialog(self, opener: Callable[[Store, User, QWidget], QDialog | None]) -> None:
        """``opener`` returns None after saying why the services refused (and nothing opens while locked)."""
        if self.locked:
            return
        dialog = opener(self.store, self.user, self)
        if dialog is not None:
            dialog.exec()
            dialog.deleteLater()
            self.activateWindow()

    def show_matrix(self) -> None:
        MatrixView(self.ruleset, self).exec()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.store, self.ruleset, self.settings, self.user, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:  # the store's, as saved: what every computer now reads
            self.live_settings.replace(dialog.saved_settings or self.settings)

    @property
    def settings(self) -> ServiceSettings:
        """The settings in force now (read at the moment of use, never kept)."""
        return self.live_settings.current

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        self.save_draft_now()
        super().closeEvent(event)
