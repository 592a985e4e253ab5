"""Import and export files (services/transfer.py) and the set-based import path behind them."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.store.conftest import _fresh_postgres_database, make_nhs_number, referral_input
from tests.users import LEADER, as_admin, as_leader, as_pwp
from triage.services import (
    GpPracticeInput,
    IdentityMismatch,
    change_status,
    create_referral,
    import_referrals,
    save_gp_practice,
)
from triage.services.references import set_reference_prefix
from triage.services.transfer import (
    EXPORT_FIELDS,
    JSON_EXPORT_FIELDS,
    TransferError,
    export_records,
    export_to_file,
    import_file,
    write_records,
)
from triage.store import RefusedError, Store, open_store, verify_database
from triage.store.models import AuditEvent, Person, Referral


@contextlib.contextmanager
def another_store(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A second, empty store on the same kind of database."""
    if "://" not in database_url:
        with open_store(tmp_path / "other.db") as other:
            yield other
        return
    with _fresh_postgres_database(request.getfixturevalue("postgres_server")) as url, open_store(url) as other:
        yield other


def dump(store: Store) -> dict[str, Any]:
    """The store's content with ids replaced by creation order: two stores that went through the same
    story compare equal."""
    with store.read() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        order = {e.entity_id: n for n, e in enumerate(e for e in events if e.action == "create")}
        names = {r.id: f"#{order[r.id]}" for r in session.scalars(select(Referral))}
        names |= {p.id: f"#{order[p.id]}" for p in session.scalars(select(Person))}

        def named(value: str) -> str:
            for key, name in names.items():
                value = value.replace(key, name)
            return value

        referrals = sorted(
            (order[r.id], r.person.nhs_number, r.received_on, r.source, r.status, r.notes, r.gp_practice_code,
             names.get(r.duplicate_of_id or "", None), [c.status for c in r.status_changes], r.version)
            for r in session.scalars(select(Referral))
        )  # fmt: skip
        people = sorted((p.nhs_number, p.given_name, p.family_name, p.name_key, p.date_of_birth, p.version)
                        for p in session.scalars(select(Person)))  # fmt: skip
        trail = [(e.actor, e.entity_type, named(e.entity_id), e.action, named(e.summary)) for e in events]
    return {"referrals": referrals, "people": people, "trail": trail}


def story_before(store: Store) -> None:
    create_referral(store, as_pwp("pwp"), referral_input(10))  # open
    closed = create_referral(store, as_pwp("pwp"), referral_input(20))
    change_status(store, as_pwp("pwp"), closed.id, "closed")
    create_referral(store, as_pwp("pwp"), referral_input(30, received_on="2024-04-01"))  # open


BATCH = [
    referral_input(40),  # a new person
    referral_input(40, received_on="2024-05-02", source="self"),  # again in the same batch: a duplicate
    referral_input(10),  # an open referral exists: a duplicate of it
    referral_input(20),  # the earlier one is closed: not a duplicate
    referral_input(30, family_name="Renamed", received_on="2024-03-01"),  # renamed; older than the open one
    referral_input(50, received_on="2024-02-01"),
    referral_input(50, given_name="Other", received_on="2024-04-01"),  # new, then renamed in the batch
    referral_input(50, received_on="2024-03-01"),  # renamed back; the newest open is still the 04-01 one
]


def test_a_batch_import_ends_exactly_as_the_same_referrals_one_by_one(
    store: Store, database_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    story_before(store)
    import_referrals(store, as_pwp("admin"), BATCH)
    with another_store(database_url, request, tmp_path) as other:
        story_before(other)
        from triage.services.referrals import _add_referral, _audit_import

        with other.write() as session:  # the one-row-at-a-time path, in one transaction
            created = [_add_referral(session, row, "admin") for row in BATCH]
            _audit_import(session, "admin", created, skipped=0)
        expected = dump(other)
    got = dump(store)
    assert got == expected
    assert sum(1 for r in got["referrals"] if r[7] is not None) == 5  # the duplicates above were linked
    assert verify_database(store) == []


def test_refused_rows_are_reported_by_number_and_nothing_is_written(store: Store) -> None:
    save_gp_practice(store, as_admin("admin"), GpPracticeInput(code="C84001", name="A practice"))
    create_referral(store, as_pwp("pwp"), referral_input(1))
    rows = [referral_input(2, gp_practice_code="C84001"), referral_input(1, date_of_birth="1990-01-01"),
            referral_input(3, gp_practice_code="Z99999")]  # fmt: skip
    with pytest.raises(IdentityMismatch):
        import_referrals(store, as_pwp("admin"), rows)
    raw = json.dumps([row.model_dump(mode="json") for row in rows]).encode()
    report = import_file(store, as_pwp("admin"), raw)
    assert report.written == 0 and [n for n, _ in report.problems] == [2, 3]
    assert (
        "different date of birth" in report.problems[0][1]
        and "not in the GP practice directory" in report.problems[1][1]
    )
    assert count(store) == 1
    skipping = import_file(store, as_pwp("admin"), raw, skip_invalid=True)
    assert skipping.written == 1 and skipping.bad_rows == 2 and count(store) == 2
    with store.read() as session:
        summary = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "import")).one()
    assert summary == "imported 1 referrals (0 flagged as possible duplicates); 2 invalid rows skipped"
    with pytest.raises(RefusedError):
        import_referrals(store, as_pwp("admin"), rows[2:])


def count(store: Store) -> int:
    with store.read() as session:
        return int(session.execute(text("SELECT count(*) FROM referral")).scalar_one())


GOOD = {"nhs_number": make_nhs_number(1), "given_name": "Zoë", "family_name": "O'Brien-Smith",
        "date_of_birth": "1985-03-14", "received_on": "2024-05-01", "source": "gp"}  # fmt: skip
SECRET_NUMBER, SECRET_NAME = make_nhs_number(7), "Secretname"


def test_every_invalid_row_is_reported_by_row_and_field_without_its_values(store: Store) -> None:
    rows = [
        GOOD,
        {**GOOD, "nhs_number": SECRET_NUMBER[:-1] + str((int(SECRET_NUMBER[-1]) + 1) % 10), "family_name": ""},
        {**GOOD, "date_of_birth": "2999-01-01", "given_name": SECRET_NAME, "source": SECRET_NAME},
        "not an object",
        {**GOOD, SECRET_NAME: "x"},
    ]
    report = import_file(store, as_pwp("admin"), json.dumps(rows).encode())
    assert report.written == 0 and count(store) == 0 and report.bad_rows == 4
    lines = [f"row {n}: {p}" for n, p in report.problems]
    assert lines[:2] == [
        "row 2: nhs_number: fails the NHS number check digit",
        "row 2: family_name: String should have at least 1 character",
    ]
    assert any(line.startswith("row 3: date_of_birth: must not be in the future") for line in lines)
    assert any(line.startswith("row 3: source:") for line in lines)
    assert "row 4: input: must be an object of named fields" in lines
    assert any(line.startswith("row 5: input: has a field that is not one of") for line in lines)
    everything = "\n".join(lines)
    for secret in (SECRET_NUMBER[:-1], SECRET_NAME, "Zoë", "O'Brien"):
        assert secret not in everything


def csv_bytes(rows: list[dict[str, Any]], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or list(GOOD))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_csv_rows_blank_cells_and_malformed_lines(store: Store) -> None:
    ok = csv_bytes([GOOD | {"phone": ""}], header=[*GOOD, "phone"])
    assert import_file(store, as_pwp("admin"), ok).written == 1
    bad = csv_bytes([{**GOOD, "nhs_number": make_nhs_number(2)}]) + b"\n" + b"a,b\n"
    report = import_file(store, as_pwp("admin"), bad)
    assert [(n, p) for n, p in report.problems] == [(2, "the row is empty"), (3, "has 2 cells but the header names 6")]
    with pytest.raises(TransferError, match="header"):
        import_file(store, as_pwp("admin"), f"{SECRET_NUMBER},{SECRET_NAME}\n".encode())
    try:
        import_file(store, as_pwp("admin"), f"{SECRET_NUMBER},{SECRET_NAME}\n".encode())
    except TransferError as exc:
        assert SECRET_NUMBER not in str(exc) and SECRET_NAME not in str(exc)
    with pytest.raises(TransferError, match="array"):
        import_file(store, as_pwp("admin"), b'{"nhs_number": "1"}', fmt="json")
    with pytest.raises(TransferError, match="UTF-8"):
        import_file(store, as_pwp("admin"), "ÿ".encode("latin-1"))
    duplicated = b'[{"source": "gp", "source": "self"}]'
    assert import_file(store, as_pwp("admin"), duplicated).problems == [(1, "a field is given more than once")]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_into_a_fresh_store_round_trips(
    store: Store, database_url: str, request: pytest.FixtureRequest, tmp_path: Path, fmt: str
) -> None:
    save_gp_practice(store, as_admin("admin"), GpPracticeInput(code="C84001", name="A practice"))
    rows = [GOOD | {"phone": "07700 900123", "postcode": "dn1 1aa", "gp_practice_code": "C84001",
                    "interpreter_language": "Polish", "notes": 'line one\nline "two", with a comma'},
            {**GOOD, "received_on": "2024-06-01"},  # a duplicate of the first
            {**GOOD, "nhs_number": make_nhs_number(3), "given_name": "Ann", "returned_from": "cmht"}]  # fmt: skip
    assert import_file(store, as_pwp("admin"), json.dumps(rows).encode()).written == 3
    first = export_text(store, fmt)
    records = list(export_records(store, LEADER))
    assert [r["status"] for r in records] == ["received"] * 3 and records[0]["postcode"] == "DN1 1AA"
    with another_store(database_url, request, tmp_path) as other:
        save_gp_practice(other, as_admin("admin"), GpPracticeInput(code="C84001", name="A practice"))
        set_reference_prefix(other, as_admin("admin"), "TWO")  # its own prefix: the references can meet
        report = import_file(other, as_pwp("admin"), first.encode(), fmt=fmt)  # type: ignore[arg-type]
        assert (report.written, report.duplicates, report.problems) == (3, 1, [])
        second = export_text(other, fmt)
    assert without_ids(second, fmt) == without_ids(first, fmt)  # the references too: kept as given
    assert sorted(r["reference"] for r in records) == ["REF-000001", "REF-000002", "REF-000003"]  # file order


def test_an_import_carrying_this_store_s_prefix_or_a_reference_already_here_is_refused(
    store: Store, database_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Two stores with the same prefix would give the same numbers to different referrals: the rows are
    refused by number, with why, and nothing is written; under its own prefix the same file imports."""
    assert import_file(store, as_pwp("admin"), json.dumps([GOOD]).encode()).written == 1
    exported = export_text(store, "json")
    with another_store(database_url, request, tmp_path) as other:  # a second store, also "REF"
        report = import_file(other, as_pwp("admin"), exported.encode(), fmt="json")
        assert report.written == 0 and [n for n, _ in report.problems] == [1]
        assert "has this store's own prefix REF" in report.problems[0][1]
        assert "every store needs its own prefix" in report.problems[0][1]
        set_reference_prefix(other, as_admin("admin"), "LAP")
        assert import_file(other, as_pwp("admin"), exported.encode(), fmt="json").written == 1
        again = import_file(other, as_pwp("admin"), exported.encode(), fmt="json")
        assert again.written == 0 and "already in this store" in again.problems[0][1]
        new = import_file(other, as_pwp("admin"), json.dumps([{**GOOD, "nhs_number": make_nhs_number(8)}]).encode())
        assert new.written == 1
        assert sorted(r["reference"] for r in export_records(other, LEADER)) == ["LAP-000001", "REF-000001"]


def export_text(store: Store, fmt: str) -> str:
    out = io.StringIO()
    write_records(export_records(store, LEADER), out, fmt)  # type: ignore[arg-type]
    return out.getvalue()


def without_ids(document: str, fmt: str) -> list[dict[str, Any]]:
    records = json.loads(document) if fmt == "json" else list(csv.DictReader(io.StringIO(document)))
    assert all(list(r) == list(JSON_EXPORT_FIELDS if fmt == "json" else EXPORT_FIELDS) for r in records)
    return [{k: v for k, v in r.items() if k != "id"} for r in records]


def test_an_export_file_is_written_atomically_and_audited(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(store, as_pwp("admin"), json.dumps([GOOD]).encode())
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "out.json"
    target.write_text("the previous export")

    from triage.services import transfer

    def failing(records: Any, stream: Any, fmt: Any) -> int:
        stream.write("[half")
        raise OSError("disk full")

    monkeypatch.setattr(transfer, "write_records", failing)
    with pytest.raises(OSError):
        export_to_file(store, as_leader("admin"), target, "json")
    assert target.read_text() == "the previous export" and sorted(p.name for p in target.parent.iterdir()) == [
        "out.json"
    ]
    monkeypatch.undo()
    assert export_to_file(store, as_leader("admin"), target, "csv") == 1
    assert target.read_text().startswith("id,nhs_number,") and sorted(p.name for p in target.parent.iterdir()) == [
        "out.json"
    ]
    with store.read() as session:
        summaries = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "export")).all()
    assert summaries == [f"exporting 1 referrals (json) to {target}",  # audited before the first byte
                         f"export to {target} stopped after 0 of 1 referrals (OSError)",
                         f"exporting 1 referrals (csv) to {target}"]  # fmt: skip
    assert verify_database(store) == []
