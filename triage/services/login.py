"""Logging in, the failed-login throttle and lockout, and the idle lock (issue 6). No Qt.

How the app and the command line open data: ``open_authenticated(database, username, password)``
returns ``(Store, User)``. It is the only path to local data: a local store is a SQLCipher file whose
key is unwrapped from the key file beside it with the user's password; a plaintext SQLite file, a
missing, altered or foreign key file all fail closed with a clear message and change nothing. A
PostgreSQL team store checks the password against ``user_account`` (TLS is enforced by the URL
resolution in ``triage.store.location``).

Logging in also takes up the user's audit-signing key (``triage.services.signing_keys``): every event
the session records is signed with it, and an admin's login countersigns the trail's head.

Failed logins on a local store: a wrong password cannot open the database, so the per-user failure
count, lockout and not-yet-audited failures are kept in ``<database>.logins`` beside it, and moved
into the audit trail at the next successful login (``triage.services.login_state``). A login reads and
writes it under the store's ``logins`` file lock from the lockout check to the last write, so parallel
guesses from many processes are each counted and audited and the lockout holds. That file is not authenticated:
someone who can edit it can also copy the key file and guess offline, which argon2id (64 MiB, 3 passes
per guess) is there to slow; the throttle and lockout stop guessing at the keyboard of the app. On
PostgreSQL the count and lockout are columns of ``user_account`` and failures are audited at once.

Neither the message nor the wait tells whether a username exists: a locked account at login reads
as a wrong password, the delay after a failure grows with the store's recent failed logins
(whatever name they gave), not with one account's, and on PostgreSQL an unknown username is checked
against a dummy hash so it takes as long as a real one.

The idle lock: the UI hides everything and keeps the draft, then ``lock_session``; ``unlock_session``
takes the password again, counted towards the lockout as at login.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.services.credentials import USERNAME, hash_password, verify_hash
from triage.services.login_state import UNREADABLE, LoginState, updating
from triage.services.permissions import User
from triage.services.signing_keys import countersign_if_admin, start_signing
from triage.store.audit import record_event, record_events
from triage.store.database import Store, open_store
from triage.store.errors import NotFoundError, StoreDamaged, StoreError, StoreLocationError
from triage.store.keys import (
    NOT_THIS_DATABASE,
    KeyFile,
    KeyFileError,
    WrongPassword,
    is_plaintext_sqlite,
    key_file_path,
    normalise_username,
)
from triage.store.location import looks_like_a_store, not_a_store, resolve_database_url
from triage.store.models import AuditEvent, StoreIdentity, UserAccount
from triage.store.types import utc_now
from triage.store.vocabulary import EntityType

WRONG = (
    "unknown user or wrong password (after repeated failures an account is locked for a while; "
    "an admin can unlock it sooner)"
)
UNKNOWN_ACTOR = "unknown user"  # a username that does not exist is never written anywhere


# --- errors and the policy ---------------------------------------------------------------------


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


class NotAStoreError(StoreLocationError, StoreDamaged):
    """The file named as the store is empty, cut short or something else: it is left exactly as it is.
    Damage as much as a wrong place (a store emptied or cut short is the usual cause): either way the
    way back is ``triage db restore``."""


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # consecutive failures that lock the account
    lockout: timedelta = timedelta(minutes=15)
    base_delay: float = 0.5  # seconds after the first failure, doubled each time...
    max_delay: float = 8.0  # ...up to this

    def delay(self, failures: int) -> float:
        return min(self.base_delay * 2.0 ** max(failures - 1, 0), self.max_delay)


DEFAULT_POLICY = LoginPolicy()


# --- logging in --------------------------------------------------------------------------------


def open_authenticated(
    database: str | Path | None,
    username: str,
    password: str,
    *,
    policy: LoginPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    migrate: bool = True,
) -> tuple[Store, User]:
    """Log in and open the store: THE way the app and the command line open data. Raises
    ``AuthenticationError`` ("unknown user or wrong password"), ``AccountLocked``, ``KeyFileError``,
    ``PlaintextStoreError`` or another ``StoreError``, each with a message safe to show. ``policy``:
    the service's (``DEFAULT_POLICY``, read at the call, so a service or a test that changes it is heard)."""
    policy = policy or DEFAULT_POLICY
    url = resolve_database_url(database)
    if url.get_backend_name() == "sqlite":
        return _login_local(Path(str(url.database)), username, password, policy, sleep, migrate)
    return _login_server(url.render_as_string(hide_password=False), username, password, policy, sleep, migrate)


def authenticate(
    database: str | Path, username: str, password: str, *, policy: LoginPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bytes, User]:  # fmt: skip
    """The local store's key and the user, for a caller that opens the store itself
    (``open_store(path, key=key)``). Prefer ``open_authenticated``."""
    store, user = _login_local(Path(database), username, password, policy or DEFAULT_POLICY, sleep, True)
    key = store._key
    store.close()
    assert key is not None
    return key, user


def _login_local(path: Path, username: str, password: str, policy: LoginPolicy,
                 sleep: Callable[[float], None], migrate: bool) -> tuple[Store, User]:  # fmt: skip
    path = path.expanduser().absolute()
    if not path.is_file():
        raise NotFoundError(f"there is no store at {path}; create one with `triage init`")
    if not looks_like_a_store(path):  # before anything is read or written beside it: opening writes a schema
        raise NotAStoreError(not_a_store(path))
    if is_plaintext_sqlite(path):
        raise PlaintextStoreError(
            f"the database at {path} is not encrypted and is refused: patient data must not sit in plain files. "
            "An admin can encrypt it once with `triage init --encrypt-existing`."
        )
    keys = KeyFile.load(key_file_path(path))
    name = normalise_username(username)
    with updating(path) as state:  # no other login reads or writes the record until this one is done
        now = utc_now()
        until = state.locked_until(name, now)
        if until is not None:
            state.add("login_failed", name, now)
            recent = state.failed(now, policy.lockout)
            state.save()
            refusal: AuthenticationError = AccountLocked(until)
        else:
            try:
                key, signing = keys.unlock(name, password)
            except WrongPassword:
                recent = _local_failure(state, name if keys.has_user(name) else None, now, policy)
                refusal = AuthenticationError()
            else:
                return _open_local(path, keys, (key, signing), name, password, state, migrate)
    # after the lock is let go: the delay grows with the store's recent failures, the same for any
    # name, and a locked account waits as long as a wrong password (the lock is not told apart)
    sleep(policy.delay(recent))
    raise refusal


def _open_local(path: Path, keys: KeyFile, unlocked: tuple[bytes, bytes | None], name: str, password: str,
                state: LoginState, migrate: bool) -> tuple[Store, User]:  # fmt: skip
    """The right password: open the store, take up the user's signing key, move the pending failures into
    the audit trail, audit the login (an admin's then countersigned)."""
    store = open_store(path, key=unlocked[0], migrate=migrate)
    try:
        with store.write() as session:
            identity = session.get(StoreIdentity, 1)
            if identity is None or identity.database_id != keys.database_id:
                raise KeyFileError(NOT_THIS_DATABASE)
            account = session.scalar(select(UserAccount).where(UserAccount.username == name))
            if account is None or account.disabled_at is not None:
                raise AuthenticationError()
            user = User(account.username, account.display_name, account.role)
            start_signing(store, session, user, password, keys=keys, private=unlocked[1])
            _flush_pending(session, state)
            record_event(session, actor=name, entity_type="user_account", entity_id=name, action="login",
                         summary="logged in")  # fmt: skip
            countersign_if_admin(session, user, store.signer, "admin login")
        state.pending, state.recent = [], []
        state.users.pop(name, None)
        state.save()
    except BaseException:
        store.close()
        raise
    return store, user


def _local_failure(state: LoginState, name: str | None, now: datetime, policy: LoginPolicy) -> int:
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


def _flush_pending(session: Session, state: LoginState) -> None:
    events: list[tuple[str, EntityType, str, Any, str]] = []
    for entry in state.pending:
        event = entry.get("event")
        user = entry.get("user")
        actor = user if isinstance(user, str) and USERNAME.match(user) else UNKNOWN_ACTOR
        when = str(entry.get("at", ""))[:32]
        if event == "login_failed":
            events.append((actor, "user_account", actor, "login_failed", f"failed login at {when}"))
        elif event == "account_locked":
            events.append((actor, "user_account", actor, "account_locked",
                           f"account locked after repeated failed logins at {when}"))  # fmt: skip
        elif event == UNREADABLE:
            events.append((UNKNOWN_ACTOR, "user_account", UNKNOWN_ACTOR, "login_failed",
                           f"the failed-login record was unreadable at {when}; earlier failures may be missing"))  # fmt: skip
    record_events(session, events)


def _login_server(url: str, username: str, password: str, policy: LoginPolicy,
                  sleep: Callable[[float], None], migrate: bool) -> tuple[Store, User]:  # fmt: skip
    dummy = _dummy_hash()  # before the name is looked up: making it costs the first login the same for any name
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
                    verify_hash(dummy, password)  # the same time for an unknown user
                    ok = False
                else:
                    ok = verify_hash(account.password_hash, password)
                if ok:
                    assert account is not None
                    account.failed_logins, account.locked_until = 0, None
                    user = User(account.username, account.display_name, account.role)
                    start_signing(store, session, user, password)
                    record_event(session, actor=name, entity_type="user_account", entity_id=name, action="login",
                                 summary="logged in")  # fmt: skip
                    countersign_if_admin(session, user, store.signer, "admin login")
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
        query = (
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "login_failed", AuditEvent.occurred_at > now - policy.lockout)
        )
        return int(session.scalar(query) or 1)


@cache
def _dummy_hash() -> str:
    """What an unknown user's password is checked against, so the check takes as long as a real one.
    Made once per process, on the first login to a team store (not at import: 64 MiB and ~0.1 s)."""
    return hash_password("not a password of anyone's")


def verify_password(store: Store, user: User, password: str) -> bool:
    """Is ``password`` this user's? (The key file on a local store, the hash on a server.)"""
    if store.encrypted:
        try:
            return KeyFile.load(_key_path(store)).unwrap(user.username, password) == store._key
        except WrongPassword:
            return False
    with store.read() as session:
        account = session.scalar(select(UserAccount).where(UserAccount.username == user.username))
        return account is not None and account.disabled_at is None and verify_hash(account.password_hash, password)


def _key_path(store: Store) -> Path:
    return key_file_path(Path(str(store.url.database)))


# --- the idle lock (the UI hides everything, keeps the draft, then calls these) ----------------


def lock_session(store: Store, user: User, *, reason: str = "idle") -> None:
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="user_account", entity_id=user.username,
                     action="lock", summary=f"session locked ({reason[:40]})")  # fmt: skip


def unlock_session(store: Store, user: User, password: str, *, policy: LoginPolicy | None = None,
                   sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
    """Unlock with the password, or raise ``AuthenticationError`` (audited; the failures count towards
    the lockout as at login; a locked account must log in again after the lockout)."""
    policy = policy or DEFAULT_POLICY
    now = utc_now()
    if store.encrypted:
        with updating(Path(str(store.url.database))) as state:  # counted as at login, under the same lock
            until = state.locked_until(user.username, now)
            if until is not None:
                raise AccountLocked(until, reveal=True)
            ok = verify_password(store, user, password)
            entry = state.users.setdefault(user.username, {"failures": 0})
            entry["failures"] = int(entry.get("failures", 0)) + 1 if not ok else 0
            locked = entry["failures"] >= policy.max_failures
            if locked:
                entry["failures"], entry["locked_until"] = 0, (now + policy.lockout).isoformat()
            if ok:
                state.users.pop(user.username, None)
            state.save()
            if not ok:
                with store.write() as session:
                    _audit_failure(session, user.username, locked)
        if not ok:
            sleep(policy.delay(entry.get("failures", 1) or policy.max_failures))
            raise AccountLocked(now + policy.lockout, reveal=True) if locked else AuthenticationError()
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
