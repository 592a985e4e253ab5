"""Following a referral meeting one attends (issue 16, item 7): a PWP listed at an open meeting sees
its presenter view on their own screen, one case at a time, by reference and initials.

The attendee pages through the cases waiting for the meeting themselves (Page Down / Page Up); the
chair's control window is not mirrored across computers. Ctrl+Shift+N reveals the name of the case
shown, for that case only, through the services (audited as the attendee's reveal). Everything is
read through the meeting services, which check that the account is listed at the meeting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QMessageBox, QWidget

from triage.rules.ruleset import Ruleset
from triage.services.meeting_types import PresenterCase, QueueEntry
from triage.services.meetings import attended_meetings, meeting_case_record, meeting_cases, reveal_name
from triage.services.permissions import User
from triage.services.presenter_case import presenter_case
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.ui.presenter_view import PresenterView

NOT_LISTED = "You are not listed at an open referral meeting. The chair lists the attendees when opening it."
NO_CASES = "No case is waiting for this meeting."


class FollowedMeeting:
    """The cases of one meeting as an attendee pages through them; ``name`` only after a reveal."""

    def __init__(self, store: Store, user: User, meeting_id: str, cases: Sequence[QueueEntry], ruleset: Ruleset) -> None:  # fmt: skip
        self.store, self.user, self.meeting_id, self.ruleset = store, user, meeting_id, ruleset
        self.cases = list(cases)
        self.index = 0
        self.name: str | None = None
        self._listeners: list[Callable[[], None]] = []

    def observe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def go_to(self, index: int) -> None:
        if 0 <= index < len(self.cases) and index != self.index:
            self.index, self.name = index, None  # another case: by its initials again
            self._changed()

    def reveal(self) -> None:
        self.name = reveal_name(self.store, self.user, self.meeting_id, self.cases[self.index].referral_id)
        self._changed()

    def shown(self) -> PresenterCase:
        entry = self.cases[self.index]
        record = meeting_case_record(self.store, self.user, self.meeting_id, entry.referral_id)
        return presenter_case(record, self.ruleset, entry=entry, name=self.name)


def follow_meeting(parent: QWidget, store: Store, user: User, ruleset: Ruleset) -> PresenterView | None:
    """The presenter view of the latest open meeting ``user`` is listed at, in a window of its own;
    None (and why, in words) when there is none or it has no case."""
    try:
        meetings = attended_meetings(store, user)
        cases = meeting_cases(store, user, meetings[0].id) if meetings else []
    except StoreError as exc:
        QMessageBox.warning(parent, "The meeting", f"The meeting could not be read: {exc}.")
        return None
    if not meetings or not cases:
        QMessageBox.information(parent, "The meeting", NOT_LISTED if not meetings else NO_CASES)
        return None
    followed = FollowedMeeting(store, user, meetings[0].id, cases, ruleset)
    view = PresenterView(ruleset)
    view.followed = followed  # type: ignore[attr-defined]  # the window keeps its model alive

    def show() -> None:
        try:
            view.show_case(followed.shown(), followed.index + 1, len(followed.cases))
        except StoreError as exc:
            QMessageBox.warning(view, "The meeting", f"The case could not be read: {exc}.")

    def reveal() -> None:
        try:
            followed.reveal()
        except StoreError as exc:
            QMessageBox.warning(view, "The meeting", f"The name could not be shown: {exc}.")

    followed.observe(show)
    view.next_requested.connect(lambda: followed.go_to(followed.index + 1))
    view.previous_requested.connect(lambda: followed.go_to(followed.index - 1))
    view.reveal_requested.connect(reveal)
    show()
    view.show()
    view.activateWindow()
    return view
