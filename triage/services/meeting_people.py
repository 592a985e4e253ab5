"""Who may be listed at a referral meeting (issue 16, item 2): the active clinical accounts, by display
name and role, for the team leader opening a meeting to choose the chair and the attendees from.

``users.list_users`` is the admin's (it shows lock states and removed accounts); this is the clinical
view of the same table: no patient data, no account states, only who can sit at the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from triage.services.permissions import CLINICAL, User, require
from triage.store.database import Store
from triage.store.models import UserAccount


@dataclass(frozen=True, slots=True)
class Colleague:
    """An account that may chair (a team leader) or attend a meeting."""

    username: str
    display_name: str
    role: str  # pwp or team_leader


def meeting_accounts(store: Store, user: User) -> list[Colleague]:
    """The active PWP and team-leader accounts, by display name (``run_meeting``: a team leader's)."""
    require(user, "run_meeting", store=store)
    with store.read() as session:
        rows = session.scalars(select(UserAccount).where(UserAccount.disabled_at.is_(None),
                                                         UserAccount.role.in_(sorted(CLINICAL)))).all()  # fmt: skip
        return sorted((Colleague(r.username, r.display_name, r.role) for r in rows),
                      key=lambda c: (c.display_name.casefold(), c.username))  # fmt: skip
