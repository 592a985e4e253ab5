"""Looking after the store: verify it, back it up, restore it. Checked like every other service (an
admin backs up and restores; a team leader may also verify, which shows no patient data), so the
command line and any future screen go through the same permission table."""

from __future__ import annotations

from pathlib import Path

from triage.services.permissions import User, require
from triage.store.audit import record_event
from triage.store.backup import backup_database, restore_database
from triage.store.database import Store
from triage.store.integrity import verify_database


def verify_store(store: Store, user: User, *, older_schema_ok: bool = False) -> list[str]:
    """Every problem found (identifier-free sentences); empty when the store is sound (``verify``)."""
    require(user, "verify", store=store)
    return verify_database(store, older_schema_ok=older_schema_ok)


def back_up(store: Store, user: User, destination: Path) -> Path:
    """Copy the live store to a new file and verify the copy (``backup``); audited before the copy,
    so the backup carries the record of its own making."""
    require(user, "backup", store=store)
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="database", entity_id="backup", action="export",
                     summary="backup made")  # fmt: skip
    return backup_database(store, destination)


def restore(store: Store, user: User, source: Path, target: Path) -> Path | None:
    """Replace the store at ``target`` with the backup ``source`` (``restore``). ``store`` is open only
    to check who is asking and to lend its key: the store being replaced, or a throwaway copy of the
    backup on a computer without one. It is closed here; the restored store is verified first.
    Returns where the replaced database was kept (None when there was none)."""
    require(user, "restore", store=store)
    key = store._key
    store.close()
    return restore_database(source, target, key=key)
