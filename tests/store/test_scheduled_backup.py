"""Scheduled backups at close (issue 13 item 11): when one is due, what it leaves, what is kept of
its outcome, and what happens when it cannot be made. Service level; the scenario that types the
schedule into Settings and closes the window is tests/scenarios/test_scheduled_backup.py."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.store.conftest import _fresh_postgres_database, referral_input
from tests.users import as_pwp
from triage.services import create_referral
from triage.services.scheduled_backup import at_close, describe, load_state, scheduled_backups
from triage.settings import BackupSchedule, ComputerSettings
from triage.store import Store, open_store, verify_database
from triage.store.audit import events_for

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PWP = as_pwp("pwp")


@pytest.fixture
def live(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "triage.db")
    create_referral(store, PWP, referral_input(1))
    yield store
    store.close()


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.json"


def closes(store: Store, schedule: BackupSchedule, settings_file: Path, times: list[datetime]) -> list[bool | None]:
    """Close at each time; what each close did (None: no backup due, else whether it was made)."""
    done = []
    for now in times:
        outcome = at_close(store, PWP, schedule, settings_file=settings_file, now=now)
        done.append(None if outcome is None else outcome.ok)
    return done


def test_every_third_close_makes_a_verified_backup(live: Store, tmp_path: Path, settings_file: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    schedule = BackupSchedule(when="closes", every_closes=3, folder=str(folder))
    times = [START + timedelta(minutes=i) for i in range(7)]
    assert closes(live, schedule, settings_file, times) == [None, None, True, None, None, True, None]
    made = scheduled_backups(folder, "triage")
    assert [p.name for p in made] == ["triage-20261201T090200Z.db", "triage-20261201T090500Z.db"]
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in made]  # nothing partial
    with open_store(made[-1], migrate=False, hold=False) as copy:
        assert verify_database(copy) == []
    state = load_state(settings_file)
    assert state.closes == 1 and state.last_success == times[5]
    assert describe(state).endswith(f"made and verified: {made[-1]}.")
    with live.read() as session:  # audited under the name of whoever closed
        assert [(e.actor, e.summary) for e in events_for(session, "database", "backup")] == [
            ("pwp", "scheduled backup made")] * 2  # fmt: skip


def test_daily_is_the_first_close_a_day_after_the_last_success(
    live: Store, tmp_path: Path, settings_file: Path
) -> None:
    schedule = BackupSchedule(when="daily", folder=str(tmp_path))
    times = [START, START + timedelta(hours=23, minutes=59), START + timedelta(hours=24), START + timedelta(hours=30)]
    assert closes(live, schedule, settings_file, times) == [True, None, True, None]


def test_a_folder_not_there_fails_says_why_and_is_tried_again_at_the_next_close(
    live: Store, tmp_path: Path, settings_file: Path
) -> None:
    folder = tmp_path / "usb stick"
    schedule = BackupSchedule(when="closes", every_closes=1, folder=str(folder))
    assert closes(live, schedule, settings_file, [START]) == [False]
    state = load_state(settings_file)
    assert (
        state.last is not None
        and state.last.detail == f"there is no folder {folder} on this computer (is its drive connected?)"
    )
    assert describe(state).endswith("FAILED: " + state.last.detail + ".")
    folder.mkdir()
    assert closes(live, schedule, settings_file, [START + timedelta(minutes=1)]) == [True]


def test_a_backup_that_fails_is_the_outcome_and_leaves_nothing(
    live: Store, tmp_path: Path, settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import triage.store.backup as backup

    def full(source: Path, destination: Path, key: bytes | None = None) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "_copy", full)
    folder = tmp_path / "out"
    folder.mkdir()
    schedule = BackupSchedule(when="daily", folder=str(folder))
    assert closes(live, schedule, settings_file, [START]) == [False]
    last = load_state(settings_file).last
    assert last is not None and "the disk is full" in last.detail and list(folder.iterdir()) == []
    assert load_state(settings_file).last_success is None  # so the next close tries again


def test_only_the_newest_are_kept_and_off_does_nothing(live: Store, tmp_path: Path, settings_file: Path) -> None:
    schedule = BackupSchedule(when="closes", every_closes=1, folder=str(tmp_path / "out"), keep=2)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.db").write_text("not ours")
    closes(live, schedule, settings_file, [START + timedelta(minutes=i) for i in range(4)])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "notes.db", "triage-20261201T090200Z.db", "triage-20261201T090300Z.db"]  # fmt: skip
    assert at_close(live, PWP, BackupSchedule(), settings_file=settings_file, now=START) is None
    assert load_state(settings_file).closes == 0  # off: not even counted


def test_a_schedule_needs_a_whole_folder_path() -> None:
    for given, message in (({"when": "daily"}, "choose the folder the scheduled backups go to"),
                           ({"when": "daily", "folder": "backups"}, "give the whole path of the folder")):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            ComputerSettings.model_validate({"scheduled_backup": given})
        (error,) = caught.value.errors()
        assert error["loc"] == ("scheduled_backup", "folder") and error["msg"].startswith(message)


def test_a_postgresql_store_is_not_backed_up_from_here(postgres_server: str, tmp_path: Path) -> None:
    with _fresh_postgres_database(postgres_server) as url, open_store(url) as store:
        outcome = at_close(store, PWP, BackupSchedule(when="daily", folder=str(tmp_path)),
                           settings_file=tmp_path / "settings.json", now=START)  # fmt: skip
    assert outcome is not None and not outcome.ok and "pg_dump" in outcome.detail
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scheduled-backup.json"]


def test_a_store_with_a_problem_is_still_backed_up_at_close_and_settings_says_so(
    live: Store, tmp_path: Path, settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, a store whose checks found a problem failed its scheduled backup at every close."""
    import triage.store.backup as backup

    found = ["audit event 2: the chain is broken (its hash does not follow from the event before)"]
    monkeypatch.setattr(backup, "verify_database", lambda store, older_schema_ok=False: list(found))
    folder = tmp_path / "out"
    folder.mkdir()
    assert closes(live, BackupSchedule(when="daily", folder=str(folder)), settings_file, [START]) == [True]
    (made,) = scheduled_backups(folder, "triage")
    state = load_state(settings_file)
    assert state.last_success == START and state.last is not None
    assert state.last.detail == (f"made: {made}, a copy of the store with the problem its own checks already find "
                                 "(an admin's `triage db verify` lists them)")  # fmt: skip
    with live.read() as session:
        assert [e.summary for e in events_for(session, "database", "backup")] == [
            "scheduled backup made, carrying the problem its store's own checks already find (db verify lists them)"]  # fmt: skip
