"""What a username and a password must be, and how passwords are hashed (issue 6). No Qt.

Creating a store, adding a user and every password change check their input here first, so a refusal
(``AccountError``) says the same thing wherever it comes from. Passwords are hashed with argon2id
(RFC 9106 low-memory defaults; the parameters live in each hash, so older hashes keep verifying): the
hash in ``user_account`` is what a PostgreSQL team store logs in with; a local store logs in by
unwrapping its key file (``triage.store.keys``), though its accounts are hashed the same way.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from triage.fields import normalise_password, password_candidates, refused_character
from triage.store.errors import StoreError

MIN_PASSWORD = 10
USERNAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,100}$")
_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory defaults; parameters live in each hash


class AccountError(StoreError):
    """A refused account change (a weak password, a duplicate username...): safe to show."""


def check_new_account(username: str, display_name: str, password: str) -> None:
    if not USERNAME.match(username.strip()) or refused_character(username) is not None:
        raise AccountError(
            "a username is 1 to 100 characters without spaces, control or invisible formatting characters"
        )
    if not display_name.strip() or len(display_name) > 200 or refused_character(display_name) is not None:
        raise AccountError(
            "a display name is 1 to 200 characters without control or invisible formatting characters "
            "(such as line breaks or direction overrides)"
        )
    check_password(password)


def check_password(password: str) -> None:
    password = normalise_password(password)
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password must be at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise AccountError("a password must be at most 1024 characters")


def hash_password(password: str) -> str:
    """The argon2id hash to store (64 MiB and about 0.1 s by design), of the password's NFC form."""
    return _hasher.hash(normalise_password(password))


def verify_hash(stored: str, password: str) -> bool:
    """Does ``password`` match the ``stored`` hash? False for a mismatch or an unreadable hash. The NFC
    form is tried first, then (for a hash made before passwords were normalised) the form as typed."""
    for candidate in password_candidates(password):
        try:
            if _hasher.verify(stored, candidate):
                return True
        except (VerifyMismatchError, VerificationError):
            continue
        except InvalidHashError:
            return False
    return False
