"""Migration 0014 (the assessment's content, issue 15 item 7) on a store with screenings in it, on
SQLite and PostgreSQL: every old row kept as it was, each old screening read back with nothing of the
new content recorded (no made-up answer), and its record shown; and a new screening stores it all."""

from __future__ import annotations

from tests.store.conftest import referral_input
from tests.store.test_form_to_store import FULL_FORM, REASON
from tests.store.test_migrations import REVISIONS, snapshot, table_columns
from tests.users import as_pwp
from triage.services import DecisionInput, complete_screening, create_referral, get_referral, referral_record
from triage.services.assessment import Assessment
from triage.services.record_output import record_as_text
from triage.services.screenings import screening_input
from triage.store import open_store, schema_revision, verify_database
from triage.store.database import downgrade_schema

LEAD = as_pwp("lead")
BEFORE = REVISIONS[REVISIONS.index("0014") - 1]  # 0009 today; the merger re-chains 0010-0013 before it


def screened_referral(store, serial: int) -> str:  # type: ignore[no-untyped-def]
    referral_id = create_referral(store, LEAD, referral_input(serial)).id
    decision = DecisionInput(confirmed_route="crisis_team", override_reason=REASON, warnings_acknowledged=True)
    complete_screening(store, LEAD, referral_id, FULL_FORM.to_input(), decision)
    return referral_id


def test_screenings_stored_before_0014_are_kept_and_read_back_with_nothing_new_recorded(database_url: str) -> None:
    with open_store(database_url) as store:
        old = screened_referral(store, 1)
        downgrade_schema(store.engine, BEFORE)
        assert schema_revision(store.engine) == BEFORE
    old_columns = table_columns(database_url)
    assert not {"secondary_descriptors", "discuss_in_supervision", "assessment"} & set(old_columns["screening"])
    before = snapshot(database_url, old_columns)

    with open_store(database_url) as store:  # opening it migrates it to the head
        assert schema_revision(store.engine) == REVISIONS[-1]  # the head: later revisions run too
        assert verify_database(store) == []
    assert snapshot(database_url, old_columns) == before  # every old row and column kept as it was

    with open_store(database_url) as store:
        stored = screening_input(get_referral(store, LEAD, old).screenings[-1])
        assert stored.secondary_descriptors == () and stored.discuss_in_supervision is False
        assert stored.assessment == Assessment()
        assert stored.phq9 == tuple(FULL_FORM.phq9) and stored.mus_kinds == tuple(FULL_FORM.mus_kinds)
        text = record_as_text(referral_record(store, LEAD, old))
        assert "Discuss in supervision: No" in text and "Interpreter at the screening: not needed" in text
        new = screened_referral(store, 2)
        assert screening_input(get_referral(store, LEAD, new).screenings[-1]) == FULL_FORM.to_input()
