"""Scheduled backups (issue 13 item 11): made as triage closes, into the folder an admin chose in
Settings, through the one backup path (``maintenance.scheduled_back_up``: the store's online backup
API, verified, audited, never a half file under a backup's name).

When: ``BackupSchedule.when`` (``triage.settings``): off; on every Nth close (a close is the end of a
session: Quit, closing the window, Log out, Switch user); or daily, on the first close 24 hours or
more after the last backup that succeeded. A failed one is tried again at the next close.

What happened last is kept on this computer beside the settings file, in ``scheduled-backup.json``
(``BackupState``): the close count, the time of the last success and the last outcome (its time, made
or failed, and the file made or why not), shown in Settings. Not in the settings file itself: that is
an admin's, audited when it changes, and this is written by every close, whoever closes. The outcome
holds a file name made of the store's name and a time, or a store message; never patient data.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from triage.files import atomic_write
from triage.services.maintenance import scheduled_back_up
from triage.services.permissions import User
from triage.settings import BackupSchedule, settings_path
from triage.store.backup import carried_in_words
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.store.keys import key_file_path

log = logging.getLogger(__name__)

STATE_FILE = "scheduled-backup.json"
DAY = timedelta(hours=24)


class BackupOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    ok: bool
    detail: str  # the backup made, or why none was


class BackupState(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    closes: int = 0  # closes since the last scheduled backup that succeeded
    last_success: datetime | None = None
    last: BackupOutcome | None = None


def state_path(settings_file: Path | None = None) -> Path:
    return (settings_file or settings_path()).with_name(STATE_FILE)


def load_state(settings_file: Path | None = None) -> BackupState:
    """What happened last; a missing or unreadable file is a fresh start (the next close decides)."""
    try:
        return BackupState.model_validate(json.loads(state_path(settings_file).read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return BackupState()


def save_state(state: BackupState, settings_file: Path | None = None) -> None:
    path = state_path(settings_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, state.model_dump_json(indent=2).encode("utf-8"))


def is_due(schedule: BackupSchedule, state: BackupState, now: datetime) -> bool:
    """Whether this close (counted in ``state.closes``) makes a backup."""
    if schedule.when == "closes":
        return state.closes >= schedule.every_closes
    if schedule.when == "daily":
        return state.last_success is None or now - state.last_success >= DAY
    return False


def folder_problems(schedule: BackupSchedule) -> list[str]:
    """What is wrong with the chosen folder on this computer, naming the field (for Settings)."""
    if schedule.when == "off" or not schedule.folder:
        return []
    folder = Path(schedule.folder).expanduser()
    if not folder.is_dir():
        return [f"scheduled_backup.folder: there is no folder {folder} on this computer"]
    return []


def at_close(store: Store, user: User, schedule: BackupSchedule, *, settings_file: Path | None = None,
             now: datetime | None = None) -> BackupOutcome | None:  # fmt: skip
    """As a session closes, before its store does: count the close and, when one is due, make the
    backup and keep its outcome. Returns the outcome (None when none was due). Never raises for a
    backup that could not be made: that is the outcome, kept for Settings and logged."""
    if schedule.when == "off":
        return None
    now = now or datetime.now(UTC)
    state = load_state(settings_file)
    state = state.model_copy(update={"closes": state.closes + 1})
    outcome = _back_up(store, user, schedule, now) if is_due(schedule, state, now) else None
    if outcome is not None and outcome.ok:
        state = BackupState(closes=0, last_success=now, last=outcome)
    elif outcome is not None:
        state = state.model_copy(update={"last": outcome})
    try:
        save_state(state, settings_file)
    except OSError as exc:
        log.warning("the scheduled backup's outcome could not be kept (%s)", type(exc).__name__)
    return outcome


def _back_up(store: Store, user: User, schedule: BackupSchedule, now: datetime) -> BackupOutcome:
    if store.dialect != "sqlite" or not store.url.database:
        why = "a PostgreSQL store is backed up on its server (pg_dump); no backup was made here"
        return _failed(now, why)
    problems = folder_problems(schedule)
    if problems:
        return _failed(now, problems[0].removeprefix("scheduled_backup.folder: ") + " (is its drive connected?)")
    folder = Path(schedule.folder).expanduser()
    stem = Path(str(store.url.database)).stem
    try:
        made = scheduled_back_up(store, user, _new_name(folder, stem, now))
    except (StoreError, OSError) as exc:
        return _failed(now, str(exc) or type(exc).__name__)
    _prune(folder, stem, schedule.keep)
    if made.carried:  # made, as a copy of a store whose own checks already find problems
        log.warning("scheduled backup made, carrying %d problems of the store: %s", len(made.carried), made.path)
        detail = (f"made: {made.path}, a copy of the store with {carried_in_words(made.carried)} its own checks already find (an admin's "
                  "`triage db verify` lists them)")  # fmt: skip
        return BackupOutcome(at=now, ok=True, detail=detail)
    log.info("scheduled backup made and verified: %s", made.path)
    return BackupOutcome(at=now, ok=True, detail=f"made and verified: {made.path}")


def _failed(now: datetime, why: str) -> BackupOutcome:
    log.warning("scheduled backup not made: %s", why)
    return BackupOutcome(at=now, ok=False, detail=why)


def _new_name(folder: Path, stem: str, now: datetime) -> Path:
    """``<store name>-<UTC time>.db`` (a counter after it if taken): no patient data in a file name."""
    base = f"{stem}-{now:%Y%m%dT%H%M%SZ}"
    for counter in range(1000):
        path = folder / (f"{base}-{counter}.db" if counter else f"{base}.db")
        if not path.exists() and not key_file_path(path).exists():
            return path
    return folder / f"{base}-{now:%f}.db"


def scheduled_backups(folder: Path, stem: str) -> list[Path]:
    """The scheduled backups of the store named ``stem`` in ``folder``, oldest first."""
    pattern = re.compile(rf"{re.escape(stem)}-(\d{{8}}T\d{{6}}Z)(?:-(\d+))?\.db")
    found = []
    for path in folder.glob("*.db"):
        match = pattern.fullmatch(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.append(((match[1], int(match[2] or 0)), path))
    return [path for _, path in sorted(found)]


def _prune(folder: Path, stem: str, keep: int) -> None:
    for old in scheduled_backups(folder, stem)[:-keep]:
        old.unlink(missing_ok=True)
        key_file_path(old).unlink(missing_ok=True)


def describe(state: BackupState) -> str:
    """The last outcome, for Settings."""
    last = state.last
    if last is None:
        return "No scheduled backup has been made on this computer yet."
    when = last.at.astimezone().strftime("%d %b %Y %H:%M")
    if last.ok:
        return f"Last scheduled backup, {when}: {last.detail}."
    return f"Last scheduled backup, {when}: FAILED: {last.detail}."
