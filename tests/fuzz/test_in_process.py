"""Issue 13's fuzz run, in this process: every command's input at its parsing and validation layer,
10,000 cases each in CI (HYPOTHESIS_PROFILE=ci; 300 on a developer's machine). For each, only the
layer's documented error escapes, never another exception, and no message (nor log line) repeats an
identifier the input held. The inputs: tests/fuzz/hostile.py."""

from __future__ import annotations

import json
import logging
import random
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import PASSWORDS, FixtureStore
from tests.fuzz.hostile import (
    Hostile,
    database_argument,
    fuzzed,
    import_csv,
    import_json,
    key_file,
    letter_input,
    logins_content,
    route_input,
    snippet,
)
from tests.letters.cases import BASE
from tests.test_cli_input import in_process
from triage.cli.common import InputError, read_json
from triage.letters.command import parse_letter_input
from triage.letters.particulars import LetterInputError
from triage.services.login_state import LoginState
from triage.services.transfer import TransferError, read_records, validate_records
from triage.store.errors import StoreError, StoreLocationError
from triage.store.keys import KeyFile, KeyFileError, WrongPassword, WrongRecoveryKey
from triage.store.location import local_store_path, resolve_database_url
from triage.store.types import utc_now

SEEDS = st.integers(0, 2**64 - 1)


def clean(case: Hostile, *messages: str) -> None:
    assert not any("Traceback" in m for m in messages), messages
    assert case.leaked(*messages) == [], messages


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


@fuzzed
@given(seed=SEEDS)
def test_route_input(seed: int) -> None:
    rng = random.Random(seed)
    case = route_input(rng, snippet(rng))
    code, out, err = in_process("route", stdin=case.value)
    assert code in (0, 2) and all(line.startswith("error: ") for line in err.splitlines()), err
    # The messages: standard error, and an array's per-screening errors. A routed screening's result repeats
    # the ratings it was given (a count of previous interventions of 9990000018 is one, reported in issue 13).
    results = json.loads(out) if out else []
    clean(case, err, *(json.dumps(r["error"]) for r in results if isinstance(results, list) and "error" in r))


@fuzzed
@given(seed=SEEDS)
def test_letter_input(seed: int, folder: Path) -> None:
    rng = random.Random(seed)
    case = letter_input(rng, snippet(rng), BASE)
    source = folder / "in.json"
    source.write_bytes(case.value)
    try:
        parse_letter_input(read_json(str(source), private=True))
    except InputError as exc:
        clean(case, str(exc))
    except LetterInputError as exc:
        assert exc.problems
        clean(case, *exc.problems)


def _import(case: Hostile, fmt: Any) -> None:
    try:
        records = list(read_records(case.value, fmt))
    except TransferError as exc:
        clean(case, str(exc))
        return
    valid, problems = validate_records(records)
    assert {number for number, _ in problems}.isdisjoint(number for number, _ in valid)
    clean(case, *(problem for _, problem in problems))


@fuzzed
@given(seed=SEEDS)
def test_referrals_import_json(seed: int) -> None:
    rng = random.Random(seed)
    _import(import_json(rng, snippet(rng)), rng.choice(["json", None]))  # None: told apart by its first character


@fuzzed
@given(seed=SEEDS)
def test_referrals_import_csv(seed: int) -> None:
    rng = random.Random(seed)
    _import(import_csv(rng, snippet(rng)), rng.choice(["csv", None]))


@fuzzed
@given(seed=SEEDS)
def test_database_argument(seed: int, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", str(folder / "default.db"))  # "" falls back to it, not the user's
    rng = random.Random(seed)
    case = database_argument(rng, snippet(rng), str(folder))
    for resolve in (resolve_database_url, local_store_path):
        try:
            resolve(case.value)
        except StoreLocationError as exc:
            clean(case, str(exc))
    assert sorted(p.name for p in folder.iterdir()) == []  # a location is named, never made


class Recorded(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def unsynced_saves(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a case writes back is read back; whether it would survive a power cut is not this test's
    (two fsyncs a save made it the slowest case by far; tests/store/test_login_record.py saves for real)."""
    monkeypatch.setattr("triage.services.login_state.atomic_write", lambda path, data: path.write_bytes(data))


@fuzzed
@given(seed=SEEDS)
def test_logins_contents(seed: int, folder: Path, unsynced_saves: None) -> None:
    rng = random.Random(seed)
    case = logins_content(rng, snippet(rng))
    database = folder / "t.db"
    database.with_name("t.db.logins").write_bytes(case.value)
    log = logging.getLogger("triage.services.login_state")
    recorded = Recorded()
    log.addHandler(recorded)
    try:
        state = LoginState.load(database)  # never raises: anything unreadable fails safe
        now = utc_now()
        for name in (*state.users, "admin", case.identifiers[2]):
            state.locked_until(name, now)
        state.add("login_failed", None, now)
        assert state.failed(now, timedelta(minutes=15)) >= 1
        state.save()
        recorded.lines.append("-- saved --")
        LoginState.load(database)  # what was written back is a sound record
    finally:
        log.removeHandler(recorded)
    assert recorded.lines[-1] == "-- saved --", recorded.lines  # no warning after the rewrite
    clean(case, *recorded.lines)


@fuzzed
@given(seed=SEEDS)
def test_key_file_contents(seed: int, folder: Path, fixture_store: FixtureStore) -> None:
    rng = random.Random(seed)
    case = key_file(rng, snippet(rng), fixture_store.key_document)
    path = folder / "t.db.keys"
    path.write_bytes(case.value)
    messages = []
    try:
        keys = KeyFile.load(path)
        for username in ("admin", case.identifiers[3]):
            try:
                assert len(keys.unwrap(username, PASSWORDS["admin"])) == 32
            except (KeyFileError, WrongPassword) as exc:
                messages.append(str(exc))
        keys.unwrap_recovery(random.Random(seed).choice(["AAAA-BBBB", "", case.identifiers[0], "2" * 52]))
    except (KeyFileError, WrongRecoveryKey) as exc:
        messages.append(str(exc))
    except StoreError as exc:  # pragma: no cover - the failure names what else escaped
        pytest.fail(f"{type(exc).__name__} escaped: {exc}")
    clean(case, *messages)


def test_the_fixture_key_file_opens_with_its_password(folder: Path, fixture_store: FixtureStore) -> None:
    """The key-file cases start from a file that works: what they break is what they change."""
    shutil.copyfile(fixture_store.database.with_name("t.db.keys"), folder / "t.db.keys")
    assert len(KeyFile.load(folder / "t.db.keys").unwrap("admin", PASSWORDS["admin"])) == 32
