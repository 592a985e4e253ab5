"""The fuzz suite's fixture store: made once, with the smallest key-derivation parameters the key file
allows (``KeyFile.unwrap`` refuses less: 8 KiB, one pass, one lane), so that a case that logs in costs
well under a millisecond rather than argon2id's designed half-second; an admin and a PWP. Each case
copies what it changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.users import CHEAP_KDF
from triage.services.login import open_authenticated
from triage.services.store_setup import initialise_store
from triage.services.users import add_user

# tests/users.py's CHEAP_KDF with the least memory argon2 and the key file take: 10,000 cases unwrap keys.
SMALLEST_KDF = {**CHEAP_KDF, "memory_cost": 8}
PASSWORDS = {"admin": "fuzz admin password", "pwp.fuzz": "fuzz pwp password"}


@dataclass(frozen=True)
class FixtureStore:
    database: Path  # an encrypted store: an admin and a PWP, no referrals
    key_document: dict[str, Any]  # its key file, parsed


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureStore]:
    database = tmp_path_factory.mktemp("fuzz-store") / "t.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("triage.store.keys.KDF_PARAMS", SMALLEST_KDF)
        initialise_store(database, "admin", "Fuzz Admin", PASSWORDS["admin"])
        store, admin = open_authenticated(database, "admin", PASSWORDS["admin"], sleep=lambda _s: None)
        with store:
            add_user(store, admin, "pwp.fuzz", "Fuzz Practitioner", "pwp", PASSWORDS["pwp.fuzz"])
    database.with_name("t.db.logins").unlink(missing_ok=True)
    yield FixtureStore(database, json.loads(database.with_name("t.db.keys").read_text(encoding="utf-8")))


@pytest.fixture(autouse=True)
def cheap_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown username is checked against the default parameters: the cheap ones here too."""
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", SMALLEST_KDF)
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
