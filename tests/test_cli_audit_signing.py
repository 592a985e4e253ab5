"""The signed audit trail at the command line (issue 13 item 7): the insider's attack the issue
describes, which `db verify` used to call "sound", is reported by position with exit 1; the admin's
key fingerprint is printed at `triage init` beside the recovery key, and again by `db verify` and
every backup, for an auditor to compare. Uses test_cli_store's template store (admin, team leader,
PWP, cheap key derivation) and its helpers."""

from __future__ import annotations

import re

from tests.store.audit_attacks import rewrite_trail
from tests.test_cli_store import (  # noqa: F401 - fixtures: the template store, its copies, the environment
    ADMIN,
    LEAD,
    PASSWORDS,
    PWP,
    ROW,
    as_user,
    environment,
    new_store,
    rows_file,
    run,
    run_as,
    template,
)
from triage.services.login import authenticate
from triage.store import backup as backup_module
from triage.store import open_store
from triage.store.models import AuditCountersign, AuditEvent

FINGERPRINT = re.compile(r"(?:[0-9A-F]{4} ){7}[0-9A-F]{4}")


def test_an_insider_rewriting_their_own_import_is_reported_by_position_and_verify_fails(
    tmp_path, capsys, monkeypatch, new_store  # noqa: F811 - the fixture imported above
) -> None:  # fmt: skip
    """The attack as the issue tells it: a PWP's own password unwraps the database key; with it they
    open the database, rewrite their own import event's summary, recompute the SHA-256 chain and the
    head, and re-create the guard triggers exactly as they were."""
    db = new_store(tmp_path / "t.db")
    forged = forged_import(tmp_path, capsys, monkeypatch, db)
    key, _ = authenticate(db, PWP, PASSWORDS[PWP])
    with open_store(db, key=key, migrate=False) as store, store.read() as session:
        assert session.get(AuditEvent, forged).summary == "imported 0 referrals"  # type: ignore[union-attr]
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "verify")
    assert code == 1 and out.startswith("FAILED: ")
    assert f"error: audit event {forged}: the signature does not verify (forged, rewritten" in err
    assert "guard" not in err and "chain is broken" not in err  # the chain and the triggers look untouched


def test_the_admin_fingerprint_is_shown_at_init_beside_the_recovery_key_and_by_verify_and_backup(
    tmp_path, capsys, monkeypatch
) -> None:  # fmt: skip
    db = tmp_path / "new.db"
    as_user(monkeypatch, ADMIN)
    code, out, _ = run(capsys, "init", "--database", db)
    assert code == 0
    recovery_at, fingerprint_at = out.index("RECOVERY KEY"), out.index("ADMIN KEY FINGERPRINT")
    assert recovery_at < fingerprint_at  # beside it: written on the same paper
    (shown,) = FINGERPRINT.findall(out[fingerprint_at:])
    code, out, err = run(capsys, "--database", db, "db", "verify")
    assert code == 0 and err == "" and f"admin key: {ADMIN} {shown}" in out.splitlines()
    assert "signing: every audit event is signed (from event 1)" in out
    code, out, _ = run(capsys, "--database", db, "db", "backup", tmp_path / "backup.db")
    assert code == 0 and f"admin key: {ADMIN} {shown}" in out.splitlines()
    assert re.search(rf"countersigned: last at event \d+ \(backup, .* UTC\) by {ADMIN}, key {shown}", out), out


def admin_keys(capsys, monkeypatch, db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What `db verify` lists as each active admin key: username -> fingerprint."""
    code, out, _ = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "verify")
    assert code == 0, out
    found = (re.fullmatch(rf"admin key: (\S+) ({FINGERPRINT.pattern})", line) for line in out.splitlines())
    return {m.group(1): m.group(2) for m in found if m}


def shown_fingerprint(out: str, name: str) -> str | None:
    if f"ADMIN KEY FINGERPRINT of {name}" not in out:
        return None
    (shown,) = FINGERPRINT.findall(out.split(f"ADMIN KEY FINGERPRINT of {name}")[1])
    return shown


def test_each_new_admin_key_is_shown_for_the_paper_when_an_admin_is_added_promoted_or_reset(
    tmp_path, capsys, monkeypatch, new_store  # noqa: F811 - the fixture imported above
) -> None:  # fmt: skip
    """An admin's key is an anchor the auditor checks against the paper: a new admin, a user made an
    admin and an admin whose password another admin set (a new key, the old retired) each have their
    fingerprint printed, the one `db verify` then lists; a PWP added has none printed."""
    db = new_store(tmp_path / "t.db")
    monkeypatch.setenv("TRIAGE_NEW_PASSWORD", "second admin password")
    code, out, _ = run_as(monkeypatch, capsys, ADMIN, "--database", db, "users", "add", "admin2", "--role", "admin")
    added = shown_fingerprint(out, "admin2")
    assert code == 0 and added is not None and admin_keys(capsys, monkeypatch, db)["admin2"] == added

    code, out, _ = run_as(monkeypatch, capsys, ADMIN, "--database", db, "users", "add", "pwp9", "--role", "pwp")
    assert code == 0 and "FINGERPRINT" not in out  # not an admin: no anchor to write down

    code, out, _ = run_as(monkeypatch, capsys, ADMIN, "--database", db, "users", "reset-password", "admin2")
    reset = shown_fingerprint(out, "admin2")
    assert code == 0 and reset is not None and reset != added and "the old one is retired" in out
    assert admin_keys(capsys, monkeypatch, db)["admin2"] == reset

    code, out, _ = run_as(monkeypatch, capsys, ADMIN, "--database", db, "users", "set-role", LEAD, "admin")
    promoted = shown_fingerprint(out, LEAD)
    assert code == 0 and promoted is not None and admin_keys(capsys, monkeypatch, db)[LEAD] == promoted
    code, out, _ = run_as(monkeypatch, capsys, ADMIN, "--database", db, "users", "set-role", LEAD, "team_leader")
    assert code == 0 and "FINGERPRINT" not in out


def test_the_recovery_key_prints_the_admins_new_fingerprint(tmp_path, capsys, monkeypatch) -> None:
    db = tmp_path / "new.db"
    as_user(monkeypatch, ADMIN)
    out = run(capsys, "init", "--database", db)[1]
    recovery = out.split("shown once, stored nowhere in clear):")[1].split()[0]
    (first,) = FINGERPRINT.findall(out[out.index("ADMIN KEY FINGERPRINT") :])
    monkeypatch.setenv("TRIAGE_RECOVERY_KEY", recovery)
    monkeypatch.setenv("TRIAGE_NEW_PASSWORD", "a new admin password")
    code, out, _ = run(capsys, "--database", db, "users", "recover", ADMIN)
    recovered = shown_fingerprint(out, ADMIN)
    assert code == 0 and recovered is not None and recovered != first and "recovery key" in out
    monkeypatch.setenv("TRIAGE_PASSWORD", "a new admin password")
    code, out, _ = run(capsys, "--database", db, "db", "verify")
    assert code == 0 and f"admin key: {ADMIN} {recovered}" in out.splitlines()


def forged_import(tmp_path, capsys, monkeypatch, db) -> int:  # type: ignore[no-untyped-def]
    """The PWP imports a row, then rewrites their own import event's summary and recomputes the chain:
    the id of the event forged."""
    assert run_as(monkeypatch, capsys, PWP, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0
    key, _ = authenticate(db, PWP, PASSWORDS[PWP])  # the PWP's password: all it takes to read every record
    with open_store(db, key=key, migrate=False) as store:
        with store.read() as session:
            (forged,) = session.query(AuditEvent.id).filter_by(actor=PWP, action="import").one()

        def rewrite(rows: list[dict[str, object]]) -> None:
            for row in rows:
                if row["id"] == forged:
                    row["summary"] = "imported 0 referrals"

        rewrite_trail(store, rewrite)
    return int(forged)


def test_a_store_whose_trail_has_a_problem_is_backed_up_with_it_said_and_restored_only_if_accepted(
    tmp_path, capsys, monkeypatch, new_store  # noqa: F811 - the fixture imported above
) -> None:  # fmt: skip
    """Before, `db backup` of such a store was refused (the copy "failed verification"), and so was
    every scheduled backup at every close: the one moment a copy matters most, none could be made."""
    db = new_store(tmp_path / "t.db")
    forged = forged_import(tmp_path, capsys, monkeypatch, db)
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "backup", tmp_path / "b.db")
    assert code == 0 and "verified as a copy of this store and of the problem its own checks already find" in out, (
        out,
        err,
    )
    assert err.startswith(f"warning: audit event {forged}: the signature does not verify"), err
    assert "countersigned nothing" in out and (tmp_path / "b.db").is_file()
    key, _ = authenticate(db, ADMIN, PASSWORDS[ADMIN])
    with open_store(db, key=key, migrate=False) as store, store.read() as session:
        made = session.query(AuditEvent).filter(AuditEvent.summary.startswith("backup made")).one()
        assert (
            made.summary
            == "backup made, carrying the problem its store's own checks already find (db verify lists them)"
        )
        assert session.query(AuditCountersign).filter_by(reason="backup").count() == 0  # nothing vouched for

    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "restore", tmp_path / "b.db")
    assert code == 1 and "--accept-problems" in err and f"audit event {forged}" in err, err
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "restore", tmp_path / "b.db",
                            "--accept-problems")  # fmt: skip
    assert code == 0 and "verified except for any problems it carried" in out, (out, err)
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "verify")
    assert code == 1 and f"error: audit event {forged}: the signature does not verify" in err  # still said


def test_a_backup_copy_with_a_problem_its_store_has_not_is_refused_and_left_nowhere(
    tmp_path, capsys, monkeypatch, new_store  # noqa: F811 - the fixture imported above
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    real = backup_module._verify_file
    monkeypatch.setattr(backup_module, "_verify_file", lambda path, key=None: [*real(path, key), "page 3: damaged"])
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "backup", tmp_path / "b.db")
    assert code == 1 and "the backup copy failed verification: page 3: damaged" in err, (out, err)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("b.db")) == []
