"""The key file: the local store's random 256-bit database key, wrapped once per user account and once
under a recovery key, kept beside the database as ``<database>.keys`` (JSON).

- A user's wrap: KEK = argon2id(password, per-wrap random salt; parameters recorded in the wrap);
  the database key is sealed with AES-256-GCM under the KEK, with the associated data naming the
  format, the database id and the username, so a wrap cannot be moved to another user or store.
  ``check`` (an HMAC of a constant under the KEK) tells a wrong password from an altered wrap; it
  lets an attacker test a guess no faster than the AEAD tag already does.
- A user's wrap also holds their audit-signing private key (Ed25519, ``triage.store.signing``), sealed
  with AES-256-GCM under HKDF(KEK, "triage audit signing key"), so one argon2id opens both
  (``KeyFile.unlock``). A wrap made before signing has none; the user is given one at their next login.
- The recovery wrap: KEK = HKDF-SHA256(32 random bytes shown once as base32 groups).
- The whole file is MAC'd (HMAC-SHA256 under a key derived from the database key), checked after every
  unwrap: an edited, added or removed wrap, or a changed database id, is reported as altered.
- The database holds the same database id (``store_identity``): a key file from another store opens
  nothing (SQLCipher refuses the key) and is reported as not belonging to this database.

The unwrapped key exists only in memory: it is never written, logged or put in an exception. The file
is written atomically (temporary file, fsync, rename) so it is never half-written.
No patient data is in this file: only staff usernames, salts, parameters and ciphertext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from triage.fields import normalise_password, password_candidates
from triage.files import atomic_write
from triage.store.errors import StoreError

FORMAT = "triage-keys/1"
KEY_FILE_SUFFIX = ".keys"
KEY_BYTES = 32
MIN_SALT_BYTES = 8  # argon2's least (the wraps made here have 16)
# argon2id: RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes). Recorded per wrap, so
# raising them later leaves old wraps readable (they are re-made at the next password change).
KDF_PARAMS = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


class KeyFileError(StoreError):
    """The key file is missing, altered, or belongs to another database. The message is safe to show."""


class WrongPassword(StoreError):
    """The password does not unwrap the key (or there is no such user): deliberately one message."""

    def __init__(self) -> None:
        super().__init__("unknown user or wrong password")


ALTERED = "the key file has been altered (or is not a triage key file); nothing was opened or changed"
NOT_THIS_DATABASE = "the key file does not belong to this database; nothing was opened or changed"


def key_file_path(database: Path) -> Path:
    return database.with_name(database.name + KEY_FILE_SUFFIX)


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_database_id() -> str:
    return secrets.token_hex(16)


def sqlcipher_key(key: bytes) -> str:
    """The PRAGMA key argument for a raw 256-bit key (no SQLCipher PBKDF2 over a passphrase)."""
    if len(key) != KEY_BYTES:
        raise ValueError("a database key is 32 bytes")
    return f"\"x'{key.hex()}'\""


# --- recovery key ------------------------------------------------------------------------------


def new_recovery_key() -> str:
    """32 random bytes as base32 in groups of four, e.g. ``ABCD-EFGH-...`` (13 groups)."""
    text = base64.b32encode(secrets.token_bytes(KEY_BYTES)).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _recovery_bytes(recovery_key: str) -> bytes:
    text = "".join(ch for ch in recovery_key.upper() if ch.isalnum())
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise WrongRecoveryKey() from None
    if len(raw) != KEY_BYTES:
        raise WrongRecoveryKey()
    return raw


class WrongRecoveryKey(StoreError):
    def __init__(self) -> None:
        super().__init__("the recovery key is not right (check every group of four characters)")


# --- wrapping ----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise KeyFileError(ALTERED)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(ALTERED) from None


def _argon2(password: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hash_secret_raw(
        password.encode("utf-8"), salt, time_cost=params["time_cost"], memory_cost=params["memory_cost"],
        parallelism=params["parallelism"], hash_len=KEY_BYTES, type=Type.ID,
    )  # fmt: skip


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(secret)


def _check(kek: bytes) -> str:
    return _b64(hmac.new(kek, b"triage key check", hashlib.sha256).digest()[:16])


def _seal(kek: bytes, key: bytes, ad: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "sealed": _b64(AESGCM(kek).encrypt(nonce, key, ad)), "check": _check(kek)}


def _open(kek: bytes, wrap: dict[str, Any], ad: bytes, wrong: StoreError) -> bytes:
    if not _same(str(wrap.get("check", "")), _check(kek)):
        raise wrong
    try:
        key = AESGCM(kek).decrypt(_unb64(wrap.get("nonce")), _unb64(wrap.get("sealed")), ad)
    except (InvalidTag, ValueError):
        raise KeyFileError(ALTERED) from None
    if len(key) != KEY_BYTES:
        raise KeyFileError(ALTERED)
    return key


def _same(stored: str, expected: str) -> bool:
    """compare_digest as bytes: given two str it refuses (TypeError) any non-ASCII text a file may hold (tests/fuzz)."""
    return hmac.compare_digest(stored.encode("utf-8", "surrogatepass"), expected.encode("ascii"))


def _sealed(kek: bytes, secret: bytes, ad: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "sealed": _b64(AESGCM(kek).encrypt(nonce, secret, ad))}


def _unseal(kek: bytes, sealed: dict[str, Any], ad: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(_unb64(sealed.get("nonce")), _unb64(sealed.get("sealed")), ad)
    except (InvalidTag, ValueError):
        raise KeyFileError(ALTERED) from None


def _kdf(wrap: dict[str, Any]) -> tuple[dict[str, int], bytes]:
    """A wrap's argon2id parameters and salt, refused when absurd (they would hang or exhaust memory)."""
    kdf = wrap.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("alg") != "argon2id":
        raise KeyFileError(ALTERED)
    try:
        params = {k: int(kdf[k]) for k in ("time_cost", "memory_cost", "parallelism")}
    except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: int(Infinity) (found by tests/fuzz)
        raise KeyFileError(ALTERED) from None
    if not (1 <= params["time_cost"] <= 64 and 8 <= params["memory_cost"] <= 4 * 1024 * 1024
            and 1 <= params["parallelism"] <= 64):  # fmt: skip
        raise KeyFileError(ALTERED)
    salt = _unb64(kdf.get("salt"))
    # What argon2 itself refuses (found by tests/fuzz): under 8 KiB of memory per lane, a salt under 8 bytes.
    if params["memory_cost"] < 8 * params["parallelism"] or len(salt) < MIN_SALT_BYTES:
        raise KeyFileError(ALTERED)
    return params, salt


def seal_under_password(password: str, secret: bytes, ad: bytes) -> dict[str, Any]:
    """``secret`` sealed under argon2id(password) as a user's wrap is (for a store without a key file:
    a PostgreSQL team store's audit-signing keys)."""
    salt, params = secrets.token_bytes(16), dict(KDF_PARAMS)
    kek = _argon2(normalise_password(password), salt, params)
    return {"kdf": {"alg": "argon2id", "salt": _b64(salt), **params}, **_sealed(kek, secret, ad)}


def open_under_password(password: str, sealed: dict[str, Any], ad: bytes) -> bytes:
    """What ``seal_under_password`` sealed; WrongPassword when no form of the password opens it."""
    params, salt = _kdf(sealed)
    for candidate in password_candidates(password):
        try:
            return AESGCM(_argon2(candidate, salt, params)).decrypt(
                _unb64(sealed.get("nonce")), _unb64(sealed.get("sealed")), ad)  # fmt: skip
        except (InvalidTag, ValueError):
            continue
    raise WrongPassword()


def _signing_ad(database_id: str, username: str) -> bytes:
    return f"{FORMAT}|{database_id}|signing:{username}".encode()


SIGNING_INFO = b"triage audit signing key"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _user_ad(database_id: str, username: str) -> bytes:
    return f"{FORMAT}|{database_id}|user:{username}".encode()


def _recovery_ad(database_id: str) -> bytes:
    return f"{FORMAT}|{database_id}|recovery".encode()


def normalise_username(username: str) -> str:
    return username.strip().casefold()


@dataclass
class KeyFile:
    """The parsed key file. ``wraps`` maps a (case-folded) username to its wrap."""

    database_id: str
    wraps: dict[str, dict[str, Any]]
    recovery: dict[str, Any]

    # -- creating and changing (the caller holds the database key) --

    @classmethod
    def create(cls, key: bytes, database_id: str, username: str, password: str) -> tuple[KeyFile, str]:
        """A new key file with one user's wrap and a recovery wrap; returns it and the recovery key."""
        recovery_key = new_recovery_key()
        recovery = _seal(_hkdf(_recovery_bytes(recovery_key), b"triage recovery wrap"), key, _recovery_ad(database_id))
        keys = cls(database_id=database_id, wraps={}, recovery=recovery)
        keys.set_user(key, username, password)
        return keys, recovery_key

    def set_user(self, key: bytes, username: str, password: str, signing: bytes | None = None) -> None:
        """Add or re-wrap (password change) a user's wrap, with a fresh salt and nonce. ``signing``: the
        user's audit-signing private key, sealed in the same wrap under a key derived from the same KEK
        (so logging in costs one argon2id, not two)."""
        name = normalise_username(username)
        salt, params = secrets.token_bytes(16), dict(KDF_PARAMS)
        kek = _argon2(normalise_password(password), salt, params)
        wrap: dict[str, Any] = {"kdf": {"alg": "argon2id", "salt": _b64(salt), **params},
                                **_seal(kek, key, _user_ad(self.database_id, name))}  # fmt: skip
        if signing is not None:
            wrap["signing"] = _sealed(_hkdf(kek, SIGNING_INFO), signing, _signing_ad(self.database_id, name))
        self.wraps[name] = wrap

    def remove_user(self, username: str) -> None:
        self.wraps.pop(normalise_username(username), None)

    def has_user(self, username: str) -> bool:
        return normalise_username(username) in self.wraps

    # -- unwrapping --

    def unwrap(self, username: str, password: str) -> bytes:
        """The database key, or WrongPassword (unknown user: the same work is done, the same error)."""
        return self.unlock(username, password)[0]

    def unlock(self, username: str, password: str) -> tuple[bytes, bytes | None]:
        """The database key and the user's audit-signing private key (None in a wrap made before
        signing began), from one key derivation. WrongPassword as ``unwrap``."""
        name = normalise_username(username)
        wrap = self.wraps.get(name)
        if wrap is None:
            for candidate in password_candidates(password):  # the same work as for a known user
                _argon2(candidate, b"\0" * 16, KDF_PARAMS)
            raise WrongPassword()
        params, salt = _kdf(wrap)
        # NFC first; then, for a wrap made before passwords were normalised, the password as typed
        # (fields.password_candidates), so an existing store keeps opening for everyone.
        ad, key, kek = _user_ad(self.database_id, name), None, b""
        for candidate in password_candidates(password):
            kek = _argon2(candidate, salt, params)
            try:
                key = _open(kek, wrap, ad, WrongPassword())
                break
            except WrongPassword:
                continue
        if key is None:
            raise WrongPassword()
        self.verify_mac(key)
        signing = wrap.get("signing")
        if signing is None:
            return key, None
        if not isinstance(signing, dict):
            raise KeyFileError(ALTERED)
        return key, _unseal(_hkdf(kek, SIGNING_INFO), signing, _signing_ad(self.database_id, name))

    def unwrap_recovery(self, recovery_key: str) -> bytes:
        kek = _hkdf(_recovery_bytes(recovery_key), b"triage recovery wrap")
        key = _open(kek, self.recovery, _recovery_ad(self.database_id), WrongRecoveryKey())
        self.verify_mac(key)
        return key

    # -- the file MAC --

    def _body(self) -> bytes:
        body = {"format": FORMAT, "database_id": self.database_id, "wraps": self.wraps, "recovery": self.recovery}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def mac(self, key: bytes) -> str:
        return _b64(hmac.new(_hkdf(key, b"triage key file mac"), self._body(), hashlib.sha256).digest())

    def verify_mac(self, key: bytes) -> None:
        if not _same(self._stored_mac, self.mac(key)):
            raise KeyFileError(ALTERED)

    _stored_mac: str = ""

    # -- reading and writing --

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        if not path.is_file():
            raise KeyFileError(
                f"the key file {path.name} is missing beside the database: the store cannot be opened without it "
                "(restore it from the backup it was saved with, or ask your administrator)"
            )
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except (
            OSError,
            ValueError,
            RecursionError,
        ):  # ValueError: not UTF-8, not JSON, a 5,000-digit number (tests/fuzz)
            raise KeyFileError(ALTERED) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise KeyFileError(ALTERED)
        database_id, wraps, recovery, mac = (data.get(k) for k in ("database_id", "wraps", "recovery", "mac"))
        if not (isinstance(database_id, str) and isinstance(wraps, dict) and isinstance(recovery, dict)
                and isinstance(mac, str) and all(isinstance(w, dict) for w in wraps.values())):  # fmt: skip
            raise KeyFileError(ALTERED)
        # The id and the usernames go into each wrap's associated data as UTF-8: text that cannot be
        # encoded (a lone surrogate, which JSON's \ud800 gives) is an altered file (found by tests/fuzz).
        if not all(_encodable(text) for text in (database_id, *wraps)):
            raise KeyFileError(ALTERED)
        keys = cls(database_id=database_id, wraps=wraps, recovery=recovery)
        keys._stored_mac = mac
        return keys

    def save(self, path: Path, key: bytes) -> None:
        """Write atomically, MAC'd under ``key``: a crash leaves the old file or the new one, never half."""
        self._stored_mac = self.mac(key)
        document = {"format": FORMAT, "database_id": self.database_id, "wraps": self.wraps,
                    "recovery": self.recovery, "mac": self._stored_mac}  # fmt: skip
        atomic_write(path, (json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8"))


SQLITE_HEADER = b"SQLite format 3\x00"


def is_plaintext_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(16) == SQLITE_HEADER
    except OSError:
        return False
