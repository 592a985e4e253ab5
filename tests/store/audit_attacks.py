"""What an insider holding the database key can do to the audit trail, done for real: drop the guard
triggers, rewrite the events (forge, reorder, delete, re-sign with their own key), recompute the
SHA-256 chain and the head from scratch, re-create the triggers exactly as they were, and delete the
record of the newest event the computer committed (``<database>.locks/head``, triage.store.tamper),
which on its own would refuse the next open: its MAC is under the database key, which the insider
holds, so they can as well rewrite it. What is left to catch them is the signatures. Plain SQL
through the store's own connection (on a local store: SQLCipher opened with the key the user's own
password unwraps), so nothing of the application's checks runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from triage.store.audit import canonical_content, chain_hash
from triage.store.database import Store, local_file
from triage.store.models import GENESIS_HASH, AuditEvent
from triage.store.signing import Signer, sign_events
from triage.store.tamper import forget_witness

COLUMNS = ("id", "occurred_at", "actor", "entity_type", "entity_id", "action", "summary", "signed_by", "signature")
Rows = list[dict[str, Any]]


def trail(store: Store) -> Rows:
    with store.read() as session:
        events = session.query(AuditEvent).order_by(AuditEvent.id).all()
        return [{c: getattr(event, c) for c in COLUMNS} for event in events]


def resign(rows: Rows, ids: set[int], signer: Signer) -> None:
    """Sign the rows ``ids`` (as they now are) with ``signer``: what their owner can do with their own key."""
    for row in rows:
        if row["id"] in ids:
            event = AuditEvent(**{c: row[c] for c in COLUMNS if c not in ("signed_by", "signature")})
            sign_events(signer, [event], [canonical_content(event)])
            row["signed_by"], row["signature"] = event.signed_by, event.signature


def rewrite_trail(store: Store, change: Callable[[Rows], Rows | None]) -> None:
    """``change`` edits the trail's rows (or returns new ones); the chain, head and triggers are then
    made to look untouched."""
    rows = trail(store)
    rows = change(rows) or rows
    prev, chained = GENESIS_HASH, []
    for row in rows:
        event = AuditEvent(**{c: row[c] for c in COLUMNS}, prev_hash=prev)
        event.hash = chain_hash(prev, event)
        chained.append({**row, "prev_hash": prev, "hash": event.hash})
        prev = event.hash
    with store.engine.begin() as connection:
        triggers = _drop_triggers(connection, store.dialect)
        connection.execute(text("DELETE FROM audit_event"))
        if chained:
            columns = ", ".join(chained[0])
            values = ", ".join(f":{c}" for c in chained[0])
            connection.execute(text(f"INSERT INTO audit_event ({columns}) VALUES ({values})"), chained)
        connection.execute(text("UPDATE audit_head SET last_event_id = :id, last_hash = :hash, event_count = :count"),
                           {"id": chained[-1]["id"], "hash": prev, "count": len(chained)})  # fmt: skip
        for statement in triggers:
            connection.exec_driver_sql(statement)
    database = local_file(store.engine.url)
    if database is not None:
        forget_witness(database)


def _drop_triggers(connection: Any, dialect: str) -> list[str]:
    """Drop every trigger on the trail and its head; returns the statements that re-create them."""
    if dialect == "sqlite":
        found = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_event', 'audit_head')"
        ).all()
        for name, _ in found:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")
        return [sql for _, sql in found]
    found = connection.exec_driver_sql(
        "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE NOT tgisinternal AND tgrelid::regclass::text IN ('audit_event', 'audit_head')"
    ).all()
    for name, table, _ in found:
        connection.exec_driver_sql(f"DROP TRIGGER {name} ON {table}")
    return [definition for _, _, definition in found]


def renumbered(rows: Rows) -> Rows:
    """The rows given ids 1..n again, in their order (what hides a deletion or a reordering)."""
    return [{**row, "id": number} for number, row in enumerate(rows, start=1)]
