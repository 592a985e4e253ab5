"""Accounts, login, and the audit of every access (issue 6). No Qt.

How the app and the command line open data: ``open_authenticated(database, username, password)``
returns ``(Store, User)``. It is the only path to local data: a local store is a SQLCipher file whose
key is unwrapped from the key file beside it with the user's password; a plaintext SQLite file, a
missing, altered or foreign key file all fail closed with a clear message and change nothing. A
PostgreSQL team store checks the password against ``user_account`` (TLS is enforced by the URL
resolution in ``triage.store.location``).

Failed logins on a local store: a wrong password cannot open the database, so the per-user failure
count, lockout and not-yet-audited failures are kept in ``<database>.logins`` beside it (JSON, no
patient data, no typed usernames that do not exist, never a password), written atomically, and moved
into the audit trail at the next successful login. That file is not authenticated: someone who can
edit it can also copy the key file and guess offline, which argon2id (64 MiB, 3 passes per guess) is
there to slow; the throttle and lockout stop guessing at the keyboard of the app. On PostgreSQL the
count and lockout are columns of ``user_account`` and failures are audited at once.

Neither the message nor the wait tells whether a username exists: a locked account at login reads
as a wrong password, and the delay after a failure grows with the store's recent failed logins
(whatever name they gave), not with one account's.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.services.permissions import User, require
from triage.files import atomic_write
from triage.store.audit import record_event, record_events
from triage.store.database import Store, open_store
from triage.store.errors import NotFoundError, StoreError
from triage.store.keys import (
    NOT_THIS_DATABASE,
    KeyFile,
    KeyFileError,
    WrongPassword,
    is_plaintext_sqlite,
    key_file_path,
    new_database_id,
    new_database_key,
    normalise_username,
)
from triage.store.location import resolve_database_url
from triage.store.models import AuditEvent, StoreIdentity, UserAccount
from triage.store.types import utc_now
from triage.store.vocabulary import ROLES, EntityType

WRONG = ("unknown user or wrong password (after repeated failures an account is locked for a while; "
         "an admin can unlock it sooner)")
UNKNOWN_ACTOR = "unknown user"  # a username that does not exist is never written anywhere
LOGINS_SUFFIX = ".logins"
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,100}$")
_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory defaults; parameters live in each hash


# --- errors and values -------------------------------------------------------------------------


class AuthenticationError(StoreError):
    def __init__(self) -> None:
        super().__init__(WRONG)


class AccountLocked(AuthenticationError):
    """The account is locked after repeated failures. At login it says no more than a wrong password
    would (``reveal=False``): whether a username exists is not for the person at the keyboard to learn.
    Unlocking an idle-locked window (the user is known) says until when."""

    def __init__(self, until: datetime, *, reveal: bool = False) -> None:
        self.until = until
        StoreError.__init__(self, f"this account is locked after repeated failed logins until {until:%H:%M} UTC; "
                                  "try again then, or ask an admin to unlock it" if reveal else WRONG)  # fmt: skip


class PlaintextStoreError(StoreError):
    pass


class StoreExistsError(StoreError):
    pass


class AccountError(StoreError):
    """A refused account change (a weak password, a duplicate username...): safe to show."""


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # consecutive failures that lock the account
    lockout: timedelta = timedelta(minutes=15)
    base_delay: float = 0.5  # seconds after the first failure, doubled each time...
    max_delay: float = 8.0  # ...up to this

    def delay(self, failures: int) -> float:
        return min(self.base_delay * 2 ** max(failures - 1, 0), self.max_delay)


DEFAULT_POLICY = LoginPolicy()


# --- the login-state file (local stores) -------------------------------------------------------


@dataclass
class _LoginState:
    path: Path
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)  # when logins failed lately, any name: the delay grows with it

    MAX_PENDING = 1000

    @classmethod
    def load(cls, database: Path) -> _LoginState:
        path = database.with_name(database.name + LOGINS_SUFFIX)
        state = cls(path)
        with suppress(OSError, ValueError, TypeError, AttributeError):  # unreadable: start again (it only throttles)
            data = json.loads(path.read_text(encoding="utf-8"))
            state.users = {str(k): dict(v) for k, v in dict(data.get("users", {})).items()}
            state.pending = [dict(e) for e in list(data.get("pending", []))][: cls.MAX_PENDING]
            state.recent = [str(t) for t in list(data.get("recent", []))][: cls.MAX_PENDING]
        return state

    def save(self) -> None:
        data = {"users": self.users, "pending": self.pending[: self.MAX_PENDING], "recent": self.recent}
        atomic_write(self.path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))

    def locked_until(self, name: str, now: datetime) -> datetime | None:
        text = self.users.get(name, {}).get("locked_until")
        if not text:
            return None
        with suppress(ValueError):
            until = datetime.fromisoformat(text)
            return until if until > now else None
        return None

    def add(self, event: str, name: str | None, now: datetime) -> None:
        if len(self.pending) < self.MAX_PENDING:
            self.pending.append({"event": event, "user": name, "at": now.isoformat()})

    def failed(self, now: datetime, window: timedelta) -> int:
        """Count a failed login (any name) and return how many there were within ``window``."""
        since = (now - window).isoformat()
        self.recent = [t for t in self.recent if t > since][-(self.MAX_PENDING - 1):] + [now.isoformat()]
        return len(self.recent)


# --- creating a store --------------------------------------------------------------------------


def initialise_store(database: str | Path, username: str, display_name: str, password: str) -> str | None:
    """Create a new store with its first admin. A local store is encrypted: returns the recovery key
    (show it once; it is stored nowhere in clear). A PostgreSQL store returns None. Refuses a place
    where a store already exists."""
    url = resolve_database_url(database)
    _check_new_account(username, display_name, password)
    if url.get_backend_name() != "sqlite":
        with open_store(url.render_as_string(hide_password=False)) as store:
            with store.write() as session:
                if session.scalar(select(func.count()).select_from(UserAccount)):
                    raise StoreExistsError("this database already has accounts; log in as an admin to add users")
                _add_account(session, username, display_name, "admin", password, actor=normalise_username(username))
        return None
    path = Path(str(url.database))
    keys_path = key_file_path(path)
    for existing in (path, keys_path, path.with_name(path.name + "-wal")):
        if existing.exists():
            raise StoreExistsError(f"a store already exists at {existing}; nothing was changed")
    key, database_id = new_database_key(), new_database_id()
    try:
        with open_store(path, key=key) as store:
            keys, recovery_key = KeyFile.create(key, database_id, username, password)
            with store.write() as session:
                session.add(StoreIdentity(id=1, database_id=database_id))
                _add_account(session, username, display_name, "admin", password, actor=normalise_username(username))
                record_event(session, actor=normalise_username(username), entity_type="database", entity_id="store",
                             action="create", summary="encrypted store created")  # fmt: skip
                keys.save(keys_path, key)
    except BaseException:
        for leftover in (path, keys_path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)
        raise
    return recovery_key


def encrypt_existing(database: str | Path, username: str, display_name: str, password: str) -> str:
    """One-off: copy a plaintext store (made before accounts) into a new encrypted one at the same
    path, keeping the plaintext as ``<name>.plaintext-backup`` for the admin to shred once checked.
    Creates the first admin; returns the recovery key."""
    import sqlcipher3.dbapi2 as sqlcipher

    from triage.store.keys import sqlcipher_key

    path = Path(str(resolve_database_url(database).database))
    if not is_plaintext_sqlite(path):
        raise StoreError("there is no plaintext SQLite store at this path to encrypt")
    if key_file_path(path).exists():
        raise StoreExistsError("a key file already exists beside this database; nothing was changed")
    _check_new_account(username, display_name, password)
    open_store(path).close()  # brings it up to date (and checkpoints its WAL on close)
    staged = path.with_name(path.name + ".encrypting")
    staged.unlink(missing_ok=True)
    key, database_id = new_database_key(), new_database_id()
    connection = sqlcipher.connect(str(path))
    try:
        connection.execute(f"ATTACH DATABASE ? AS encrypted KEY {sqlcipher_key(key)}", (str(staged),))
        connection.execute("SELECT sqlcipher_export('encrypted')")
        connection.execute("DETACH DATABASE encrypted")
    finally:
        connection.close()
    backup = path.with_name(path.name + ".plaintext-backup")
    path.replace(backup)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    staged.replace(path)
    with open_store(path, key=key) as store, store.write() as session:
        keys, recovery_key = KeyFile.create(key, database_id, username, password)
        session.add(StoreIdentity(id=1, database_id=database_id))
        _add_account(session, username, display_name, "admin", password, actor=normalise_username(username))
        record_event(session, actor=normalise_username(username), entity_type="database", entity_id="store",
                     action="update", summary="plaintext store encrypted")  # fmt: skip
        keys.save(key_file_path(path), key)
    return recovery_key


def _check_new_account(username: str, display_name: str, password: str) -> None:
    if not _USERNAME.match(username.strip()):
        raise AccountError("a username is 1 to 100 characters without spaces or control characters")
    if not display_name.strip() or len(display_name) > 200 or re.search(r"[\x00-\x1f\x7f]", display_name):
        raise AccountError("a display name is 1 to 200 characters without control characters")
    _check_password(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password must be at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise AccountError("a password must be at most 1024 characters")


def _add_account(session: Session, username: str, display_name: str, role: str, password: str, *, actor: str) -> None:
    name = normalise_username(username)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if session.scalar(select(UserAccount).where(UserAccount.username == name)) is not None:
        raise AccountError("that username is taken (a removed user's name is not reused)")
    session.add(UserAccount(username=name, display_name=display_name.strip(), role=role,
                            password_hash=_hasher.hash(password), failed_logins=0))  # fmt: skip
    session.flush()
    record_event(session, actor=actor, entity_type="user_account", entity_id=name, action="create",
                 summary=f"user added with role {role}")  # fmt: skip


# --- logging in --------------------------------------------------------------------------------


def open_authenticated(
    database: str | Path | None,
    username: str,
    password: str,
    *,
    policy: LoginPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
    migrate: bool = True,
) -> tuple[Store, User]:
    """Log in and open the store: THE way the app and the command line open data. Raises
    ``AuthenticationError`` ("unknown user or wrong password"), ``AccountLocked``, ``KeyFileError``,
    ``PlaintextStoreError`` or another ``StoreError``, each with a message safe to show."""
    url = resolve_database_url(database)
    if url.get_backend_name() == "sqlite":
        return _login_local(Path(str(url.database)), username, password, policy, sleep, migrate)
    return _login_server(url.render_as_string(hide_password=False), username, password, policy, sleep, migrate)


def authenticate(
    database: str | Path, username: str, password: str, *, policy: LoginPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bytes, User]:  # fmt: skip
    """The local store's key and the user, for a caller that opens the store itself
    (``open_store(path, key=key)``). Prefer ``open_authenticated``."""
    store, user = _login_local(Path(database), username, password, policy, sleep, True)
    key = store._key
    store.close()
    assert key is not None
    return key, user


def _login_local(path: Path, username: str, password: str, policy: LoginPolicy,
                 sleep: Callable[[float], None], migrate: bool) -> tuple[Store, User]:  # fmt: skip
    path = path.expanduser().absolute()
    if not path.is_file():
        raise NotFoundError(f"there is no store at {path}; create one with `triage init`")
    if is_plaintext_sqlite(path):
        raise PlaintextStoreError(
            f"the database at {path} is not encrypted and is refused: patient data must not sit in plain files. "
            "An admin can encrypt it once with `triage init --encrypt-existing`."
        )
    keys = KeyFile.load(key_file_path(path))
    state = _LoginState.load(path)
    name, now = normalise_username(username), utc_now()
    until = state.locked_until(name, now)
    if until is not None:
        state.add("login_failed", name, now)
        recent = state.failed(now, policy.lockout)
        state.save()
        sleep(policy.delay(recent))  # as long as for a wrong password: the lock is not told apart
        raise AccountLocked(until)
    try:
        key = keys.unwrap(name, password)
    except WrongPassword:
        recent = _local_failure(state, name if keys.has_user(name) else None, now, policy)
        sleep(policy.delay(recent))  # grows with the store's recent failures, the same for any name
        raise AuthenticationError() from None
    store = open_store(path, key=key, migrate=migrate)
    try:
        with store.write() as session:
            identity = session.get(StoreIdentity, 1)
            if identity is None or identity.database_id != keys.database_id:
                raise KeyFileError(NOT_THIS_DATABASE)
            account = session.scalar(select(UserAccount).where(UserAccount.username == name))
            if account is None or account.disabled_at is not None:
                raise AuthenticationError()
            _flush_pending(session, state)
            record_event(session, actor=name, entity_type="user_account", entity_id=name, action="login",
                         summary="logged in")  # fmt: skip
            user = User(account.username, account.display_name, account.role)
        state.pending, state.recent = [], []
        state.users.pop(name, None)
        state.save()
    except BaseException:
        store.close()
        raise
    return store, user


def _local_failure(state: _LoginState, name: str | None, now: datetime, policy: LoginPolicy) -> int:
    """Record a failed login (and lock a known account after too many); returns the store's recent failures."""
    state.add("login_failed", name, now)
    recent = state.failed(now, policy.lockout)
    if name is not None:
        entry = state.users.setdefault(name, {"failures": 0})
        entry["failures"] = int(entry.get("failures", 0)) + 1
        if entry["failures"] >= policy.max_failures:
            entry["locked_until"] = (now + policy.lockout).isoformat()
            entry["failures"] = 0
            state.add("account_locked", name, now)
    state.save()
    return recent


def _flush_pending(session: Session, state: _LoginState) -> None:
    events: list[tuple[str, EntityType, str, Any, str]] = []
    for entry in state.pending:
        event = entry.get("event")
        if event not in ("login_failed", "account_locked"):
            continue
        user = entry.get("user")
        actor = user if isinstance(user, str) and _USERNAME.match(user) else UNKNOWN_ACTOR
        when = str(entry.get("at", ""))[:32]
        summary = (f"failed login at {when}" if event == "login_failed"
                   else f"account locked after repeated failed logins at {when}")  # fmt: skip
        events.append((actor, "user_account", actor, event, summary))
    record_events(session, events)


def _login_server(url: str, username: str, password: str, policy: LoginPolicy,
                  sleep: Callable[[float], None], migrate: bool) -> tuple[Store, User]:  # fmt: skip
    store = open_store(url, migrate=migrate)
    name, now = normalise_username(username), utc_now()
    try:
        failures = 0
        with store.write() as session:
            account = session.scalar(select(UserAccount).where(UserAccount.username == name))
            if account is not None and account.locked_until is not None and account.locked_until > now:
                record_event(session, actor=name, entity_type="user_account", entity_id=name, action="login_failed",
                             summary="failed login (account locked)")  # fmt: skip
                until = account.locked_until
            else:
                until = None
                if account is None or account.disabled_at is not None:
                    _verify_hash(_DUMMY_HASH, password)  # the same time for an unknown user
                    ok = False
                else:
                    ok = _verify_hash(account.password_hash, password)
                if ok:
                    assert account is not None
                    account.failed_logins, account.locked_until = 0, None
                    record_event(session, actor=name, entity_type="user_account", entity_id=name, action="login",
                                 summary="logged in")  # fmt: skip
                    user = User(account.username, account.display_name, account.role)
                else:
                    actor = name if account is not None else UNKNOWN_ACTOR
                    record_event(session, actor=actor, entity_type="user_account", entity_id=actor,
                                 action="login_failed", summary="failed login")  # fmt: skip
                    if account is not None:
                        account.failed_logins += 1
                        failures = account.failed_logins
                        if account.failed_logins >= policy.max_failures:
                            account.failed_logins, account.locked_until = 0, now + policy.lockout
                            record_event(session, actor=name, entity_type="user_account", entity_id=name,
                                         action="account_locked", summary="account locked after repeated failed logins")  # fmt: skip
                    else:
                        failures = 1
        if until is not None or failures:
            sleep(policy.delay(_recent_failures(store, now, policy)))  # the same for any name, locked or not
            raise AccountLocked(until) if until is not None else AuthenticationError()
    except BaseException:
        store.close()
        raise
    return store, user


def _recent_failures(store: Store, now: datetime, policy: LoginPolicy) -> int:
    """Failed logins on the team store within the lockout window, whoever they named."""
    with store.read() as session:
        query = select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login_failed", AuditEvent.occurred_at > now - policy.lockout)
        return int(session.scalar(query) or 1)


_DUMMY_HASH = _hasher.hash("not a password of anyone's")


def _verify_hash(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_password(store: Store, user: User, password: str) -> bool:
    """Is ``password`` this user's? (The key file on a local store, the hash on a server.)"""
    if store.encrypted:
        try:
            return KeyFile.load(_key_path(store)).unwrap(user.username, password) == store._key
        except WrongPassword:
            return False
    with store.read() as session:
        account = session.scalar(select(UserAccount).where(UserAccount.username == user.username))
        return account is not None and account.disabled_at is None and _verify_hash(account.password_hash, password)


def _key_path(store: Store) -> Path:
    return key_file_path(Path(str(store.url.database)))


# --- the idle lock (the UI hides everything, keeps the draft, then calls these) ----------------


def lock_session(store: Store, user: User, *, reason: str = "idle") -> None:
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="user_account", entity_id=user.username,
                     action="lock", summary=f"session locked ({reason[:40]})")  # fmt: skip


def unlock_session(store: Store, user: User, password: str, *, policy: LoginPolicy = DEFAULT_POLICY,
                   sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
    """Unlock with the password, or raise ``AuthenticationError`` (audited; the failures count towards
    the lockout as at login; a locked account must log in again after the lockout)."""
    now = utc_now()
    if store.encrypted:
        state = _LoginState.load(Path(str(store.url.database)))
        until = state.locked_until(user.username, now)
        if until is not None:
            raise AccountLocked(until, reveal=True)
        if not verify_password(store, user, password):
            entry = state.users.setdefault(user.username, {"failures": 0})
            entry["failures"] = int(entry.get("failures", 0)) + 1
            locked = entry["failures"] >= policy.max_failures
            if locked:
                entry["failures"], entry["locked_until"] = 0, (now + policy.lockout).isoformat()
            state.save()
            with store.write() as session:
                _audit_failure(session, user.username, locked)
            sleep(policy.delay(entry.get("failures", 1) or policy.max_failures))
            raise AccountLocked(now + policy.lockout, reveal=True) if locked else AuthenticationError()
        state.users.pop(user.username, None)
        state.save()
    else:
        with store.write() as session:
            account = session.scalar(select(UserAccount).where(UserAccount.username == user.username))
            if account is None or account.disabled_at is not None:
                raise AuthenticationError()
            if account.locked_until is not None and account.locked_until > now:
                raise AccountLocked(account.locked_until, reveal=True)
        if not verify_password(store, user, password):
            with store.write() as session:
                account = session.scalar(select(UserAccount).where(UserAccount.username == user.username))
                assert account is not None
                account.failed_logins += 1
                locked = account.failed_logins >= policy.max_failures
                if locked:
                    account.failed_logins, account.locked_until = 0, now + policy.lockout
                _audit_failure(session, user.username, locked)
            sleep(policy.delay(1))
            raise AccountLocked(now + policy.lockout, reveal=True) if locked else AuthenticationError()
    with store.write() as session:
        if not store.encrypted:
            account = session.scalar(select(UserAccount).where(UserAccount.username == user.username))
            if account is not None:
                account.failed_logins = 0
        record_event(session, actor=user.username, entity_type="user_account", entity_id=user.username,
                     action="unlock", summary="session unlocked")  # fmt: skip


def _audit_failure(session: Session, name: str, locked: bool) -> None:
    record_event(session, actor=name, entity_type="user_account", entity_id=name, action="login_failed",
                 summary="failed unlock")  # fmt: skip
    if locked:
        record_event(session, actor=name, entity_type="user_account", entity_id=name, action="account_locked",
                     summary="account locked after repeated failed logins")  # fmt: skip


def logout(store: Store, user: User) -> None:
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="user_account", entity_id=user.username,
                     action="logout", summary="logged out")  # fmt: skip


# --- managing users (admin) --------------------------------------------------------------------


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: str
    created_at: datetime
    disabled_at: datetime | None
    locked: bool


def list_users(store: Store, actor: User) -> list[UserInfo]:
    require(actor, "users", store=store)
    now = utc_now()
    state = _LoginState.load(Path(str(store.url.database))) if store.encrypted else None
    with store.read() as session:
        rows = session.scalars(select(UserAccount).order_by(UserAccount.username)).all()
        return [UserInfo(r.username, r.display_name, r.role, r.created_at, r.disabled_at,
                         (state.locked_until(r.username, now) is not None) if state
                         else (r.locked_until is not None and r.locked_until > now)) for r in rows]  # fmt: skip


def add_user(store: Store, actor: User, username: str, display_name: str, role: str, password: str) -> User:
    require(actor, "users", store=store)
    _check_new_account(username, display_name, password)
    name = normalise_username(username)
    with store.write() as session:
        _add_account(session, name, display_name, role, password, actor=actor.username)
        _rewrap(store, lambda keys, key: keys.set_user(key, name, password))
    return User(name, display_name.strip(), role)


def change_password(store: Store, user: User, old_password: str, new_password: str) -> None:
    """A user changes their own password (re-wraps the key under the new one)."""
    if not verify_password(store, user, old_password):
        raise AuthenticationError()
    _set_password(store, user.username, new_password, actor=user.username, summary="password changed by the user")


def reset_password(store: Store, actor: User, username: str, new_password: str) -> None:
    require(actor, "users", store=store)
    _set_password(store, normalise_username(username), new_password, actor=actor.username,
                  summary="password reset by an admin")  # fmt: skip


def _set_password(store: Store, name: str, password: str, *, actor: str, summary: str) -> None:
    _check_password(password)
    with store.write() as session:
        account = _active_account(session, name)
        account.password_hash = _hasher.hash(password)
        record_event(session, actor=actor, entity_type="user_account", entity_id=name, action="password_change",
                     summary=summary)  # fmt: skip
        _rewrap(store, lambda keys, key: keys.set_user(key, name, password))


def set_role(store: Store, actor: User, username: str, role: str) -> None:
    require(actor, "users", store=store)
    name = normalise_username(username)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    with store.write() as session:
        account = _active_account(session, name)
        if account.role == "admin" and role != "admin":
            _keep_an_admin(session, name)
        old, account.role = account.role, role
        record_event(session, actor=actor.username, entity_type="user_account", entity_id=name, action="update",
                     summary=f"role changed from {old} to {role}")  # fmt: skip


def remove_user(store: Store, actor: User, username: str) -> None:
    """Disable the account (kept, so the audit trail still names them) and remove their key wrap."""
    require(actor, "users", store=store)
    name = normalise_username(username)
    if name == actor.username:
        raise AccountError("you cannot remove your own account")
    with store.write() as session:
        account = _active_account(session, name)
        if account.role == "admin":
            _keep_an_admin(session, name)
        account.disabled_at = utc_now()
        record_event(session, actor=actor.username, entity_type="user_account", entity_id=name, action="delete",
                     summary="user removed (account disabled, key wrap removed)")  # fmt: skip
        _rewrap(store, lambda keys, key: keys.remove_user(name))


def unlock_account(store: Store, actor: User, username: str) -> None:
    require(actor, "users", store=store)
    name = normalise_username(username)
    with store.write() as session:
        account = _active_account(session, name)
        account.failed_logins, account.locked_until = 0, None
        record_event(session, actor=actor.username, entity_type="user_account", entity_id=name,
                     action="account_unlocked", summary="account unlocked by an admin")  # fmt: skip
        if store.encrypted:
            state = _LoginState.load(Path(str(store.url.database)))
            state.users.pop(name, None)
            state.save()


def recover_with_recovery_key(database: str | Path, recovery_key: str, username: str, new_password: str) -> None:
    """A forgotten password (the last admin's, typically): the recovery key opens the store and sets
    a new password for ``username`` (audited as done with the recovery key)."""
    _check_password(new_password)
    path = Path(str(resolve_database_url(database).database))
    keys = KeyFile.load(key_file_path(path))
    key = keys.unwrap_recovery(recovery_key)
    with open_store(path, key=key) as store:
        with store.read() as session:
            identity = session.get(StoreIdentity, 1)
            if identity is None or identity.database_id != keys.database_id:
                raise KeyFileError(NOT_THIS_DATABASE)
        _set_password(store, normalise_username(username), new_password, actor="recovery key",
                      summary="password set with the recovery key")  # fmt: skip
        state = _LoginState.load(path)
        state.users.pop(normalise_username(username), None)
        state.save()


def _active_account(session: Session, name: str) -> UserAccount:
    account = session.scalar(select(UserAccount).where(UserAccount.username == name))
    if account is None or account.disabled_at is not None:
        raise NotFoundError("there is no such user")
    return account


def _keep_an_admin(session: Session, name: str) -> None:
    others = session.scalar(select(func.count()).select_from(UserAccount).where(
        UserAccount.role == "admin", UserAccount.disabled_at.is_(None), UserAccount.username != name))  # fmt: skip
    if not others:
        raise AccountError("the last admin cannot be removed or demoted; add another admin first")


def _rewrap(store: Store, change: Callable[[KeyFile, bytes], None]) -> None:
    """Change the key file (called inside the write transaction: if saving fails, the change rolls back)."""
    if not store.encrypted:
        return
    path = _key_path(store)
    keys = KeyFile.load(path)
    assert store._key is not None
    keys.verify_mac(store._key)
    change(keys, store._key)
    keys.save(path, store._key)


# --- the audit trail for the admin viewer ------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    summary: str


def _audit_query(actor: str | None, action: str | None, entity_type: str | None,
                 since: datetime | None, until: datetime | None) -> Any:  # fmt: skip
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    return query


def audit_events(
    store: Store, user: User, *, actor: str | None = None, action: str | None = None,
    entity_type: str | None = None, since: datetime | None = None, until: datetime | None = None,
    limit: int = 100, offset: int = 0,
) -> tuple[list[AuditRow], int]:  # fmt: skip
    """One page of the trail, newest first, and the total matching; ``audit_view`` only; audited."""
    require(user, "audit_view", store=store)
    query = _audit_query(actor, action, entity_type, since, until)
    with store.write() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        events = session.scalars(query.order_by(AuditEvent.id.desc()).limit(max(1, min(limit, 10_000)))
                                 .offset(max(0, offset))).all()  # fmt: skip
        rows = [_row(e) for e in events]
        record_event(session, actor=user.username, entity_type="audit_trail", entity_id="*", action="view",
                     summary=f"viewed {len(rows)} of {total} audit events")  # fmt: skip
    return rows, int(total)


def export_audit_csv(
    store: Store, user: User, stream: TextIO, *, actor: str | None = None, action: str | None = None,
    entity_type: str | None = None, since: datetime | None = None, until: datetime | None = None,
) -> int:  # fmt: skip
    """The filtered trail as CSV (oldest first); ``audit_view`` only; the export is audited."""
    require(user, "audit_view", store=store)
    writer = csv.writer(stream)
    writer.writerow(["id", "occurred_at", "actor", "action", "entity_type", "entity_id", "summary"])
    count = 0
    with store.read() as session:
        for event in session.scalars(_audit_query(actor, action, entity_type, since, until).order_by(AuditEvent.id)):
            r = _row(event)
            writer.writerow([r.id, r.occurred_at.isoformat(), *(_cell(v) for v in (r.actor, r.action, r.entity_type,
                             r.entity_id, r.summary))])  # fmt: skip
            count += 1
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="audit_trail", entity_id="*", action="export",
                     summary=f"exported {count} audit events (csv)")  # fmt: skip
    return count


def _cell(value: str) -> str:
    # a cell a spreadsheet would run as a formula is quoted with a leading apostrophe
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _row(event: AuditEvent) -> AuditRow:
    return AuditRow(event.id, event.occurred_at, event.actor, event.action, event.entity_type, event.entity_id,
                    event.summary)  # fmt: skip


__all__ = [
    "DEFAULT_POLICY", "AccountError", "AccountLocked", "AuditRow", "AuthenticationError", "LoginPolicy",
    "PlaintextStoreError", "StoreExistsError", "User", "UserInfo", "add_user", "audit_events",
    "authenticate", "change_password", "encrypt_existing", "export_audit_csv", "initialise_store", "list_users",
    "lock_session", "logout", "open_authenticated", "recover_with_recovery_key", "remove_user", "reset_password", "set_role", "unlock_account",
    "unlock_session", "verify_password",
]  # fmt: skip
