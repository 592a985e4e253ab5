"""Setting a store up and getting back into it: creating a new store with its first admin, encrypting
a plaintext store made before accounts, and setting a forgotten password with the recovery key
(issue 6). No Qt.

A local store is created encrypted: a random 256-bit database key opens the SQLCipher file, and the
key file beside it (``<database>.keys``, ``triage.store.keys``) holds that key wrapped under the first
admin's password and once under a recovery key, shown once and stored nowhere in clear. The database
and its key file share a random database id (``store_identity``), so a key file from another store
opens nothing. A PostgreSQL team store has no key file and no recovery key: its first admin is
simply the first account.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from triage.services.credentials import check_new_account, check_password
from triage.services.login_state import forget_user
from triage.services.permissions import User
from triage.services.signing_keys import countersign_if_admin, start_signing
from triage.services.users import add_account, admin_key_fingerprint, set_password
from triage.store.audit import record_event
from triage.store.database import Store, open_store
from triage.store.errors import StoreError
from triage.store.keys import (
    NOT_THIS_DATABASE,
    KeyFile,
    KeyFileError,
    is_plaintext_sqlite,
    key_file_path,
    new_database_id,
    new_database_key,
    normalise_username,
)
from triage.store.location import resolve_database_url
from triage.store.models import StoreIdentity, UserAccount
from triage.store.signing import fingerprint
from triage.store.vocabulary import AuditAction


class StoreExistsError(StoreError):
    """A store (or its key file) is already where a new one was to go: nothing was changed."""


@dataclass(frozen=True)
class SetUp:
    """What a new store's first admin is shown once: the recovery key (a local store; None on a team
    store) and their audit-signing key's fingerprint, for the same paper (docs/access.md)."""

    recovery_key: str | None
    fingerprint: str


def initialise_store(database: str | Path, username: str, display_name: str, password: str) -> str | None:
    """``create_store``'s recovery key, for callers that show only that."""
    return create_store(database, username, display_name, password).recovery_key


def create_store(database: str | Path, username: str, display_name: str, password: str) -> SetUp:
    """Create a new store with its first admin, whose key signs its first events and countersigns
    them. A local store is encrypted, with a recovery key (show it once; it is stored nowhere in
    clear). Refuses a place where a store already exists."""
    url = resolve_database_url(database)
    check_new_account(username, display_name, password)
    admin = User(normalise_username(username), display_name.strip(), "admin")
    if url.get_backend_name() != "sqlite":
        with open_store(url.render_as_string(hide_password=False)) as store, store.write() as session:
            if session.scalar(select(func.count()).select_from(UserAccount)):
                raise StoreExistsError("this database already has accounts; log in as an admin to add users")
            start_signing(store, session, admin, password)
            add_account(session, username, display_name, "admin", password, actor=admin.username)
            countersign_if_admin(session, admin, store.signer, "store created")
            return SetUp(None, _fingerprint(store))
    path = Path(str(url.database))
    keys_path = key_file_path(path)
    for existing in (path, keys_path, path.with_name(path.name + "-wal")):
        if existing.exists():
            raise StoreExistsError(f"a store already exists at {existing}; nothing was changed")
    key, database_id = new_database_key(), new_database_id()
    try:
        return _first_admin(path, key, database_id, admin, display_name, password,
                            ("create", "encrypted store created"))  # fmt: skip
    except BaseException:
        for leftover in (path, keys_path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)
        raise


def _first_admin(path: Path, key: bytes, database_id: str, admin: User, display_name: str, password: str,
                 event: tuple[AuditAction, str]) -> SetUp:  # fmt: skip
    """Give a new encrypted store at ``path`` its identity, its first admin (whose key signs from here
    on and countersigns the head) and its key file, in one transaction; ``event`` is the audit
    action and summary saying how the store came to be."""
    with open_store(path, key=key) as store:
        keys, recovery_key = KeyFile.create(key, database_id, admin.username, password)
        with store.write() as session:
            session.add(StoreIdentity(id=1, database_id=database_id))
            start_signing(store, session, admin, password, keys=keys)
            add_account(session, admin.username, display_name, "admin", password, actor=admin.username)
            record_event(session, actor=admin.username, entity_type="database", entity_id="store",
                         action=event[0], summary=event[1])  # fmt: skip
            countersign_if_admin(session, admin, store.signer, "store created")
            keys.save(key_file_path(path), key)
        return SetUp(recovery_key, _fingerprint(store))


def _fingerprint(store: Store) -> str:
    assert store.signer is not None
    return fingerprint(store.signer.key_id)


def encrypt_existing(database: str | Path, username: str, display_name: str, password: str) -> str:
    """``encrypt_store``'s recovery key, for callers that show only that."""
    recovery_key = encrypt_store(database, username, display_name, password).recovery_key
    assert recovery_key is not None
    return recovery_key


def encrypt_store(database: str | Path, username: str, display_name: str, password: str) -> SetUp:
    """One-off: copy a plaintext store (made before accounts) into a new encrypted one at the same
    path, keeping the plaintext as ``<name>.plaintext-backup`` for the admin to shred once checked.
    Creates the first admin, whose key signs from here on (the events before stay unsigned, "before
    signing began"); returns the recovery key and the fingerprint."""
    import sqlcipher3.dbapi2 as sqlcipher

    from triage.store.keys import sqlcipher_key

    path = Path(str(resolve_database_url(database).database))
    if not is_plaintext_sqlite(path):
        raise StoreError("there is no plaintext SQLite store at this path to encrypt")
    if key_file_path(path).exists():
        raise StoreExistsError("a key file already exists beside this database; nothing was changed")
    check_new_account(username, display_name, password)
    with open_store(path) as store:  # brings it up to date (and checkpoints its WAL on close)
        if store.migration_backup is not None:  # plaintext: the store itself is kept as .plaintext-backup
            store.migration_backup.unlink()  # and a second plaintext copy must not be left unannounced
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
    admin = User(normalise_username(username), display_name.strip(), "admin")
    return _first_admin(path, key, database_id, admin, display_name, password, ("update", "plaintext store encrypted"))


def recover_with_recovery_key(database: str | Path, recovery_key: str, username: str, new_password: str) -> str | None:
    """A forgotten password (the last admin's, typically): the recovery key opens the store and sets
    a new password for ``username`` (audited as done with the recovery key). The password is set by
    someone other than the user, so the account gets a new audit-signing key: returns its fingerprint
    when the account is an admin's, for the paper (the old one is retired), else None."""
    check_password(new_password)
    path = Path(str(resolve_database_url(database).database))
    keys = KeyFile.load(key_file_path(path))
    key = keys.unwrap_recovery(recovery_key)
    with open_store(path, key=key) as store:
        with store.read() as session:
            identity = session.get(StoreIdentity, 1)
            if identity is None or identity.database_id != keys.database_id:
                raise KeyFileError(NOT_THIS_DATABASE)
        set_password(store, normalise_username(username), new_password, actor="recovery key",
                     summary="password set with the recovery key")  # fmt: skip
        forget_user(path, normalise_username(username))
        with store.read() as session:
            return admin_key_fingerprint(session, normalise_username(username))
