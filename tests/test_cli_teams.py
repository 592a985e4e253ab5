"""Teams and the assigned clinician from the command line (issue 15 item 4): ``triage teams
add|list|join|leave`` (an admin's) and ``triage referrals assign|team`` (a clinician's), a referral
found by its id or its reference, shown by ``referrals show``, and every refusal one line naming the
field with nothing changed, with the exit statuses of the other commands (2 bad input, 1 refused)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import test_cli_store as cli_store
from tests.test_cli_journey import imported
from tests.test_cli_store import ADMIN, LEAD, PWP, opened, refused, run_as

template, new_store, environment = cli_store.template, cli_store.new_store, cli_store.environment


def teams_json(monkeypatch, capsys, db: Path) -> list[dict]:  # type: ignore[no-untyped-def]
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "teams", "list", "--format", "json")
    assert (code, err) == (0, "")
    return json.loads(out)  # type: ignore[no-any-return]


def referral_row(db: Path, key: bytes, referral_id: str) -> tuple[str, str | None, str | None]:
    with opened(db, key) as store, store.engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT reference, team_code, assigned_to FROM referral WHERE id = ?",
                                         (referral_id,)).one()  # fmt: skip
        return row[0], row[1], row[2]


def test_an_admin_manages_teams_and_members(tmp_path, capsys, monkeypatch, new_store, template) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    as_admin = lambda *args: run_as(monkeypatch, capsys, ADMIN, "--database", db, "teams", *args)  # noqa: E731
    assert as_admin("add", "don-north", "Doncaster North") == (0, "added team DON-NORTH\n", "")
    assert as_admin("join", "DON-NORTH", PWP) == (0, f"joined: {PWP} DON-NORTH\n", "")
    assert as_admin("join", "DON-NORTH", LEAD)[0] == 0
    assert as_admin("list") == (0, f"DON-NORTH  Doncaster North  members: {PWP}, {LEAD}\n", "")
    assert as_admin("leave", "DON-NORTH", LEAD) == (0, f"left: {LEAD} DON-NORTH\n", "")
    assert teams_json(monkeypatch, capsys, db) == [{"code": "DON-NORTH", "name": "Doncaster North", "members": [PWP]}]


@pytest.mark.parametrize(("args", "message"), [
    (("add", "N", "One letter"), "error: code: a team code is 2 to 20 capital letters, digits or hyphens\n"),
    (("add", "NORTH", "  "), "error: name: the team's name, 1 to 100 characters\n"),
    (("join", "EAST", PWP), "error: code: there is no team with that code\n"),
    (("join", "NORTH", "nobody"), "error: username: there is no such active user\n"),
    (("leave", "NORTH", LEAD), "error: username: not a member of that team\n"),
])  # fmt: skip
def test_bad_team_input_is_one_line_naming_the_field_and_changes_nothing(  # type: ignore[no-untyped-def]
    tmp_path, capsys, monkeypatch, new_store, template, args, message
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    assert run_as(monkeypatch, capsys, ADMIN, "--database", db, "teams", "add", "NORTH", "North")[0] == 0
    before = teams_json(monkeypatch, capsys, db)
    assert run_as(monkeypatch, capsys, ADMIN, "--database", db, "teams", *args) == (1, "", message)
    assert teams_json(monkeypatch, capsys, db) == before


@pytest.mark.parametrize("user", [PWP, LEAD])
def test_only_an_admin_may_manage_teams(tmp_path, capsys, monkeypatch, new_store, template, user) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    for args in (("add", "NORTH", "North"), ("list",), ("join", "NORTH", PWP), ("leave", "NORTH", PWP)):
        assert run_as(monkeypatch, capsys, user, "--database", db, "teams", *args) == (1, "", refused("users"))
    assert teams_json(monkeypatch, capsys, db) == []


def test_a_clinician_sets_the_team_and_the_assigned_clinician_by_reference_or_id(  # type: ignore[no-untyped-def]
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    for args in (("add", "NORTH", "North"), ("add", "SOUTH", "South"), ("join", "NORTH", PWP)):
        assert run_as(monkeypatch, capsys, ADMIN, "--database", db, "teams", *args)[0] == 0
    cli_store.as_user(monkeypatch, PWP)
    (referral_id,) = imported(tmp_path, capsys, db, template.key, 1)  # imported: no team
    reference = referral_row(db, template.key, referral_id)[0]
    pwp = lambda *args: run_as(monkeypatch, capsys, PWP, "--database", db, "referrals", *args)  # noqa: E731
    lead = lambda *args: run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", *args)  # noqa: E731

    assert pwp("team", reference.lower(), "north") == (0, "team: NORTH\n", "")
    assert pwp("assign", reference, PWP) == (0, f"assigned clinician: {PWP}\n", "")
    assert referral_row(db, template.key, referral_id)[1:] == ("NORTH", PWP)
    code, out, _ = pwp("show", referral_id, "--format", "json")
    assert code == 0 and (json.loads(out)["referral"]["team_code"], json.loads(out)["referral"]["assigned_to"]) == (
        "NORTH", PWP)  # fmt: skip
    text = pwp("show", referral_id)[1]
    assert "  Team: NORTH\n" in text and f"  Assigned clinician: {PWP}\n" in text

    # A PWP: only into their own teams, only themselves; each refusal one line, exit 1, nothing changed.
    assert pwp("team", referral_id, "SOUTH") == (1, "", "error: team: a PWP may move a referral only into one of "
                                                 "their own teams\n")  # fmt: skip
    assert pwp("assign", referral_id, LEAD) == (1, "", "error: clinician: a PWP may assign only themselves\n")
    assert lead("assign", referral_id, LEAD) == (1, "", "error: clinician: must be a member of the referral's "
                                                 "team NORTH\n")  # fmt: skip
    assert referral_row(db, template.key, referral_id)[1:] == ("NORTH", PWP)

    # A team leader: any team, anyone, or none.
    assert lead("team", referral_id, "--none") == (0, "team: none\n", "")
    assert lead("assign", referral_id, LEAD) == (0, f"assigned clinician: {LEAD}\n", "")
    assert lead("assign", referral_id, "--none") == (0, "assigned clinician: nobody\n", "")
    assert referral_row(db, template.key, referral_id)[1:] == (None, None)


@pytest.mark.parametrize(("args", "code", "message"), [
    (("assign", "ID"), 2, "error: clinician: give one clinician, or --none\n"),
    (("assign", "ID", PWP, "--none"), 2, "error: clinician: give one clinician, or --none\n"),
    (("team", "ID"), 2, "error: team: give one team, or --none\n"),
    (("team", "ID", "a b"), 1, "error: code: a team code is 2 to 20 capital letters, digits or hyphens\n"),
    (("team", "ID", "EAST"), 1, "error: code: there is no team with that code\n"),
    (("assign", "XYZ-000999", PWP), 1, "error: referral: no referral with that id or reference\n"),
])  # fmt: skip
def test_bad_referral_input_is_one_line_naming_the_field(  # type: ignore[no-untyped-def]
    tmp_path, capsys, monkeypatch, new_store, template, args, code, message
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    (referral_id,) = imported(tmp_path, capsys, db, template.key, 1)
    args = tuple(referral_id if a == "ID" else a for a in args)
    assert run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", *args) == (code, "", message)
    assert referral_row(db, template.key, referral_id)[1:] == (None, None)


def test_an_admin_may_not_set_a_referrals_team_or_clinician(tmp_path, capsys, monkeypatch, new_store, template) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    (referral_id,) = imported(tmp_path, capsys, db, template.key, 1)
    for args in (("team", referral_id, "--none"), ("assign", referral_id, "--none")):
        assert run_as(monkeypatch, capsys, ADMIN, "--database", db, "referrals", *args) == (
            1, "", refused("create referral"))  # fmt: skip
