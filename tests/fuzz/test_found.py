"""What the fuzz run found, kept as plain examples: each escaped as another exception, or repeated what
was typed, before its fix."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.conftest import PASSWORDS, FixtureStore
from triage.store.errors import StoreLocationError
from triage.store.keys import ALTERED, KeyFile, KeyFileError, WrongPassword
from triage.store.location import resolve_database_url


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("time_cost", float("inf")),  # int(Infinity): OverflowError
        ("salt", "AAAA"),  # 3 bytes: argon2's HashingError, "Salt is too short"
        ("parallelism", 3),  # 8 KiB for 3 lanes: HashingError, "Memory cost is too small"
    ],
)
def test_an_altered_key_file_is_reported_as_altered(
    tmp_path: Path, fixture_store: FixtureStore, change: str, value: Any
) -> None:
    document = json.loads(json.dumps(fixture_store.key_document))
    wrap = document["wraps"]["admin"]
    wrap["kdf"]["memory_cost"] = 8
    (wrap if change == "check" else wrap["kdf"])[change] = value
    path = tmp_path / "t.db.keys"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(KeyFileError) as refused:
        KeyFile.load(path).unwrap("admin", PASSWORDS["admin"])
    assert str(refused.value) == ALTERED


def test_a_key_file_mac_of_non_ascii_text_is_reported_as_altered(tmp_path: Path, fixture_store: FixtureStore) -> None:
    path = tmp_path / "t.db.keys"
    path.write_text(json.dumps({**fixture_store.key_document, "mac": "Siobhán"}), encoding="utf-8")
    with pytest.raises(KeyFileError, match=re.escape(ALTERED)):
        KeyFile.load(path).unwrap("admin", PASSWORDS["admin"])


def test_a_key_file_with_a_number_too_long_to_read_is_reported_as_altered(tmp_path: Path) -> None:
    (tmp_path / "t.db.keys").write_text('{"format": ' + "9" * 5000 + "}", encoding="utf-8")  # int(): ValueError
    with pytest.raises(KeyFileError, match=re.escape(ALTERED)):
        KeyFile.load(tmp_path / "t.db.keys")


def test_a_wrap_check_of_non_ascii_text_is_a_wrong_password(tmp_path: Path, fixture_store: FixtureStore) -> None:
    document = json.loads(json.dumps(fixture_store.key_document))
    document["wraps"]["admin"]["check"] = "Zoë"  # compare_digest of two str refuses non-ASCII: TypeError
    path = tmp_path / "t.db.keys"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(WrongPassword):
        KeyFile.load(path).unwrap("admin", PASSWORDS["admin"])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("Quennell://db/x", "unsupported database: use a SQLite file path or postgresql+psycopg://user@host/dbname"),
        ("postgresql+psycopg2://db/x", "unsupported database driver: use a SQLite file path or "
                                       "postgresql+psycopg://user@host/dbname"),
        ("mysql://x@y/z", "unsupported database 'mysql': use a SQLite file path or postgresql+psycopg://user@host/dbname"),
        ("postgresql://db/x?sslmode=9990000018", "refusing the database connection with an sslmode libpq does not know"),
        ("postgresql://db/x?sslmode=disable", "refusing the database connection with sslmode=disable"),
    ],
)  # fmt: skip
def test_a_database_url_is_refused_without_repeating_what_was_typed(
    url: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRIAGE_ALLOW_INSECURE_DB", raising=False)
    with pytest.raises(StoreLocationError) as refused:
        resolve_database_url(url)
    assert str(refused.value).startswith(message)


def test_a_key_file_with_text_utf_8_cannot_hold_is_reported_as_altered(tmp_path: Path) -> None:
    # Found by the fuzz run once signing keys came in: a lone surrogate (JSON's "\ud800") in the
    # database id reached the wrap's associated data and escaped as UnicodeEncodeError.
    for document in ('{"format": "triage-keys/1", "database_id": "ab\\ud800", "wraps": {}, "recovery": {}, "mac": ""}',
                     '{"format": "triage-keys/1", "database_id": "ab", "wraps": {"\\udfff": {}}, "recovery": {}, '
                     '"mac": ""}'):  # fmt: skip
        path = tmp_path / "t.db.keys"
        path.write_text(document, encoding="ascii")
        with pytest.raises(KeyFileError, match="altered"):
            KeyFile.load(path).unwrap("admin", "a password")
