"""The referral list model: Qt's model checks, fetching on demand, and a store of 100,000 referrals."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import insert

from tests.users import PWP
from triage.labels import labels
from triage.rules.ruleset import default_ruleset
from triage.services.referral_list import ReferralFilter, ReferralRow, count_referrals, referral_page
from triage.store import Store, open_store
from triage.store.models import Person, Referral
from triage.ui.referral_list import PAGE_SIZE, ReferralListModel

MANY = 100_000
FAMILY = ("Adams", "Brown", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal", "Jones")
STATUSES = ("received", "contacted", "screened", "decided", "closed")


def fake_rows(n: int) -> list[ReferralRow]:
    start = date(2026, 1, 1)
    return [
        ReferralRow(id=f"r{i:05d}", reference=f"TST-{i:06d}", received_on=start + timedelta(days=i % 300), nhs_number=f"999{i:07d}",
                    given_name="Test", family_name=FAMILY[i % 10], date_of_birth=date(1980, 1, 1),
                    status=STATUSES[i % 5], route=None, step=None, has_draft=i % 7 == 0, duplicate=False)
        for i in range(n)
    ]  # fmt: skip


def in_memory(rows: list[ReferralRow]):
    def page(flt: ReferralFilter, sort: str, descending: bool, offset: int, limit: int) -> list[ReferralRow]:
        chosen = [r for r in rows if r.family_name.lower().startswith(flt.text.lower())]
        chosen.sort(key=lambda r: (getattr(r, sort if sort != "route" else "status"), r.id), reverse=descending)
        return chosen[offset : offset + limit]

    def count(flt: ReferralFilter) -> int:
        return sum(1 for r in rows if r.family_name.lower().startswith(flt.text.lower()))

    return page, count


def answered(qtbot, model: ReferralListModel) -> ReferralListModel:  # type: ignore[no-untyped-def]
    """The fetch started last has answered (the model fetches off the GUI thread)."""
    qtbot.waitUntil(lambda: not model.busy)
    return model


def test_the_model_passes_qts_checks_and_fetches_on_demand(qtbot, qtmodeltester):
    model = answered(qtbot, ReferralListModel(*in_memory(fake_rows(1_000))))
    assert model.rowCount() == PAGE_SIZE and model.total == 1_000
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert not model.canFetchMore(QModelIndex())  # one fetch at a time
    answered(qtbot, model)
    assert model.rowCount() == 2 * PAGE_SIZE
    qtmodeltester.check(model)  # (the tester asks for more itself; the pages come in as they answer)
    answered(qtbot, model)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    answered(qtbot, model)
    assert model.index(0, 1).data().startswith("ADAMS")
    model.set_filter(ReferralFilter(text="jo"))
    answered(qtbot, model)
    assert model.total == 100 and model.index(0, 1).data().startswith("JONES")
    qtmodeltester.check(model)
    answered(qtbot, model)
    model.set_filter(ReferralFilter(text="nobody"))
    answered(qtbot, model)
    assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)


def test_a_newer_search_supersedes_one_still_running_and_its_pages(qtbot):
    model = answered(qtbot, ReferralListModel(*in_memory(fake_rows(1_000))))
    model.fetchMore(QModelIndex())  # a second page of the whole list is on its way ...
    model.set_filter(ReferralFilter(text="jo"))  # ... when a search starts: the page is never added to it
    answered(qtbot, model)
    assert model.total == 100 and model.rowCount() == 100
    assert {model.index(r, 1).data().split(",")[0] for r in range(model.rowCount())} == {"JONES"}


def test_unsortable_columns_leave_the_order_alone(qtbot, qtmodeltester):
    model = answered(qtbot, ReferralListModel(*in_memory(fake_rows(300))))
    first = model.referral_id(0)
    assert first is not None
    model.sort(2, Qt.SortOrder.AscendingOrder)  # the NHS number column is not a sort key
    assert not model.busy and model.referral_id(0) == first  # nothing asked of the store


def test_status_and_route_are_named_by_the_labels_file_and_the_ruleset_in_force(qtbot):
    ruleset = default_ruleset()
    rows = [replace(row, route="cmht", step=None) for row in fake_rows(1)]
    model = answered(qtbot, ReferralListModel(*in_memory(rows), ruleset=ruleset))
    assert model.index(0, 4).data() == labels().statuses[rows[0].status]
    assert model.index(0, 5).data() == ruleset.destination_labels["cmht"]


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """100,000 referrals written straight into the tables (the services' checks are not under test
    here, and going through them would take minutes)."""
    path: Path = tmp_path_factory.mktemp("big") / "triage.db"
    with open_store(path) as store:
        now = datetime.now(UTC)
        people, referrals = [], []
        for i in range(MANY):
            person_id, family = str(uuid.UUID(int=i + 1)), f"{FAMILY[i % 10]}{i // 10:05d}"
            people.append({"id": person_id, "nhs_number": f"9{i:09d}", "given_name": "Test", "family_name": family,
                           "name_key": family.casefold(), "date_of_birth": date(1950, 1, 1) + timedelta(days=i % 20000),
                           "version": 1})  # fmt: skip
            referrals.append({"id": str(uuid.UUID(int=MANY + i + 1)), "person_id": person_id,
                              "received_on": date(2025, 1, 1) + timedelta(days=i % 600), "source": "gp",
                              "status": STATUSES[i % 5], "created_at": now, "updated_at": now, "version": 1,
                              "reference": f"TST-{i + 1:06d}"})  # fmt: skip
        with store.write() as session:
            session.execute(insert(Person), people)
            session.execute(insert(Referral), referrals)
        yield store


def test_the_list_model_over_a_store_of_100000_referrals(qtbot, qtmodeltester, big_store):
    model = ReferralListModel(
        lambda flt, sort, desc, offset, limit: referral_page(
            big_store, PWP, flt, sort=sort, descending=desc, offset=offset, limit=limit
        ),
        lambda flt: count_referrals(big_store, PWP, flt),
    )
    answered(qtbot, model)
    assert model.total == MANY and model.rowCount() == PAGE_SIZE  # one page, not 100,000 rows
    qtmodeltester.check(model)
    answered(qtbot, model)
    received = [model.index(row, 0).data() for row in range(5)]
    assert received == sorted(received, key=lambda d: d[6:] + d[3:5] + d[:2], reverse=True)  # newest first
    model.sort(1, Qt.SortOrder.AscendingOrder)
    answered(qtbot, model)
    assert model.index(0, 1).data() == "ADAMS00000, Test"
    model.set_filter(ReferralFilter(text="Green0123"))
    answered(qtbot, model)
    assert model.total == 10 and all(model.index(r, 1).data().startswith("GREEN0123") for r in range(10))
    model.set_filter(ReferralFilter(text="9000012345"))
    answered(qtbot, model)
    assert model.total == 1 and model.index(0, 2).data() == "900 001 2345"
    model.set_filter(ReferralFilter(statuses=("closed",)))
    answered(qtbot, model)
    assert model.total == MANY // 5
    loaded = model.rowCount()
    for _ in range(3):
        model.fetchMore(QModelIndex())
        answered(qtbot, model)
    assert model.rowCount() == loaded + 3 * PAGE_SIZE
    assert {model.index(r, 4).data() for r in range(model.rowCount())} == {"Closed"}
