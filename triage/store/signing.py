"""The signed audit trail (issue 13 item 7): each user's events are signed with their own Ed25519
key, and an admin countersigns the chain head at each admin login and each backup.

The SHA-256 chain (``triage.store.audit``) shows that the trail was changed, but anyone holding the
database key can recompute it. A signature cannot be recomputed without the signer's private key,
which exists unwrapped only in the memory of that user's session (``Store.signer``): it is sealed
under the user's password, in their wrap in the key file on a local store, in ``audit_key.sealed``
on a PostgreSQL team store. Public keys are in ``audit_key`` on both.

- An event's signature covers its own content and position (``canonical_content``: id, time, actor,
  entity, action, summary), so a forged, reordered or renumbered event fails at its own position.
  Events appended together (``record_events``) share one signature over all of them.
- A countersignature covers the chain hash at the head: every event up to it is then fixed, even
  against its own signer re-signing it. Until the next countersignature, a user can rewrite and
  re-sign their own events; nobody can make an event verify as signed by somebody else.
- The keys in ``audit_key`` can be rewritten by anyone holding the database key too: trust comes
  from the admin's key fingerprint, shown at set-up beside the recovery key (for the same paper) and
  printed by ``db verify`` and each backup, for an auditor to compare.

The private key is never written in clear, logged or shown: ``Signer``'s repr leaves it out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.store.keys import WrongPassword, open_under_password, seal_under_password
from triage.store.models import AuditCountersign, AuditEvent, AuditHead, AuditKey
from triage.store.types import utc_now

EVENT_DOMAIN = b"triage-audit-events/1|"
COUNTERSIGN_DOMAIN = b"triage-audit-countersign/1|"
# Recorded by whoever logs in next (a local store's pending failures) or before anyone has proved who
# they are (a team store's failed login): no key of theirs can sign these, so they may be unsigned.
UNSIGNABLE_ACTIONS = frozenset({"login_failed", "account_locked"})


@dataclass(frozen=True)
class Signer:
    """The logged-in user's unwrapped signing key, for the session only (``Store.signer``)."""

    key_id: str
    username: str
    private: Ed25519PrivateKey = field(repr=False, compare=False)

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode("ascii")

    def private_bytes(self) -> bytes:
        return self.private.private_bytes_raw()


def new_private_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes_raw()


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:32]


def fingerprint(key_id: str) -> str:
    """A key id as eight groups of four, for reading aloud and writing down: ``3F2A 91C0 ...``."""
    return " ".join(key_id[i : i + 4].upper() for i in range(0, len(key_id), 4))


def _public_raw(private_raw: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_raw).public_key().public_bytes_raw()


# --- keys in the database ----------------------------------------------------------------------


def active_key(session: Session, username: str) -> AuditKey | None:
    query = select(AuditKey).where(AuditKey.username == username, AuditKey.retired_at.is_(None))
    return session.scalars(query.order_by(AuditKey.created_at.desc())).first()


def enrol(session: Session, username: str, private_raw: bytes, *, sealed: str | None = None) -> Signer:
    """Make ``private_raw`` the user's signing key: its public key recorded, any older key retired
    (kept: the events it signed are checked against it). Already recorded: left as it is."""
    public = _public_raw(private_raw)
    key_id = key_id_of(public)
    if session.get(AuditKey, key_id) is None:
        now = utc_now()
        for old in session.scalars(
            select(AuditKey).where(AuditKey.username == username, AuditKey.retired_at.is_(None))
        ):
            old.retired_at = now
        session.add(AuditKey(key_id=key_id, username=username, public_key=base64.b64encode(public).decode("ascii"),
                             created_at=now, sealed=sealed))  # fmt: skip
        session.flush()
    return Signer(key_id, username, Ed25519PrivateKey.from_private_bytes(private_raw))


def _server_ad(username: str) -> bytes:
    return f"triage-audit-key/1|{username}".encode()


def seal_for_server(password: str, username: str, private_raw: bytes) -> str:
    """The private key sealed under the password, for ``audit_key.sealed`` (a team store)."""
    return json.dumps(seal_under_password(password, private_raw, _server_ad(username)), sort_keys=True)


def open_on_server(session: Session, username: str, password: str) -> Signer | None:
    """A team store: the user's signing key unsealed with their password; None if they have none yet."""
    key = active_key(session, username)
    if key is None or key.sealed is None:
        return None
    try:
        raw = open_under_password(password, json.loads(key.sealed), _server_ad(username))
    except (WrongPassword, ValueError, TypeError):
        return None  # not theirs any more (set behind the application's back): they are given a new one
    return enrol(session, username, raw) if key_id_of(_public_raw(raw)) == key.key_id else None


# --- signing -----------------------------------------------------------------------------------


def events_message(first: int, last: int, contents: Iterable[str]) -> bytes:
    digest = hashlib.sha256("\n".join(contents).encode("utf-8")).hexdigest()
    return EVENT_DOMAIN + f"{first}|{last}|{digest}".encode("ascii")


def sign_events(signer: Signer, events: Sequence[AuditEvent], contents: Sequence[str]) -> None:
    """Sign consecutive events (their canonical contents) with one signature, kept on each."""
    first, last = events[0].id, events[-1].id
    signature = f"{first}-{last}:{signer.sign(events_message(first, last, contents))}"
    for event in events:
        event.signed_by, event.signature = signer.key_id, signature


def countersign_message(event_id: int, chain_hash: str, signing_began: int) -> bytes:
    """What an admin signs: the head and the first signed event, so that signatures removed from the
    events before it (to pass a rewritten event off as written before signing began) show."""
    return COUNTERSIGN_DOMAIN + f"{event_id}|{chain_hash}|{signing_began}".encode("ascii")


def first_signed_event(session: Session) -> int:
    query = select(AuditEvent.id).where(AuditEvent.signature.is_not(None)).order_by(AuditEvent.id).limit(1)
    return session.scalar(query) or 0


def countersign(session: Session, signer: Signer, reason: str) -> AuditCountersign | None:
    """Sign the chain head as it is now, in the caller's transaction (an admin's login or backup)."""
    session.flush()
    head = session.execute(select(AuditHead).execution_options(populate_existing=True)).scalar_one_or_none()
    if head is None:
        return None
    message = countersign_message(head.last_event_id, head.last_hash, first_signed_event(session))
    mark = AuditCountersign(event_id=head.last_event_id, chain_hash=head.last_hash, key_id=signer.key_id,
                            reason=reason, signed_at=utc_now(), signature=signer.sign(message))  # fmt: skip
    session.add(mark)
    session.flush()
    return mark


def last_countersignature(session: Session) -> tuple[AuditCountersign, AuditKey] | None:
    row = session.execute(select(AuditCountersign, AuditKey).join(AuditKey, AuditKey.key_id == AuditCountersign.key_id)
                          .order_by(AuditCountersign.id.desc()).limit(1)).first()  # fmt: skip
    return (row[0], row[1]) if row else None


def public_keys(session: Session) -> dict[str, tuple[str, Ed25519PublicKey | None]]:
    """Every key id's user and public key (None when the stored key is not one)."""
    found: dict[str, tuple[str, Ed25519PublicKey | None]] = {}
    for key in session.scalars(select(AuditKey)):
        try:
            raw = base64.b64decode(key.public_key, validate=True)
            public: Ed25519PublicKey | None = Ed25519PublicKey.from_public_bytes(raw)
            if key_id_of(raw) != key.key_id:
                public = None
        except (binascii.Error, ValueError):
            public = None
        found[key.key_id] = (key.username, public)
    return found


def verifies(public: Ed25519PublicKey | None, signature: str, message: bytes) -> bool:
    if public is None:
        return False
    try:
        public.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
