"""``triage users set-supervisor USER SUPERVISOR|--none`` (issue 16, item 6): an admin names the team
leader whose supervision queue a user's flagged screenings join; a supervisor who is not an active
team leader is refused in one line naming the field, and only an admin may do it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.test_cli_auth import PASSWORD, as_user, database, environment, run  # noqa: F401 (fixtures)
from triage.store.models import UserAccount


def supervisors(path) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    from triage.services.login import open_authenticated

    store, _ = open_authenticated(path, "admin", PASSWORD, sleep=lambda _s: None)
    with store, store.read() as session:
        return {a.username: a.supervisor for a in session.scalars(select(UserAccount))}


def test_an_admin_sets_and_removes_a_supervisor(database, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    code, out, _ = run(capsys, "--database", database, "users", "set-supervisor", "PWP1", "Lead")
    assert (code, out) == (0, "ok: pwp1 is supervised by lead\n")
    assert supervisors(database)["pwp1"] == "lead"
    code, out, _ = run(capsys, "--database", database, "users", "set-supervisor", "pwp1", "--none")
    assert (code, out) == (0, "ok: pwp1 has no supervisor\n")
    assert supervisors(database)["pwp1"] is None


def test_a_supervisor_who_is_not_a_team_leader_is_refused_naming_the_field(database, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    code, _, err = run(capsys, "--database", database, "users", "set-supervisor", "lead", "pwp1")
    assert (code, err) == (1, "error: supervisor: must be an active team leader\n")  # one line, no traceback
    assert supervisors(database)["lead"] is None


def test_only_an_admin_sets_a_supervisor_and_one_of_the_two_is_required(database, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    as_user(monkeypatch, "lead", "leader password 1")
    code, _, err = run(capsys, "--database", database, "users", "set-supervisor", "pwp1", "lead")
    assert code == 1 and "your role does not allow this" in err
    as_user(monkeypatch, "admin", PASSWORD)
    with pytest.raises(SystemExit):  # argparse: a supervisor or --none, not both, not neither
        run(capsys, "--database", database, "users", "set-supervisor", "pwp1", "lead", "--none")
    with pytest.raises(SystemExit):
        run(capsys, "--database", database, "users", "set-supervisor", "pwp1")
    assert supervisors(database)["pwp1"] is None
