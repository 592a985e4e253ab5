"""Where the database lives: defaults and overrides, durable SQLite settings, unsafe places refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.store import DATABASE_ENV, StoreLocationError, check_local_path, location, open_store, resolve_database_url


def test_the_default_is_the_user_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    monkeypatch.setattr(location.platformdirs, "user_data_path", lambda *a, **k: tmp_path / "data" / "triage")
    url = resolve_database_url()
    assert url.drivername == "sqlite+pysqlite" and url.database == str(tmp_path / "data" / "triage" / "triage.db")
    assert (tmp_path / "data" / "triage").is_dir()


def test_the_environment_and_an_explicit_choice_override_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATABASE_ENV, str(tmp_path / "from-env.db"))
    assert resolve_database_url().database == str(tmp_path / "from-env.db")
    assert resolve_database_url(tmp_path / "explicit.db").database == str(tmp_path / "explicit.db")
    assert resolve_database_url(f"sqlite:///{tmp_path}/url.db").database == str(tmp_path / "url.db")
    monkeypatch.setenv(DATABASE_ENV, "postgresql://team@db.example/triage")
    assert resolve_database_url().drivername == "postgresql+psycopg"


@pytest.mark.parametrize("bad", ["sqlite://", "sqlite:///:memory:", "mysql://x@y/z", "postgresql+asyncpg://x@y/z"])
def test_unsuitable_databases_are_refused(bad: str) -> None:
    with pytest.raises(StoreLocationError):
        resolve_database_url(bad)


def test_sqlite_is_opened_durable_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    with open_store(tmp_path / "t.db") as store, store.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()  # noqa: E731
        assert (pragma("journal_mode"), pragma("synchronous"), pragma("foreign_keys")) == ("wal", 2, 1)


@pytest.mark.parametrize(
    "path",
    [r"\\server\share\triage.db", "//server/share/triage.db", "/home/ann/OneDrive - NHS/triage.db",
     "/home/ann/Dropbox/triage.db", "/Users/ann/Library/Mobile Documents/com~apple~CloudDocs/triage.db",
     "/Users/ann/Library/CloudStorage/GoogleDrive-ann/My Drive/triage.db", "/home/ann/Google Drive/t.db"],
)  # fmt: skip
def test_network_and_synced_paths_are_refused(path: str) -> None:
    with pytest.raises(StoreLocationError, match="refusing the database"):
        check_local_path(Path(path))


@pytest.mark.parametrize("fstype", ["nfs4", "cifs", "smbfs", "fuse.sshfs"])
def test_a_network_mount_is_refused(tmp_path: Path, fstype: str) -> None:
    mounts = tmp_path / "mounts"
    share = tmp_path / "mnt" / "team share"
    share.mkdir(parents=True)
    escaped = str(share).replace(" ", "\\040")
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\nserver:/export {escaped} {fstype} rw 0 0\n")
    with pytest.raises(StoreLocationError, match=f"network filesystem \\({fstype}\\)"):
        check_local_path(share / "triage.db", mounts=mounts)
    check_local_path(tmp_path / "triage.db", mounts=mounts)  # the local disk is fine
