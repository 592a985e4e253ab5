"""One open referral's screening, apart from any window that shows it: its session, and the two
things done with it through the services, saving the draft and confirming the decision.

The screening page is one view of the controller's session; the referral meeting's presenter view
will be a second view of the same session, each redrawing from the session's events. The main window
keeps one controller per open screening and asks it, not the page, what to save.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.rules.ruleset import Ruleset
from triage.services import save_draft
from triage.services.decisions import complete_screening
from triage.services.permissions import User
from triage.services.screening_session import ScreeningSession, SessionInputs
from triage.store.database import Store


@dataclass(slots=True)
class ScreeningController:
    store: Store
    user: User
    ruleset: Ruleset
    referral_id: str
    session: ScreeningSession

    def save_draft(self) -> bool:
        """The session as the referral's draft, if anything changed since it was last saved (opening
        and leaving a screening untouched leaves no empty draft). True if one was written; StoreError
        if the store refused it (the session stays dirty, so the next save tries again)."""
        if not self.session.dirty:
            return False
        save_draft(self.store, self.user, self.referral_id, self.session.draft(), section=self.session.form.section)
        self.session.mark_saved()
        return True

    def confirm(self, inputs: SessionInputs) -> None:
        """The screening and the decision, stored in one transaction (StoreError if refused)."""
        complete_screening(self.store, self.user, self.referral_id, inputs.screening, inputs.decision,
                           ruleset=self.ruleset, in_meeting=inputs.in_meeting)  # fmt: skip
