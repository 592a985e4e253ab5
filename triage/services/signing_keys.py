"""Where each user's audit-signing key lives, and how a logged-in session gets it (issue 13 item 7).
No Qt. What is signed, and what that proves, is ``triage.store.signing``'s.

- A local (SQLCipher) store: the private key is sealed in the user's wrap in the key file, under a key
  derived (HKDF) from the same argon2id KEK that unwraps the database key, so a login still costs one
  argon2id. The public key is in ``audit_key`` in the database.
- A PostgreSQL team store (no key file): both in the user's ``audit_key`` row, the private key sealed
  under argon2id(password) with its own salt: one more argon2id per login than the password check.

A user who logs in without a key (every user of a store from before signing, once) is given one then.
A password set by someone else (an admin's reset, the recovery key) cannot unwrap the old private key,
so the user gets a new key and the old one is retired (kept: the events it signed are checked against
it). A user changing their own password keeps their key, re-sealed under the new password.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from triage.services.permissions import User
from triage.store.database import SIGNER_INFO, Store
from triage.store.keys import KeyFile, key_file_path
from triage.store.models import AuditKey
from triage.store.signing import (
    Signer,
    countersign,
    enrol,
    new_private_key,
    open_on_server,
    seal_for_server,
)


def signing_ready(session: Session) -> bool:
    """Whether the database has the signing tables: a store opened without migrating (``db verify``
    of an older version's store) is read and written as that version did, unsigned."""
    return inspect(session.connection()).has_table("audit_key")


def start_signing(store: Store, session: Session, user: User, password: str, *,
                  keys: KeyFile | None = None, private: bytes | None = None) -> None:  # fmt: skip
    """At login, in the login's transaction and before its events: unwrap (or make) the user's key,
    keep it for the session and sign with it from here on; an admin countersigns the head."""
    if not signing_ready(session):
        return
    if keys is not None:  # a local store: ``private`` came out of the key file with the database key
        if private is None:
            private = new_private_key()
            _reseal_in_key_file(store, keys, user.username, password, private)
        signer = enrol(session, user.username, private)
    else:
        signer = open_on_server(session, user.username, password) or _new_on_server(session, user.username, password)
    store.signer = signer
    session.info[SIGNER_INFO] = signer


def countersign_if_admin(session: Session, user: User, signer: Signer | None, reason: str) -> None:
    """An admin's login or backup: the head countersigned with their key, in the caller's transaction."""
    if signer is not None and user.role == "admin" and signer.username == user.username:
        countersign(session, signer, reason)


def _new_on_server(session: Session, username: str, password: str) -> Signer:
    private = new_private_key()
    return enrol(session, username, private, sealed=seal_for_server(password, username, private))


def _reseal_in_key_file(store: Store, keys: KeyFile, username: str, password: str, private: bytes) -> None:
    assert store._key is not None
    keys.set_user(store._key, username, password, signing=private)
    keys.save(key_file_path(Path(str(store.url.database))), store._key)


def key_for_new_password(store: Store, session: Session, username: str, password: str) -> Signer | None:
    """The key to seal under a new password (an account added, a password changed or set), in the
    caller's transaction. The user's own key when they are the one logged in (it is kept), else a new
    one (the old retired). On a team store it is sealed into ``audit_key`` here; on a local store the
    caller seals its private key into the key file. None: a store without the signing tables."""
    if not signing_ready(session):
        return None
    own = store.signer if store.signer is not None and store.signer.username == username else None
    private = own.private_bytes() if own is not None else new_private_key()
    sealed = None if store.encrypted else seal_for_server(password, username, private)
    signer = enrol(session, username, private, sealed=sealed)
    if own is not None and sealed is not None:
        row = session.get(AuditKey, own.key_id)
        if row is not None:
            row.sealed = sealed
    return signer
