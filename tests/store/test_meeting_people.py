"""The accounts a team leader chooses a meeting's chair and attendees from (services/meeting_people.py):
the active clinical accounts only, by display name and role, and a team leader's to list."""

from __future__ import annotations

import pytest

from tests.users import ADMIN, LEADER, PWP
from triage.services.meeting_people import Colleague, meeting_accounts
from triage.services.permissions import PermissionDenied
from triage.services.users import add_user, remove_user
from triage.store import Store
from triage.store.audit import events_for


def test_a_team_leader_lists_the_active_clinical_accounts_by_name(store: Store) -> None:
    for username, name, role in (("pwp.b", "Bea Bee", "pwp"), ("lead.a", "Ann Aye", "team_leader"),
                                 ("admin.c", "Cy Admin", "admin"), ("pwp.gone", "Al Gone", "pwp")):  # fmt: skip
        add_user(store, ADMIN, username, name, role, f"{username} password here")
    remove_user(store, ADMIN, "pwp.gone")
    assert meeting_accounts(store, LEADER) == [Colleague("lead.a", "Ann Aye", "team_leader"),
                                               Colleague("pwp.b", "Bea Bee", "pwp")]  # fmt: skip


@pytest.mark.parametrize("who", [PWP, ADMIN], ids=["pwp", "admin"])
def test_only_a_team_leader_may_list_them_and_a_refusal_is_audited(store: Store, who) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        meeting_accounts(store, who)
    with store.read() as session:
        assert [e.summary for e in events_for(session, "user_account", who.username)] == ["refused: run_meeting"]
