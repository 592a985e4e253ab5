"""Who may do what, and the record of what they looked at.

The ONE permission table, checked by the services (never only by hiding buttons): every service that
reads or writes patient data takes the logged-in ``User`` as its second argument and calls
``require`` before it touches the store; reads of a record are written to the audit trail as views
(``record_view``), searches as a count of results (``record_search``), never the search text.

Roles (issue 6): a PWP screens and decides; a team leader also confirms decisions in the referral
meeting and overrides any decision; an admin manages settings, rulesets, users and the audit trail; a
service manager (issue 17) runs the reports and exports, and neither screens nor decides.
Caldicott's need-to-know: the admin role sees no patient record, and bulk export is a team leader's.

``require(user, action, store=store)`` raises ``PermissionDenied``; given the store, the refusal is
written to the audit trail (who, which action) in its own transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, get_args

from triage.store.errors import RefusedError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from triage.store import Store
    from triage.store.vocabulary import EntityType

Action = Literal[
    "screen", "decide", "confirm_in_meeting", "override_any", "view_referral", "create_referral", "search",
    "print_letter", "record_contact", "close_referral", "export", "import", "settings", "rulesets", "users", "audit_view", "backup", "restore", "verify",
    "send_to_meeting", "run_meeting", "supervise", "merge_people", "run_reports",
]  # fmt: skip
ACTIONS: tuple[Action, ...] = get_args(Action)

CLINICAL = frozenset({"pwp", "team_leader"})
LEADER = frozenset({"team_leader"})
ADMIN = frozenset({"admin"})
MANAGER = frozenset({"service_manager"})

PERMISSIONS: Mapping[Action, frozenset[str]] = {
    "screen": CLINICAL,  # save a screening, save or discard a draft
    "decide": CLINICAL,  # confirm the route of a referral one screened
    "confirm_in_meeting": LEADER,  # confirm a decision in the referral meeting
    "override_any": LEADER,  # change any decision, anyone's
    "view_referral": CLINICAL,  # open a referral (audited as a view)
    "create_referral": CLINICAL,  # add or edit a referral, change its status
    "search": CLINICAL,  # search or list referrals (audited: the count, never the search text)
    "print_letter": CLINICAL,  # print or save a letter
    "record_contact": CLINICAL,  # record the opt-in offered, an opt-in, a contact attempt, the treatment start
    "close_referral": CLINICAL,  # close a referral, with a reason
    "export": LEADER | MANAGER,  # export referrals in bulk
    "import": CLINICAL,  # import referrals
    "settings": ADMIN,
    "rulesets": ADMIN,
    "users": ADMIN,  # add, remove, reset, unlock users; change roles
    "audit_view": ADMIN,  # view and export the audit trail
    "backup": ADMIN,
    "restore": ADMIN,
    "verify": ADMIN | LEADER,  # integrity check and audit-chain verification (no patient data shown)
    # the referral meeting (issue 16)
    "send_to_meeting": CLINICAL,  # send a referral to the referral meeting, with a question for the team
    "run_meeting": LEADER,  # open, run and close a meeting, reorder and view its queue, change a locked decision
    "supervise": LEADER,  # view the "discuss in supervision" queue of the accounts one supervises
    # two records of one person (issue 15 item 9): look at both side by side, merge them, undo a merge
    "merge_people": LEADER,
    # the service's figures (issue 17): a team leader's scoped to their own teams, a manager's to all
    "run_reports": LEADER | MANAGER,
}
assert set(PERMISSIONS) == set(ACTIONS)


class HasRole(Protocol):
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...


class PermissionDenied(RefusedError):
    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"your role does not allow this ({action.replace('_', ' ')}); ask a team leader or admin")


@dataclass(frozen=True)
class User:
    """The person acting: what every guarded service takes. ``can(action)`` is for the UI's convenience
    only; the services check again."""

    username: str
    display_name: str
    role: str

    def can(self, action: Action) -> bool:
        return allowed(self, action)


def allowed(user: HasRole, action: Action) -> bool:
    if action not in PERMISSIONS:
        raise ValueError(f"unknown permission {action!r}")
    return user.role in PERMISSIONS[action]


def require(user: HasRole, action: Action, *, store: Store | None = None) -> None:
    """Return if ``user``'s role allows ``action``; else audit the refusal (when ``store`` is given)
    and raise ``PermissionDenied``."""
    if allowed(user, action):
        return
    if store is not None:
        from triage.store.audit import record_event

        with store.write() as session:
            record_event(session, actor=user.username, entity_type="user_account", entity_id=user.username,
                         action="permission_denied", summary=f"refused: {action}")  # fmt: skip
    raise PermissionDenied(action)


# --- the record of every access (in the caller's transaction) ------------------------------------


def record_view(
    session: Session, user: HasRole, entity_type: EntityType, entity_id: str, *, summary: str = "viewed"
) -> None:
    """``user`` looked at this record (``summary`` says what was shown: names of parts, never values)."""
    from triage.store.audit import record_event

    record_event(session, actor=user.username, entity_type=entity_type, entity_id=entity_id, action="view",
                 summary=summary)  # fmt: skip


def record_search(session: Session, user: HasRole, count: int, *, entity_type: EntityType = "referral") -> None:
    """A search or list: the number of results only, never the search text."""
    from triage.store.audit import record_event

    record_event(session, actor=user.username, entity_type=entity_type, entity_id="*", action="search",
                 summary=f"search returned {int(count)} result{'' if int(count) == 1 else 's'}")  # fmt: skip
