"""Encryption at rest (issue 6): a SQLCipher store whose key is wrapped per user in a key file.

A scripted session (store, referrals, a screening and decision, drafts, a child killed with SIGKILL
mid-draft, a backup) leaves no seeded identifier in any file of the data folder or the temp folder;
a wrong password, an altered key file, a missing or foreign key file, and a plaintext file fail
closed with a clear message and change nothing."""

from __future__ import annotations

import json
import os
import re
import signal
import tempfile
import time
from pathlib import Path

import pytest

from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.users import CHEAP_KDF, as_pwp
from triage.services import DecisionInput, ScreeningInput, complete_screening, create_referral, save_draft
from triage.services.login import WRONG, AuthenticationError, PlaintextStoreError, authenticate, open_authenticated
from triage.services.store_setup import StoreExistsError, initialise_store, recover_with_recovery_key
from triage.services.users import add_user, change_password, remove_user
from triage.store import backup_database, open_store, restore_database, verify_database
from triage.store.keys import SQLITE_HEADER, KeyFileError, WrongRecoveryKey, key_file_path

PASSWORD = "correct horse battery"
NO_WAIT = {"sleep": lambda _seconds: None}


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    # The shipped argon2id cost (64 MiB x 3) is for real laptops; the tests use a small one (recorded per wrap).
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)


def new_store(folder: Path, name: str = "triage.db") -> tuple[Path, str]:
    path = folder / name
    recovery = initialise_store(path, "Admin", "The Admin", PASSWORD)
    assert recovery is not None
    return path, recovery


def state(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.endswith(".logins")}  # fmt: skip


def secrets_of(serials: range) -> list[bytes]:
    found: list[bytes] = []
    for serial in serials:
        data = referral_input(serial, family_name=f"Zyxwfamily{serial}", given_name="Qwertgiven",
                              date_of_birth="1971-08-23")  # fmt: skip
        number = data.nhs_number
        spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
        found += [s.encode() for s in (number, spaced, data.family_name)]
        found += [s.encode("utf-16-le") for s in (number, data.family_name)]
    return found + [b"Qwertgiven", b"1971-08-23", "1971-08-23".encode("utf-16-le")]


def scan(*folders: Path) -> set[str]:
    """Every file under the folders, byte-scanned for the seeded identifiers; returns their names."""
    files = [p for folder in folders for p in folder.rglob("*") if p.is_file()]
    for file in files:
        content = file.read_bytes()
        for secret in secrets_of(range(1, 6)):
            assert secret not in content, f"{secret!r} found in {file.name}"
    return {p.name for p in files}


def test_a_scripted_session_leaves_no_identifier_in_any_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, temp = tmp_path / "data", tmp_path / "temp"
    data.mkdir(), temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    path, _ = new_store(data)
    store, user = open_authenticated(path, "admin", PASSWORD, **NO_WAIT)
    add_user(store, user, "pwp1", "A PWP", "pwp", "pwp password 1")
    store.close()
    store, pwp = open_authenticated(path, "PWP1", "pwp password 1", **NO_WAIT)
    ids = []
    for serial in range(1, 6):
        data_in = referral_input(serial, family_name=f"Zyxwfamily{serial}", given_name="Qwertgiven",
                                 date_of_birth="1971-08-23")  # fmt: skip
        ids.append(create_referral(store, pwp, data_in).id)
    complete_screening(store, pwp, ids[0], ScreeningInput.model_validate(HIGH_COMPLEXITY), DecisionInput(confirmed_route="cmht"))  # fmt: skip
    save_draft(store, pwp, ids[1], {"notes": "Zyxwfamily2 said 1971-08-23"})
    key, signer = store._key, store.signer
    store.close()
    # a child process saves drafts in a loop and is killed mid-write
    child = os.fork()
    if child == 0:  # pragma: no cover - the child never returns
        try:
            with open_store(path, key=key) as again:
                again.signer = signer  # the logged-in session's, as the app's (its events are signed)
                n = 0
                while True:
                    n += 1
                    save_draft(again, pwp, ids[2], {"notes": f"Zyxwfamily3 draft {n} 1971-08-23"})
        finally:
            os._exit(1)
    time.sleep(0.4)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    assert scan(data, temp) >= {"triage.db", "triage.db.keys", "triage.db-wal", "triage.db-shm"}  # a hot WAL
    with open_store(path, key=key) as store:
        assert verify_database(store) == []
        backup_database(store, data / "backup.db")
        assert scan(data, temp) >= {"backup.db", "backup.db.keys", "triage.db-wal"}
    assert scan(data, temp) >= {"triage.db", "backup.db"}
    for database in (path, data / "backup.db"):
        assert not database.read_bytes().startswith(SQLITE_HEADER)


def test_a_wrong_password_or_unknown_user_fails_closed_and_changes_nothing(tmp_path: Path) -> None:
    path, _ = new_store(tmp_path)
    before = state(tmp_path)
    for user, password in (("admin", "wrong password!"), ("nobody", PASSWORD), ("admin", "")):
        with pytest.raises(AuthenticationError, match=re.escape(WRONG)) as caught:
            open_authenticated(path, user, password, **NO_WAIT)
        assert "nobody" not in str(caught.value)
    assert state(tmp_path) == before
    logins = (tmp_path / "triage.db.logins").read_text()
    assert "nobody" not in logins and "wrong password" not in logins and PASSWORD not in logins


@pytest.mark.parametrize("tampering", ["sealed", "salt", "other_user", "database_id", "recovery", "garbage", "mac"])
def test_an_altered_key_file_fails_closed_and_changes_nothing(tmp_path: Path, tampering: str) -> None:
    path, _ = new_store(tmp_path)
    with open_authenticated(path, "admin", PASSWORD, **NO_WAIT)[0] as store:
        add_user(store, authenticate(path, "admin", PASSWORD, **NO_WAIT)[1], "pwp1", "P", "pwp", "pwp password 1")
    keys = key_file_path(path)
    doc = json.loads(keys.read_text())
    flip = lambda text: ("A" if text[0] != "A" else "B") + text[1:]  # noqa: E731
    if tampering == "sealed":
        doc["wraps"]["admin"]["sealed"] = flip(doc["wraps"]["admin"]["sealed"])
    elif tampering == "salt":
        doc["wraps"]["admin"]["kdf"]["time_cost"] = 2  # a weaker or different KDF: the check fails
    elif tampering == "other_user":
        del doc["wraps"]["pwp1"]
    elif tampering == "database_id":
        doc["database_id"] = "0" * 32
    elif tampering == "recovery":
        doc["recovery"]["nonce"] = flip(doc["recovery"]["nonce"])
    elif tampering == "mac":
        doc["mac"] = flip(doc["mac"])
    keys.write_text("{not json" if tampering == "garbage" else json.dumps(doc))
    before = state(tmp_path)
    with pytest.raises((KeyFileError, AuthenticationError)) as caught:
        open_authenticated(path, "admin", PASSWORD, **NO_WAIT)
    if tampering != "salt":
        assert isinstance(caught.value, KeyFileError) and "key file has been altered" in str(caught.value)
    assert state(tmp_path) == before


def test_a_store_without_its_key_file_or_with_another_stores_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    first, _ = new_store(tmp_path / "a")
    second, _ = new_store(tmp_path / "b")  # same username and password, another store
    key_file_path(first).rename(tmp_path / "a-keys")
    before = state(tmp_path / "a")
    with pytest.raises(KeyFileError, match="key file triage.db.keys is missing"):
        open_authenticated(first, "admin", PASSWORD, **NO_WAIT)
    (tmp_path / "a" / "triage.db.keys").write_bytes(key_file_path(second).read_bytes())
    before = state(tmp_path / "a")
    with pytest.raises(Exception, match="does not belong to this database"):
        open_authenticated(first, "admin", PASSWORD, **NO_WAIT)
    assert state(tmp_path / "a") == before


def test_a_plaintext_store_is_refused_and_init_refuses_an_existing_store(tmp_path: Path) -> None:
    plain = tmp_path / "plain.db"
    open_store(plain).close()
    before = state(tmp_path)
    with pytest.raises(PlaintextStoreError, match="not encrypted"):
        open_authenticated(plain, "admin", PASSWORD, **NO_WAIT)
    assert state(tmp_path) == before
    path, _ = new_store(tmp_path)
    with pytest.raises(StoreExistsError):
        initialise_store(path, "other", "Other", PASSWORD)


def test_encrypt_existing_converts_a_plaintext_store(tmp_path: Path) -> None:
    from triage.services.store_setup import encrypt_existing

    plain = tmp_path / "old.db"
    with open_store(plain) as store:
        referral = create_referral(store, as_pwp("someone"), referral_input(1, family_name="Zyxwfamily1"))
    recovery = encrypt_existing(plain, "admin", "Admin", PASSWORD)
    assert recovery and not plain.read_bytes().startswith(SQLITE_HEADER) and b"Zyxwfamily1" not in plain.read_bytes()
    store, user = open_authenticated(plain, "admin", PASSWORD, **NO_WAIT)
    with store:
        assert verify_database(store) == []
        with store.read() as session:
            from triage.store.models import Referral

            assert session.get(Referral, referral.id) is not None


def test_password_change_rewraps_removal_unwraps_and_the_recovery_key_works(tmp_path: Path) -> None:
    path, recovery = new_store(tmp_path)
    store, admin = open_authenticated(path, "admin", PASSWORD, **NO_WAIT)
    with store:
        pwp = add_user(store, admin, "pwp1", "P", "pwp", "pwp password 1")
        change_password(store, pwp, "pwp password 1", "pwp password 2")
    with pytest.raises(AuthenticationError):
        authenticate(path, "pwp1", "pwp password 1", **NO_WAIT)
    key, user = authenticate(path, "pwp1", "pwp password 2", **NO_WAIT)
    assert user.role == "pwp" and len(key) == 32
    store, admin = open_authenticated(path, "admin", PASSWORD, **NO_WAIT)
    with store:
        remove_user(store, admin, "pwp1")
    assert "pwp1" not in json.loads(key_file_path(path).read_text())["wraps"]
    with pytest.raises(AuthenticationError):
        authenticate(path, "pwp1", "pwp password 2", **NO_WAIT)
    with pytest.raises(WrongRecoveryKey):
        recover_with_recovery_key(path, "AAAA-" + recovery[5:], "admin", "a new admin password")
    recover_with_recovery_key(path, recovery.lower().replace("-", " "), "admin", "a new admin password")
    assert authenticate(path, "admin", "a new admin password", **NO_WAIT)[1].role == "admin"


def test_backup_and_restore_of_an_encrypted_store(tmp_path: Path) -> None:
    path, _ = new_store(tmp_path)
    store, _admin = open_authenticated(path, "admin", PASSWORD, **NO_WAIT)
    key = store._key
    with store:
        create_referral(store, as_pwp("admin"), referral_input(1, family_name="Zyxwfamily1"))
        backup = backup_database(store, tmp_path / "backup.db").path
        create_referral(store, as_pwp("admin"), referral_input(2))
    content = backup.read_bytes()
    assert not content.startswith(SQLITE_HEADER) and b"Zyxwfamily1" not in content
    assert key_file_path(backup).read_bytes() == key_file_path(path).read_bytes()
    with pytest.raises(Exception):  # noqa: B017 - not readable without the key
        open_store(backup, migrate=False).engine.connect().exec_driver_sql("SELECT * FROM referral").all()
    previous = restore_database(backup, path, key=key)
    assert previous is not None and not previous.read_bytes().startswith(SQLITE_HEADER)
    with open_store(path, key=key) as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM referral").scalar_one() == 1
    # onto a new computer: the backup and its key file are all that is needed
    (tmp_path / "new").mkdir()
    restore_database(backup, tmp_path / "new" / "triage.db", key=authenticate(backup, "admin", PASSWORD, **NO_WAIT)[0])
    store, _ = open_authenticated(tmp_path / "new" / "triage.db", "admin", PASSWORD, **NO_WAIT)
    with store:
        assert verify_database(store) == []
    # a backup of another store is refused, nothing replaced
    (tmp_path / "other").mkdir()
    other, _ = new_store(tmp_path / "other")
    before = path.read_bytes()
    with pytest.raises(Exception, match="cannot be read with this store's key"):
        restore_database(other, path, key=key)
    assert path.read_bytes() == before
