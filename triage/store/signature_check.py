"""Checking the audit trail's signatures and countersignatures, event by event, as
``verify_audit_chain`` walks the chain (see ``triage.store.signing`` for what is signed and why).

Every problem names positions (event ids), never content: a forged, reordered or renumbered event
fails its own signature; an event rewritten and re-signed by its own signer is caught by the first
countersignature after it, which names the range since the countersignature before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, inspect, or_, select
from sqlalchemy.orm import Session

from triage.store.models import AuditCountersign, AuditEvent, AuditKey, UserAccount
from triage.store.signing import (
    UNSIGNABLE_ACTIONS,
    countersign_message,
    events_message,
    fingerprint,
    first_signed_event,
    last_countersignature,
    public_keys,
    verifies,
)


def positions(ids: list[int]) -> str:
    """``[3, 4, 5, 9]`` as "events 3-5, 9"; one id as "event 3"."""
    runs: list[str] = []
    start = previous = ids[0]
    for number in [*ids[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        runs.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ("audit event " if len(ids) == 1 else "audit events ") + ", ".join(runs)


@dataclass
class _Span:
    events: list[AuditEvent]
    contents: list[str]


class SignatureCheck:
    """Fed each event in id order (``add``), then asked for the problems (``problems``)."""

    def __init__(self, session: Session) -> None:
        self.keys = public_keys(session)
        self.accounts = set(session.scalars(select(UserAccount.username)))
        self.marks = list(session.scalars(select(AuditCountersign).order_by(AuditCountersign.id)))
        self._wanted = {mark.event_id for mark in self.marks}
        self.hashes: dict[int, str] = {}
        self.first_signed = 0
        self.unsigned: list[int] = []
        self.forged: list[int] = []
        self.misattributed: list[int] = []
        self._span: _Span | None = None

    def add(self, event: AuditEvent, content: str) -> None:
        if event.id in self._wanted:
            self.hashes[event.id] = event.hash
        span = self._span
        if span is not None and (
            event.signature != span.events[0].signature or event.signed_by != span.events[0].signed_by
        ):
            self._close()
        if event.signature is None:
            if self.first_signed and event.action not in UNSIGNABLE_ACTIONS:
                self.unsigned.append(event.id)
            return
        self.first_signed = self.first_signed or event.id
        if self._span is None:
            self._span = _Span([], [])
        self._span.events.append(event)
        self._span.contents.append(content)
        if event.signature.partition(":")[0].rpartition("-")[2] == str(event.id):  # the span's last event
            self._close()

    def _close(self) -> None:
        span, self._span = self._span, None
        if span is None:
            return
        first, ids = span.events[0], [event.id for event in span.events]
        user, public = self.keys.get(first.signed_by or "", ("", None))
        claimed, _, signature = (first.signature or "").partition(":")
        ok = (claimed == f"{ids[0]}-{ids[-1]}" and ids == list(range(ids[0], ids[-1] + 1))
              and verifies(public, signature, events_message(ids[0], ids[-1], span.contents)))  # fmt: skip
        if not ok:
            self.forged += ids
            return
        self.misattributed += [event.id for event in span.events if event.actor in self.accounts
                               and event.actor != user and event.action not in UNSIGNABLE_ACTIONS]  # fmt: skip

    def problems(self) -> list[str]:
        self._close()
        found: list[str] = []
        if self.forged:
            found.append(f"{positions(self.forged)}: the signature does not verify (forged, rewritten, reordered "
                         "or renumbered after it was signed)")  # fmt: skip
        if self.unsigned:
            found.append(f"{positions(self.unsigned)}: unsigned, though signing began at event {self.first_signed} "
                         "(written without the application, or the signature removed)")  # fmt: skip
        if self.misattributed:
            found.append(f"{positions(self.misattributed)}: recorded as done by one user but signed with "
                         "another's key (forged)")  # fmt: skip
        return found + self._countersignature_problems()

    def _countersignature_problems(self) -> list[str]:
        found: list[str] = []
        previous = 0
        for mark in self.marks:
            who = self.keys.get(mark.key_id, ("an unknown key", None))
            message = countersign_message(mark.event_id, mark.chain_hash, self.first_signed)
            where = f"the countersignature of event {mark.event_id} ({mark.reason}, key {fingerprint(mark.key_id)})"
            if not verifies(who[1], mark.signature, message):
                found.append(f"{where} does not verify: it was altered, or signatures were removed from the events "
                             f"before it (signing now appears to begin at event {self.first_signed})")  # fmt: skip
            elif mark.event_id not in self.hashes:
                found.append(f"{where}: event {mark.event_id} is missing (events were removed)")
            elif self.hashes[mark.event_id] != mark.chain_hash:
                found.append(f"{where} no longer matches the chain: audit events {previous + 1}-{mark.event_id} "
                             "include one changed, re-signed or removed after it was countersigned")  # fmt: skip
            previous = max(previous, mark.event_id)
        return found


def describe_signing(session: Session) -> list[str]:
    """Where signing began, the last countersignature, and the admin keys' fingerprints: printed by
    ``db verify`` and each backup, for an auditor to compare with the fingerprint written down at set-up."""
    if not inspect(session.connection()).has_table("audit_key"):
        return ["signing: this store's schema is older than signed audit trails; it is signed once it is updated"]
    began = first_signed_event(session)
    if not began:
        lines = ["signing: no audit event is signed yet"]
    elif began == 1:
        lines = ["signing: every audit event is signed (from event 1)"]
    else:
        lines = [f"signing: audit events 1-{began - 1} are unsigned, before signing began at event {began}"]
    last = last_countersignature(session)
    if last is None:
        lines.append("countersigned: never (an admin countersigns at each login and each backup)")
    else:
        mark, key = last
        lines.append(f"countersigned: last at event {mark.event_id} ({mark.reason}, {mark.signed_at:%Y-%m-%d %H:%M} UTC) "
                     f"by {key.username}, key {fingerprint(key.key_id)}")  # fmt: skip
    admins = select(UserAccount.username).where(UserAccount.role == "admin", UserAccount.disabled_at.is_(None))
    signed = select(AuditCountersign.key_id)
    keys = session.scalars(select(AuditKey).where(or_(and_(AuditKey.username.in_(admins), AuditKey.retired_at.is_(None)),
                                                      AuditKey.key_id.in_(signed))).order_by(AuditKey.username))  # fmt: skip
    lines += [f"admin key: {key.username} {fingerprint(key.key_id)}" + (" (retired)" if key.retired_at else "")
              for key in keys]  # fmt: skip
    return lines
