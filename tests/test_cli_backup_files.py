"""The store's files on disk (issue 13, items 10 and 14), through the command line as an admin uses it.

- Modes: the database, its -wal/-shm, backups, their key files, the copies a restore keeps and the
  login state are 0600, the data folder the app creates and the lock folder 0700, under the usual
  umask 022; a store an earlier version left 0644 is tightened when it is opened. On Windows the
  per-user profile's ACLs apply instead (docs/building.md), so there these tests are skipped with
  that reason.
- ``db backup`` that cannot finish (an unwritable folder, a full disk, a file or a symbolic link in
  the way of its part file) prints one ``error:`` line, exits 1, leaves no file behind and audits
  "backup failed", never "backup made".
- More restores than the cap keep the newest copies only, and the output says how much room they use.

The store is a copy of tests/test_cli_store.py's template (its fixtures are reused).
"""

# ruff: noqa: F811  (the fixtures imported from tests/test_cli_store.py are redefined as arguments)
from __future__ import annotations

import errno
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.needs import needs
from tests.test_cli_store import (  # noqa: F401 - fixtures, used by name
    ADMIN,
    PASSWORDS,
    PWP,
    ROW,
    audit_trail,
    environment,
    new_store,
    referral_count,
    rows_file,
    run,
    run_as,
    template,
)
from triage.cli import main


@pytest.fixture
def posix() -> None:
    """These tests read POSIX file modes; on Windows the profile's ACLs do that job (docs/building.md)."""
    needs(os.name == "posix", "POSIX file modes; Windows relies on the profile's ACLs (docs/building.md)")


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems give a user (022: new files 0644): what the store must not rely on."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(folder: Path) -> dict[str, int]:
    """The permission bits of every file and folder under ``folder`` (itself included)."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def private(found: dict[str, int]) -> dict[str, int]:
    """What every entry of ``modes`` should be: 0700 for a folder, 0600 for a file."""
    return {name: (0o700 if name == "." or name.endswith(".locks") else 0o600) for name in found}


# --- item 10: modes ----------------------------------------------------------------------------


@pytest.mark.usefixtures("posix")
def test_every_file_and_folder_of_the_store_is_the_users_alone(tmp_path, capsys, monkeypatch, usual_umask) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the default data folder, made by init
    as_admin = {"TRIAGE_USER": ADMIN, "TRIAGE_PASSWORD": PASSWORDS[ADMIN]}
    for name, value in as_admin.items():
        monkeypatch.setenv(name, value)
    code, out, err = run(capsys, "init")
    assert code == 0, err
    folder = tmp_path / "data" / "triage"
    db = folder / "triage.db"
    assert db.is_file() and modes(folder) == private(modes(folder)), modes(folder)  # after init
    with _open(db):  # open, and logged in (a write): -wal and -shm exist now
        assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
        assert modes(folder) == private(modes(folder)), modes(folder)
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o700)
    assert run(capsys, "db", "backup", backups / "b.db")[0] == 0
    assert modes(backups) == private(modes(backups)), modes(backups)  # the backup and its key file
    code, out, err = run(capsys, "db", "restore", backups / "b.db")
    assert code == 0 and "kept as" in out, err
    assert any(".previous-" in name for name in modes(folder))
    assert modes(folder) == private(modes(folder)), modes(folder)  # after restore, with the kept copy


@pytest.mark.usefixtures("posix")
def test_a_store_left_0644_by_an_earlier_version_is_tightened_when_opened(
    tmp_path, capsys, monkeypatch, new_store, usual_umask
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    db.chmod(0o644)
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0  # the PWP
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


# --- item 14: a backup that cannot finish ------------------------------------------------------


def _unwritable(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder.chmod(0o500)
    if os.geteuid() == 0:  # root writes anywhere: answer as the kernel answers any other user
        real_open = os.open

        def refusing(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if Path(path).parent == folder and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing)


def _disk_full_writing_the_copy(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import triage.store.backup as backup

    real_copy = backup._copy

    def copy_then_full(source: Path, destination: Path, key: bytes | None = None) -> None:
        real_copy(source, destination, key)  # a real part file, as far as the disk had room
        if destination.name.endswith(".partial"):
            raise sqlite3.OperationalError("database or disk is full")  # SQLITE_FULL, as sqlite3 says it

    monkeypatch.setattr(backup, "_copy", copy_then_full)


def _disk_full_writing_the_key_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(path: Path, data: bytes) -> None:
        path.write_bytes(data[:10])  # what fitted
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("triage.store.backup.atomic_write", full)


def _a_file_in_the_way(folder: Path, _monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "b.db.partial").write_bytes(b"this is not a database, and it is not ours")


def _a_link_in_the_way(folder: Path, _monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir()
    (folder / "b.db.partial").symlink_to(elsewhere / "stolen.db")


FAILURES = {
    "unwritable folder": (_unwritable, "cannot be written to"),
    "disk full during the copy": (_disk_full_writing_the_copy, "the disk is full"),
    "disk full writing the key file": (_disk_full_writing_the_key_file, "the disk is full"),
    "a non-database DEST.partial": (_a_file_in_the_way, "is in the way (a file"),
    "a DEST.partial symlink": (_a_link_in_the_way, "is in the way (a symbolic link"),
}


@pytest.mark.usefixtures("posix")
@pytest.mark.parametrize("case", list(FAILURES))
def test_a_backup_that_cannot_finish_says_why_in_one_line_leaves_nothing_and_is_not_audited_as_made(
    tmp_path, capsys, monkeypatch, new_store, template, case
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0  # the PWP
    backups = tmp_path / "backups"
    backups.mkdir()
    arrange, reason = FAILURES[case]
    arrange(backups, monkeypatch)
    before = {p: (p.lstat().st_size, os.readlink(p) if p.is_symlink() else None) for p in tmp_path.rglob("*")}
    trail = audit_trail(db, template.key)
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "backup", backups / "b.db")
    backups.chmod(0o700)
    assert (code, out) == (1, ""), err
    assert err.startswith("error: ") and err.count("\n") == 1 and reason in err, err
    assert "Traceback" not in err
    after = {p: (p.lstat().st_size, os.readlink(p) if p.is_symlink() else None) for p in tmp_path.rglob("*")}
    store_files = {p for p in after if p.relative_to(tmp_path).parts[0].startswith("t.db")}  # the store's own
    assert {p: v for p, v in after.items() if p not in store_files} == {
        p: v for p, v in before.items() if p not in store_files
    }  # nothing new, nothing removed or changed beside the backup (a file in the way stays as it was)
    assert not (tmp_path / "elsewhere" / "stolen.db").exists()  # the link was not followed
    assert audit_trail(db, template.key) == [*trail, (ADMIN, "login", "logged in"), (ADMIN, "export", "backup failed")]
    assert referral_count(db, template.key) == 1


def test_a_backup_that_succeeds_is_audited_once_as_made(tmp_path, capsys, monkeypatch, new_store, template) -> None:
    db = new_store(tmp_path / "t.db")
    trail = audit_trail(db, template.key)
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "backup", tmp_path / "b.db")
    assert code == 0 and "verified" in out, err
    assert audit_trail(db, template.key) == [*trail, (ADMIN, "login", "logged in"), (ADMIN, "export", "backup made")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.db", "b.db.keys", "t.db", "t.db.keys", "t.db.locks",
                                                          "t.db.logins"]  # fmt: skip


# --- item 14: the kept copies are capped -------------------------------------------------------


def test_more_restores_than_the_cap_keep_the_newest_copies_and_say_how_much_room_they_use(
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    assert run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "backup", tmp_path / "b.db")[0] == 0
    made = []
    for _ in range(5):
        code, out, err = run(capsys, "--database", db, "db", "restore", tmp_path / "b.db")
        assert code == 0, err
        made.append(next(line for line in out.splitlines() if "kept as" in line).rsplit(" ", 1)[1])
    kept = sorted(p for p in tmp_path.glob("t.db.previous-*"))
    assert [str(p) for p in kept] == made[-3:]  # the newest three: the default cap
    size = sum(p.stat().st_size for p in kept) / 1_000_000
    assert f"3 kept copies use {size:.1f} MB beside it" in out
    code, out, err = run(capsys, "--database", db, "db", "restore", tmp_path / "b.db", "--keep-previous", "1")
    assert code == 0 and "1 kept copy uses" in out, err
    assert len(list(tmp_path.glob("t.db.previous-*"))) == 1
    with pytest.raises(SystemExit) as usage:  # argparse's usage error
        main(["--database", str(db), "db", "restore", str(tmp_path / "b.db"), "--keep-previous", "0"])
    assert usage.value.code == 2 and "must be a whole number, 1 or more" in capsys.readouterr().err
    assert len(list(tmp_path.glob("t.db.previous-*"))) == 1  # a refused restore removes nothing


def _open(db: Path) -> Any:
    """The store as the app opens it: a login, which writes its event."""
    from triage.services.login import open_authenticated

    store, _user = open_authenticated(db, ADMIN, PASSWORDS[ADMIN], sleep=lambda _s: None)
    return store


@pytest.mark.usefixtures("posix")
def test_a_data_folder_left_0755_by_an_earlier_version_is_tightened(tmp_path, monkeypatch, usual_umask) -> None:
    from triage.store.location import local_store_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "data" / "triage").mkdir(parents=True, mode=0o755)
    assert local_store_path() == tmp_path / "data" / "triage" / "triage.db"
    assert stat.S_IMODE((tmp_path / "data" / "triage").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o755  # not triage's folder: left as it was


def test_a_restore_that_runs_out_of_disk_replaces_nothing_and_leaves_nothing(
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # fmt: skip
    import triage.store.backup as backup

    db = new_store(tmp_path / "t.db")
    assert run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "backup", tmp_path / "b.db")[0] == 0
    assert run_as(monkeypatch, capsys, PWP, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0
    real_copy = backup._copy

    def full_at_the_target(source: Path, destination: Path, key: bytes | None = None) -> None:
        if destination == db:  # the copy it replaces is made by now: it must go too
            raise sqlite3.OperationalError("database or disk is full")
        real_copy(source, destination, key)

    monkeypatch.setattr(backup, "_copy", full_at_the_target)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "db", "restore", tmp_path / "b.db")
    assert (code, out) == (
        1,
        "",
    ) and err == f"error: the restore of {db} failed: the disk is full; nothing was replaced\n"
    own = {"t.db-wal", "t.db-shm"}  # the store's own WAL (reading it read-only leaves them): part of the store
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in own) == [
        n for n in before if n not in own
    ]  # no .restoring, no .previous-*
    assert referral_count(db, template.key) == 1  # the import made after the backup is still there
