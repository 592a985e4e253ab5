"""Issue 14 items 4 to 6 in the store, on SQLite and PostgreSQL: the postal address and the referring GP
(or the recorded "to the practice" choice) kept as given; the service reference, given in order from
the store's counter, found by search, kept by the migration for referrals made before it, and never
given twice even by two processes adding referrals at the same moment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.store.conftest import referral_input
from tests.users import LEADER, PWP, as_admin, as_pwp
from triage.services import create_referral, get_referral, import_referrals, save_gp_practice
from triage.services.inputs import GpPracticeInput, InvalidInput, ReferralInput, parse
from triage.services.letter_addressee import address_gp_letter, letter_addressing
from triage.services.references import reference_prefix, set_reference_prefix, typed_reference
from triage.services.referral_list import ReferralFilter, count_referrals, referral_page
from triage.store import RefusedError, Store, open_store
from triage.store.database import downgrade_schema, upgrade_schema
from triage.store.models import AuditEvent, Referral

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = {"address_line1": "12 Sample Street", "address_line2": "Balby", "address_line3": "Doncaster",
           "postcode": "dn4 8ab"}  # fmt: skip


def test_the_address_and_the_referring_gp_are_stored_as_given(store: Store) -> None:
    save_gp_practice(store, as_admin(), GpPracticeInput(code="C84001", name="Surgery", gp_names=("Dr A", "Dr B")))
    first = create_referral(store, PWP, referral_input(1, gp_practice_code="C84001", referring_gp="Dr B", **ADDRESS))
    second = create_referral(store, PWP, referral_input(2, letter_to_practice=True))
    stored = get_referral(store, PWP, first.id)
    assert stored.address_lines == ("12 Sample Street", "Balby", "Doncaster") and stored.postcode == "DN4 8AB"
    assert (stored.referring_gp, stored.letter_to_practice, stored.reference) == ("Dr B", False, "REF-000001")
    other = get_referral(store, PWP, second.id)
    assert (other.address_lines, other.referring_gp, other.letter_to_practice) == ((), None, True)
    assert other.reference == "REF-000002"
    addressing = letter_addressing(store, PWP, first.id)
    assert addressing.gp_settled and addressing.postal_address and addressing.practice_gps == ("Dr A", "Dr B")
    assert not letter_addressing(store, PWP, second.id).postal_address


def test_an_address_needs_its_postcode_and_a_named_gp_excludes_the_practice_choice() -> None:
    base = referral_input(1).model_dump(mode="json")
    for extra, field in (({"address_line1": "1 Road"}, "postcode"), ({"address_line2": "Balby", "postcode": "DN4 8AB"},
                         "address_line1"), ({"referring_gp": "Dr A", "letter_to_practice": True}, "letter_to_practice"),
                         ({**ADDRESS, "postcode": "DN4"}, "postcode"), ({"address_line1": "1\u202eRoad", "postcode": "DN4 8AB"},
                         "address_line1")):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            parse(ReferralInput, {**base, **extra})
        assert [problem.split(":")[0] for problem in refused.value.problems] == [field], refused.value.problems
        assert "Road" not in str(refused.value) and "Balby" not in str(refused.value)


def test_references_come_in_order_under_the_store_s_prefix_and_are_found_by_search(store: Store) -> None:
    assert reference_prefix(store) == "REF"
    created = import_referrals(store, as_pwp("admin"), [referral_input(n) for n in range(1, 4)])
    with pytest.raises(RefusedError, match="three capital letters"):
        set_reference_prefix(store, as_admin(), "do1")
    set_reference_prefix(store, as_admin(), "DON")
    later = create_referral(store, PWP, referral_input(9))
    references = [get_referral(store, PWP, c.id).reference for c in [*created, later]]
    assert references == ["REF-000001", "REF-000002", "REF-000003", "DON-000004"]  # the counter goes on
    with store.read() as session:
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_type == "database")))
    assert "reference prefix changed from REF to DON" in summaries
    for typed in ("DON-000004", "don 4", "Don4", " don-04 "):
        assert typed_reference(typed) == "DON-000004"
        flt = ReferralFilter(text=typed)
        assert count_referrals(store, LEADER, flt) == 1
        assert [row.reference for row in referral_page(store, LEADER, flt)] == ["DON-000004"]
    assert count_referrals(store, LEADER, ReferralFilter(text="DON-000005")) == 0


def test_the_practice_choice_or_a_named_gp_is_recorded_and_audited(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    assert not letter_addressing(store, PWP, referral_id).gp_settled
    with pytest.raises(InvalidInput, match="referring_gp"):
        address_gp_letter(store, PWP, referral_id, "Dr\u202eX")
    address_gp_letter(store, PWP, referral_id, None)
    stored = get_referral(store, PWP, referral_id)
    assert (stored.referring_gp, stored.letter_to_practice) == (None, True)
    address_gp_letter(store, PWP, referral_id, "  Dr C Typed ")
    stored = get_referral(store, PWP, referral_id)
    assert (stored.referring_gp, stored.letter_to_practice) == ("Dr C Typed", False)
    with store.read() as session:
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == referral_id)))
    assert "letter addressee: no GP named; the GP letter addressed to the practice by choice" in summaries
    assert "letter addressee: referring GP named when the GP letter was sent" in summaries
    assert not any("Typed" in summary for summary in summaries)


def test_the_migration_numbers_existing_referrals_in_received_order(database_url: str) -> None:
    with open_store(database_url) as store:
        received = ["2024-05-03", "2024-05-01", "2024-05-02", "2024-05-01"]
        ids = [create_referral(store, PWP, referral_input(n + 1, received_on=day)).id for n, day in enumerate(received)]
        downgrade_schema(store.engine, "0008")
        upgrade_schema(store.engine)
        with store.read() as session:
            rows = session.execute(select(Referral.id, Referral.reference, Referral.received_on, Referral.created_at))
            given = {rid: ref for rid, ref, _, _ in sorted(rows, key=lambda r: (r[2], r[3], r[0]))}
        # received order (then created, then id): the two of 1 May first, in the order they were made
        assert list(given) == [ids[1], ids[3], ids[2], ids[0]]
        assert list(given.values()) == ["REF-000001", "REF-000002", "REF-000003", "REF-000004"]
        assert create_referral(store, PWP, referral_input(9)).id  # the counter follows on
        with store.read() as session:
            assert session.scalar(select(Referral.reference).where(Referral.received_on == referral_input(9).received_on,
                                                                   Referral.id.not_in(ids))) == "REF-000005"  # fmt: skip


def test_two_processes_adding_referrals_at_once_never_get_the_same_reference(database_url: str) -> None:
    """Two real processes, each adding referrals one transaction at a time, started together."""
    open_store(database_url).close()  # created and migrated before the race
    start_at, each = time.time() + 4, 12
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen([sys.executable, "-m", "tests.store.reference_worker", database_url, str(first), str(each),
                          str(start_at)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for first in (1, 1001)
    ]  # fmt: skip
    answers = [worker.communicate(timeout=180) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), [err for _, err in answers]
    got = [json.loads(out) for out, _ in answers]
    every = sorted(got[0] + got[1])
    assert every == [f"REF-{n:06d}" for n in range(1, 2 * each + 1)]  # none twice, none skipped
    assert all(refs == sorted(refs) for refs in got)  # each process's in the order it added them
