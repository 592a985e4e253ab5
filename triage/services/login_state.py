"""The failed-login record of a local store, ``<database>.logins`` (issues 6 and 13). No Qt.

A wrong password cannot open the database, so the per-user failure count, lockout and the failed
logins not yet in the audit trail are kept in this file beside it (JSON, no patient data, no typed
usernames that do not exist, never a password), written atomically, and moved into the audit trail at
the next successful login.

Every read-modify-write of it happens under the store's ``logins`` file lock (``updating``), so
parallel guesses from many processes are each counted, lock the account after the designed number,
and are each audited. The file is read through a strict model: anything else in it (too big, too
deep, a wrong type, an unknown field) is "unreadable", which fails safe: it counts as recent failed
logins (the delay after the next failure is long), is logged without identifiers, is audited at the
next login as a failed-login record that could not be read, and is replaced at the next save.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from triage.files import atomic_write
from triage.store.locks import logins
from triage.store.types import utc_now

log = logging.getLogger(__name__)

LOGINS_SUFFIX = ".logins"
MAX_PENDING = 1000
MAX_USERS = 10_000
MAX_BYTES = 2 * 1024 * 1024  # far above what MAX_PENDING events and MAX_USERS accounts take
UNREADABLE_AS = 4  # recent failures an unreadable file counts as: the next failure waits the longest
UNREADABLE = "record_unreadable"  # the pending event an unreadable file leaves for the audit trail

Username = Annotated[str, StringConstraints(pattern=r"^[^\s\x00-\x1f\x7f]{1,100}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class _Account(_Strict):
    failures: int = Field(default=0, ge=0, le=1_000_000)
    locked_until: AwareDatetime | None = None


class _Event(_Strict):
    event: Literal["login_failed", "account_locked", "record_unreadable"]
    user: Username | None
    at: AwareDatetime


class _LoginsFile(_Strict):
    users: dict[Username, _Account] = Field(default_factory=dict, max_length=MAX_USERS)
    pending: list[_Event] = Field(default_factory=list, max_length=MAX_PENDING)
    recent: list[AwareDatetime] = Field(default_factory=list, max_length=MAX_PENDING)


@dataclass
class LoginState:
    """The ``<database>.logins`` file of a local store: failure counts and lockouts per known user, the
    failed logins not yet in the audit trail, and when logins failed lately (for the delay)."""

    path: Path
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)  # when logins failed lately, any name: the delay grows with it

    MAX_PENDING = MAX_PENDING

    @classmethod
    def load(cls, database: Path) -> LoginState:
        """Read the file (a missing one is an empty record). Take it under ``updating`` to change it."""
        path = database.with_name(database.name + LOGINS_SUFFIX)
        state = cls(path)
        try:
            with path.open("rb") as file:
                text = file.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return state
        except OSError as exc:
            return state._unreadable(f"cannot be read ({type(exc).__name__})")
        if len(text) > MAX_BYTES:
            return state._unreadable("is too large")
        try:
            data = _LoginsFile.model_validate_json(text)
        except ValidationError as exc:  # its message may quote the file: only the count is logged
            return state._unreadable(f"is not a valid record ({exc.error_count()} problems)")
        state.users = {name: {"failures": account.failures}
                       | ({"locked_until": account.locked_until.isoformat()} if account.locked_until else {})
                       for name, account in data.users.items()}  # fmt: skip
        state.pending = [{"event": e.event, "user": e.user, "at": e.at.isoformat()} for e in data.pending]
        state.recent = [when.isoformat() for when in data.recent]
        return state

    def _unreadable(self, why: str) -> LoginState:
        log.warning("the failed-login record beside a local store %s; counted as recent failed logins", why)
        now = utc_now().isoformat()
        self.recent = [now] * UNREADABLE_AS
        self.pending = [{"event": UNREADABLE, "user": None, "at": now}]
        return self

    def save(self) -> None:
        data = {"users": self.users, "pending": self.pending[:MAX_PENDING], "recent": self.recent[-MAX_PENDING:]}
        atomic_write(self.path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))

    def locked_until(self, name: str, now: datetime) -> datetime | None:
        text = self.users.get(name, {}).get("locked_until")
        if not isinstance(text, str):
            return None
        until = datetime.fromisoformat(text)
        return until if until > now else None

    def add(self, event: str, name: str | None, now: datetime) -> None:
        if len(self.pending) < MAX_PENDING:
            self.pending.append({"event": event, "user": name, "at": now.isoformat()})

    def failed(self, now: datetime, window: timedelta) -> int:
        """Count a failed login (any name) and return how many there were within ``window``."""
        self.recent = [t for t in self.recent if datetime.fromisoformat(t) > now - window][-(MAX_PENDING - 1) :]
        self.recent.append(now.isoformat())
        return len(self.recent)


@contextmanager
def updating(database: Path) -> Iterator[LoginState]:
    """The store's login record, read under its lock; the caller saves what it changes before the
    block ends, and no other process reads or writes the record meanwhile."""
    with logins(database):
        yield LoginState.load(database)


def forget_user(database: Path, name: str) -> None:
    """Clear one account's failure count and lockout (an admin's unlock, a password reset)."""
    with updating(database) as state:
        state.users.pop(name, None)
        state.save()
