"""Two records of one person from the command line (issue 15 item 9): ``triage referrals compare``
shows them side by side, ``merge`` moves the other record's referrals to the kept one (a team
leader's; the record and ``referrals show`` say so), ``unmerge`` moves them back; every refusal is one
line naming the field with nothing changed, with the exit statuses of the other commands (2 bad
input, 1 refused)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import test_cli_store as cli_store
from tests.store.conftest import make_nhs_number
from tests.test_cli_journey import imported
from tests.test_cli_store import ADMIN, LEAD, PWP, opened, refused, run_as

template, new_store, environment = cli_store.template, cli_store.new_store, cli_store.environment
REASON = "Confirmed with the person on the telephone"


def people(db: Path, key: bytes) -> dict[str, tuple[str, str | None]]:
    """Each referral's reference: (its person's NHS number, that person's merged_into_id)."""
    with opened(db, key) as store, store.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT r.reference, p.nhs_number, p.merged_into_id FROM referral r "
                                          "JOIN person p ON p.id = r.person_id").all()  # fmt: skip
        return {row[0]: (row[1], row[2]) for row in rows}


def reference(db: Path, key: bytes, referral_id: str) -> str:
    with opened(db, key) as store, store.engine.connect() as connection:
        return str(connection.exec_driver_sql("SELECT reference FROM referral WHERE id = ?", (referral_id,)).scalar())


def test_a_leader_compares_merges_and_unmerges_two_records(tmp_path, capsys, monkeypatch, new_store, template) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    kept_id, other_id = imported(tmp_path, capsys, db, template.key, 2)
    kept, other = reference(db, template.key, kept_id), reference(db, template.key, other_id)
    lead = lambda *args: run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", *args)  # noqa: E731
    code, out, err = lead("compare", kept, make_nhs_number(2))
    assert (code, err) == (0, "")
    assert out.splitlines()[1].split() == ["Reference", kept, other] and out.endswith("may be merged\n")
    code, out, _ = lead("compare", kept, other.lower(), "--format", "json")
    shown = json.loads(out)
    assert (shown["kept"]["nhs_number"], shown["other"]["nhs_number"], shown["problems"]) == (
        make_nhs_number(1), make_nhs_number(2), [])  # fmt: skip

    code, out, err = lead("merge", "--keep", kept, "--other", other, "--nhs-number", make_nhs_number(1),
                          "--reason-category", "confirmed_with_person", "--reason", REASON)  # fmt: skip
    assert (code, err) == (0, "")
    assert out == f"merge 1: 1 referral moved to the record of {kept}; undo with `triage referrals unmerge 1`\n"
    after = people(db, template.key)
    assert after[kept] == after[other] == (make_nhs_number(1), None)
    text = lead("show", kept_id)[1]
    assert "Merges\n------\n  " in text and f"(Confirmed with the person: {REASON}) by {LEAD}\n" in text
    assert json.loads(lead("show", other_id, "--format", "json")[1])["merges"][0]["kept"] is True

    assert lead("unmerge", "1", "--reason", "The GP says two people") == (
        0, "merge 1 undone: its referrals are back with the other record\n", "")  # fmt: skip
    assert people(db, template.key)[other] == (make_nhs_number(2), None)
    assert lead("unmerge", "1", "--reason", "Again") == (1, "", "error: merge: that merge was undone already\n")
    assert "merge 1 undone (The GP says two people)" in lead("show", other_id)[1]


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--nhs-number", "NUMBER2", "--reason-category", "gp_record", "--reason", REASON), 1,
     "error: nhs_number: is the other record's NHS number; keep the record whose number is right\n"),
    (("--nhs-number", "9434765918", "--reason-category", "gp_record", "--reason", REASON), 2,
     "error: nhs_number: fails the NHS number check digit\n"),
    (("--nhs-number", "NUMBER1", "--reason-category", "gp_record", "--reason", "."), 2,
     "error: reason: required; say in words how the two records were found to be the same person\n"),
])  # fmt: skip
def test_a_bad_merge_is_one_line_naming_the_field_and_changes_nothing(  # type: ignore[no-untyped-def]
    tmp_path, capsys, monkeypatch, new_store, template, args, code, message
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    kept_id, other_id = imported(tmp_path, capsys, db, template.key, 2)
    before = people(db, template.key)
    args = tuple(make_nhs_number(int(a[-1])) if a.startswith("NUMBER") else a for a in args)
    assert run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "merge", "--keep", kept_id,
                  "--other", other_id, *args) == (code, "", message)  # fmt: skip
    assert people(db, template.key) == before


def test_an_unknown_record_or_merge_is_named(tmp_path, capsys, monkeypatch, new_store, template) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    (kept_id,) = imported(tmp_path, capsys, db, template.key, 1)
    lead = lambda *args: run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", *args)  # noqa: E731
    assert lead("compare", kept_id, "XYZ-000999") == (
        1,
        "",
        "error: other: no referral with that reference or id, and no person with that NHS number\n",
    )
    assert lead("compare", "XYZ-000999", kept_id) == (1, "", "error: referral: no referral with that id or reference\n")
    assert lead("unmerge", "7", "--reason", "Two people") == (1, "", "error: merge: no merge with that number\n")


@pytest.mark.parametrize("user", [PWP, ADMIN])
def test_only_a_team_leader_may_merge(tmp_path, capsys, monkeypatch, new_store, template, user) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    kept_id, other_id = imported(tmp_path, capsys, db, template.key, 2)
    before = people(db, template.key)
    for args in (("compare", kept_id, other_id), ("unmerge", "1", "--reason", "Two people"),
                 ("merge", "--keep", kept_id, "--other", other_id, "--nhs-number", make_nhs_number(1),
                  "--reason-category", "gp_record", "--reason", REASON)):  # fmt: skip
        assert run_as(monkeypatch, capsys, user, "--database", db, "referrals", *args) == (
            1,
            "",
            refused("merge people"),
        )
    assert people(db, template.key) == before


def test_the_command_line_knows_the_stores_merge_reasons() -> None:
    from triage.cli import merges
    from triage.store import vocabulary

    assert merges.MERGE_REASONS == vocabulary.MERGE_REASONS
