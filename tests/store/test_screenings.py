"""Drafts (saved as the screener types, surviving process death) and completed screenings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.store.conftest import referral_input
from tests.users import PWP, as_pwp
from triage.services import (
    ScreeningInput,
    create_referral,
    discard_draft,
    get_referral,
    list_drafts,
    load_draft,
    save_draft,
    save_screening,
)
from triage.store import Store, StoreError, verify_database
from triage.store.audit import events_for

ANSWERS = {
    "phq9": (1, 2, 1, 0, 1, 2, 1, 0, 0),
    "gad7": (2, 1, 1, 0, 1, 2, 1),
    "wsas": (3, 4, 2, 1, 0),
    "chronicity": "medium",
    "complexity": "low",
    "impairment": "medium",
    "substance_use": "low",
    "risk": "low",
    "rating_notes": {"chronicity": "two years, worse since the winter"},
    "risk_details": {"thoughts": {"present": "yes", "detail": "fleeting"}, "plan": {"present": "no"},
                     "protective_factors": "children", "actions_taken": "safety plan discussed"},
    "long_term_conditions": ("diabetes",),
    "problem_descriptor": "depression",
    "previous_interventions": ({"intervention": "guided self-help", "outcome": "unhelpful"},),
}  # fmt: skip


def test_a_draft_round_trips_and_is_replaced_on_each_save(store: Store) -> None:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    assert load_draft(store, PWP, referral.id) is None
    save_draft(store, as_pwp("pwp"), referral.id, {"phq9": [1, None, 2], "note": "Zoë"}, section="phq9")
    saved_at = save_draft(store, as_pwp("pwp"), referral.id, {"phq9": [1, 0, 2], "note": "Zoë ✓"}, section="gad7")
    draft = load_draft(store, as_pwp("pwp"), referral.id)  # the author (another PWP is refused)
    assert draft is not None
    assert (draft.payload, draft.section, draft.actor, draft.saved_at) == (
        {"phq9": [1, 0, 2], "note": "Zoë ✓"}, "gad7", "pwp", saved_at)  # fmt: skip
    assert [(d.referral_id, d.section) for d in list_drafts(store, PWP, only_mine=False)] == [(referral.id, "gad7")]
    assert list_drafts(store, as_pwp("someone else")) == []
    with store.read() as session:
        assert [e.action for e in events_for(session, "draft", referral.id)] == [
            "create",
            "view",
        ]  # saved once, loaded once


def test_a_draft_that_is_not_plain_json_is_refused(store: Store) -> None:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    with pytest.raises(StoreError, match="not plain JSON"):
        save_draft(store, as_pwp("pwp"), referral.id, {"when": object()})
    with pytest.raises(StoreError, match="no referral"):
        save_draft(store, as_pwp("pwp"), "no-such-referral", {})


def test_discarding_a_draft_is_audited(store: Store) -> None:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    save_draft(store, as_pwp("pwp"), referral.id, {"a": 1})
    assert discard_draft(store, as_pwp("pwp"), referral.id) is True
    assert discard_draft(store, as_pwp("pwp"), referral.id) is False
    with store.read() as session:
        assert [e.action for e in events_for(session, "draft", referral.id)] == ["create", "delete"]


def test_saving_the_screening_stores_every_answer_and_removes_the_draft(store: Store) -> None:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    save_draft(store, as_pwp("pwp"), referral.id, {"phq9": [1]})
    screening_id = save_screening(store, as_pwp("pwp"), referral.id, ScreeningInput.model_validate(ANSWERS))
    assert load_draft(store, PWP, referral.id) is None and list_drafts(store, PWP, only_mine=False) == []
    stored = get_referral(store, PWP, referral.id)
    (screening,) = stored.screenings
    assert screening.id == screening_id
    assert (screening.phq9, screening.gad7, screening.wsas) == ([1, 2, 1, 0, 1, 2, 1, 0, 0], [2, 1, 1, 0, 1, 2, 1],
                                                                [3, 4, 2, 1, 0])  # fmt: skip
    assert screening.rating_notes == {"chronicity": "two years, worse since the winter"}
    assert screening.risk_details["thoughts"] == {"present": "yes", "detail": "fleeting"}
    assert screening.risk_details["actions_taken"] == "safety plan discussed"
    assert screening.previous_interventions == [  # the step and the year not given: stored as not recorded
        {"intervention": "guided self-help", "outcome": "unhelpful", "step": None, "year": None}
    ]
    assert (screening.long_term_conditions, screening.problem_descriptor) == (["diabetes"], "depression")
    assert [c.status for c in stored.status_changes] == ["received", "contacted", "screened"]
    assert verify_database(store) == []


def test_a_closed_referral_cannot_be_screened(store: Store) -> None:
    from triage.services import change_status

    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    change_status(store, as_pwp("pwp"), referral.id, "closed")
    with pytest.raises(StoreError, match="closed cannot be screened"):
        save_screening(store, as_pwp("pwp"), referral.id, ScreeningInput.model_validate(ANSWERS))


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from triage.store import open_store
    from triage.services import save_draft
    from triage.services.permissions import User
    store = open_store(sys.argv[1])
    save_draft(store, User("pwp", "PWP", "pwp"), sys.argv[2], {"typed": "so far"}, section="risk")
    print("saved", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_draft_survives_the_process_being_killed(store: Store, database_url: str) -> None:
    referral = create_referral(store, as_pwp("pwp"), referral_input(1))
    child = subprocess.run([sys.executable, "-c", CHILD, database_url, referral.id], capture_output=True, text=True,
                           timeout=120, env={**os.environ, "PYTHONPATH": os.getcwd()})  # fmt: skip
    assert child.returncode == -signal.SIGKILL and child.stdout == "saved\n", child.stderr
    draft = load_draft(store, as_pwp("pwp"), referral.id)
    assert draft is not None and draft.payload == {"typed": "so far"} and draft.section == "risk"
    assert verify_database(store) == []
