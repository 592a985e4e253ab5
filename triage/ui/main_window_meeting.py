"""The main window's Meeting menu (issue 16): the referral meeting's queue (Ctrl+Shift+M), opening a
meeting, the supervision queue, and sending the shown (or selected) referral to the meeting with a
question for the team. The commands are offered by role (keymap.py's ``needs``); the services check
again, and what they refuse is said in words. Mixed into ``MainWindow`` (main_window.py), as the menu
itself is (main_window_menu.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from triage.rules.ruleset import Ruleset
    from triage.services.permissions import User
    from triage.services.referral_record import ReferralRecord
    from triage.store.database import Store
    from triage.ui.record_view import RecordView
    from triage.ui.referrals_page import ReferralsPage
    from triage.ui.screening_page import ScreeningPage

    _Window = QMainWindow  # what mypy checks the mixin against; at run time MainWindow brings it
else:
    _Window = object


class WindowMeeting(_Window):
    """The Meeting menu's slots: each opens its dialog over the window, none while it is locked."""

    if TYPE_CHECKING:  # what the slots need of the window they are mixed into
        store: Store
        user: User
        ruleset: Ruleset
        home: ReferralsPage
        record_page: RecordView | None
        screening: ScreeningPage | None

        @property
        def locked(self) -> bool: ...

        def _record(self, referral_id: str) -> ReferralRecord | None: ...
        def refresh_home(self) -> None: ...

    def open_meeting_queue(self) -> None:
        """Meeting > Referral meeting queue (Ctrl+Shift+M): the queue, to read and reorder before the meeting."""
        from triage.ui.meeting_queue_dialog import run_meeting_queue

        if self.locked:
            return
        if run_meeting_queue(self, self.store, self.user):  # Alt+O: the queue closed, asking for a meeting
            self.open_meeting()
        else:
            self.activateWindow()

    def open_supervision_queue(self) -> None:
        """Meeting > Supervision queue: the referrals flagged for the logged-in team leader's supervision."""
        from triage.ui.meeting_queue_dialog import run_supervision_queue

        if not self.locked:
            run_supervision_queue(self, self.store, self.user)
            self.activateWindow()

    def open_meeting(self) -> None:
        """Meeting > Open a meeting: the meeting's own windows (meeting_window.py), loaded on first use."""
        from triage.ui.meeting_window import start_meeting

        if not self.locked:
            start_meeting(self, self.store, self.user)  # its control window, once opened, takes the keys

    def follow_meeting(self) -> None:
        """Meeting > Follow a meeting I attend: the presenter view of an open meeting this account is
        listed at, on this screen (meeting_follow.py)."""
        from triage.ui.meeting_follow import follow_meeting

        if not self.locked:
            self._followed = follow_meeting(self, self.store, self.user, self.ruleset)

    def send_to_referral_meeting(self) -> None:
        """Meeting > Send to the referral meeting: the record shown, else the referral selected in the list
        (opened as a record is: checked and audited as a view), with a question for the team."""
        from triage.ui.send_to_meeting_dialog import run_send_to_meeting

        if self.locked:
            return
        shown = self.record_page.record if self.record_page is not None else None
        selected = self.home.selected_referral() if shown is None and self.screening is None else None
        chosen = shown or (self._record(selected) if selected else None)
        if chosen is None:
            why = (
                "Confirm the screening, or leave it (Ctrl+W), first; then send the referral from its record or the "
                "list."
                if self.screening is not None
                else "Open a referral, or select one in the list, first."
            )
            QMessageBox.information(self, "Nothing sent", why)
            return
        if run_send_to_meeting(self, self.store, self.user, chosen.referral.id, chosen.referral.reference):
            self.statusBar().showMessage(f"Referral {chosen.referral.reference} sent to the referral meeting", 5000)
        self.activateWindow()
