"""A draft is its author's: on a shared PC the next person to log in may neither open nor overwrite the
screening the last one left half done (defect 12); a team leader may take it over. Each refusal is audited."""

from __future__ import annotations

import pytest

from tests.store.conftest import referral_input
from tests.users import as_leader, as_pwp
from triage.services import create_referral, list_drafts, load_draft, save_draft
from triage.store import Store
from triage.store.audit import events_for
from triage.store.errors import RefusedError

A, B = as_pwp("pwp.a"), as_pwp("pwp.b")


def _drafted(store: Store) -> str:
    referral = create_referral(store, A, referral_input(1))
    save_draft(store, A, referral.id, {"phq9": [1, 2]}, section="phq9")
    return referral.id


def _refusals(store: Store, referral_id: str) -> list[str]:
    with store.read() as session:
        return [e.actor for e in events_for(session, "draft", referral_id) if e.action == "permission_denied"]


def test_another_pwp_neither_lists_nor_opens_nor_overwrites_the_draft(store: Store) -> None:
    referral_id = _drafted(store)
    assert list_drafts(store, B) == []
    with pytest.raises(RefusedError, match="another user"):
        load_draft(store, B, referral_id)
    with pytest.raises(RefusedError, match="another user"):
        save_draft(store, B, referral_id, {"phq9": [3]})
    assert _refusals(store, referral_id) == ["pwp.b", "pwp.b"]
    draft = load_draft(store, A, referral_id)
    assert draft is not None and draft.actor == "pwp.a" and draft.payload == {"phq9": [1, 2]}
    assert [d.referral_id for d in list_drafts(store, A)] == [referral_id]


def test_a_team_leader_may_take_a_draft_over(store: Store) -> None:
    referral_id = _drafted(store)
    leader = as_leader()
    draft = load_draft(store, leader, referral_id)
    assert draft is not None and draft.payload == {"phq9": [1, 2]}
    save_draft(store, leader, referral_id, {"phq9": [1, 2, 3]})
    assert [d.actor for d in list_drafts(store, leader)] == ["team.leader"]
    assert _refusals(store, referral_id) == []
