"""Managing staff accounts: listing, adding, re-passwording, changing the role of, unlocking and
removing users (the admin's ``users`` permission), and a user changing their own password. No Qt.

Every change is audited in the transaction that makes it. On a local store an account is also a wrap
of the database key in the key file (``triage.store.keys``): adding a user or changing a password
wraps the key under the new password, removing a user removes their wrap, and the key file is saved
inside the write transaction, so if saving it fails the change rolls back. A removed account is only
disabled: the audit trail still names them and their username is never reused. The last admin can
be neither removed nor demoted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.services.credentials import AccountError, check_new_account, check_password, hash_password
from triage.services.login import AuthenticationError, verify_password
from triage.services.login_state import LoginState, forget_user
from triage.services.permissions import User, require
from triage.services.signing_keys import key_for_new_password, signing_ready
from triage.store.audit import record_event
from triage.store.database import SIGNER_INFO, Store
from triage.store.errors import NotFoundError
from triage.store.keys import KeyFile, key_file_path, normalise_username
from triage.store.models import UserAccount
from triage.store.signing import Signer, active_key, fingerprint
from triage.store.types import utc_now
from triage.store.vocabulary import ROLES


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: str
    created_at: datetime
    disabled_at: datetime | None
    locked: bool
    supervisor: str | None = None  # the team leader who supervises this account (issue 15 item 4)


def list_users(store: Store, actor: User) -> list[UserInfo]:
    require(actor, "users", store=store)
    now = utc_now()
    state = LoginState.load(Path(str(store.url.database))) if store.encrypted else None
    with store.read() as session:
        rows = session.scalars(select(UserAccount).order_by(UserAccount.username)).all()
        return [UserInfo(r.username, r.display_name, r.role, r.created_at, r.disabled_at,
                         (state.locked_until(r.username, now) is not None) if state
                         else (r.locked_until is not None and r.locked_until > now), r.supervisor)
                for r in rows]  # fmt: skip


def add_user(store: Store, actor: User, username: str, display_name: str, role: str, password: str) -> User:
    require(actor, "users", store=store)
    check_new_account(username, display_name, password)
    name = normalise_username(username)
    with store.write() as session:
        add_account(session, name, display_name, role, password, actor=actor.username)
        signing = _private(key_for_new_password(store, session, name, password))
        _rewrap(store, lambda keys, key: keys.set_user(key, name, password, signing=signing))
    return User(name, display_name.strip(), role)


def admin_fingerprint(store: Store, actor: User, username: str) -> str | None:
    """The fingerprint of an admin account's audit-signing key, for the paper beside the recovery key
    (docs/access.md, "The anchor is on paper"): shown when an admin is added, made an admin, or given a
    new key by a password someone else set. None for an account that is not an admin's, or a store
    without signing keys."""
    require(actor, "users", store=store)
    with store.read() as session:
        return admin_key_fingerprint(session, normalise_username(username))


def admin_key_fingerprint(session: Session, name: str) -> str | None:
    role = session.scalar(select(UserAccount.role).where(UserAccount.username == name))
    if role != "admin" or not signing_ready(session):
        return None
    key = active_key(session, name)
    return None if key is None else fingerprint(key.key_id)


def change_password(store: Store, user: User, old_password: str, new_password: str) -> None:
    """A user changes their own password (re-wraps the key under the new one)."""
    if not verify_password(store, user, old_password):
        raise AuthenticationError()
    set_password(store, user.username, new_password, actor=user.username, summary="password changed by the user")


def reset_password(store: Store, actor: User, username: str, new_password: str) -> None:
    require(actor, "users", store=store)
    set_password(store, normalise_username(username), new_password, actor=actor.username,
                 summary="password reset by an admin")  # fmt: skip


def set_password(store: Store, name: str, password: str, *, actor: str, summary: str) -> None:
    """Every way a password changes ends here: checked, hashed, audited and, on a local store, the key
    re-wrapped under it, and the user's audit-signing key sealed under it (their own kept when they
    change it themselves, else a new one: triage.services.signing_keys). Checks no permission: the
    caller has (the user, an admin, the recovery key)."""
    check_password(password)
    with store.write() as session:
        account = _active_account(session, name)
        account.password_hash = hash_password(password)
        signer = key_for_new_password(store, session, name, password)
        if session.info.get(SIGNER_INFO) is None:  # the recovery key: no one is logged in; the user's new key signs
            session.info[SIGNER_INFO] = signer
        record_event(session, actor=actor, entity_type="user_account", entity_id=name, action="password_change",
                     summary=summary)  # fmt: skip
        signing = _private(signer)
        _rewrap(store, lambda keys, key: keys.set_user(key, name, password, signing=signing))


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
            forget_user(Path(str(store.url.database)), name)


def add_account(session: Session, username: str, display_name: str, role: str, password: str, *, actor: str) -> None:
    """Write a new account in the caller's transaction and audit it. The caller has checked the input and
    who may add it, and wraps the database key for it."""
    name = normalise_username(username)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if session.scalar(select(UserAccount).where(UserAccount.username == name)) is not None:
        raise AccountError("that username is taken (a removed user's name is not reused)")
    session.add(UserAccount(username=name, display_name=display_name.strip(), role=role,
                            password_hash=hash_password(password), failed_logins=0))  # fmt: skip
    session.flush()
    record_event(session, actor=actor, entity_type="user_account", entity_id=name, action="create",
                 summary=f"user added with role {role}")  # fmt: skip


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


def _private(signer: Signer | None) -> bytes | None:
    return signer.private_bytes() if signer is not None else None


def _rewrap(store: Store, change: Callable[[KeyFile, bytes], None]) -> None:
    """Change the key file (called inside the write transaction: if saving fails, the change rolls back)."""
    if not store.encrypted:
        return
    path = key_file_path(Path(str(store.url.database)))
    keys = KeyFile.load(path)
    assert store._key is not None
    keys.verify_mac(store._key)
    change(keys, store._key)
    keys.save(path, store._key)
