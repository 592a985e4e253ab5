"""Looking after the store: verify it, back it up, restore it. Checked like every other service (an
admin backs up and restores; a team leader may also verify, which shows no patient data), so the
command line and any future screen go through the same permission table."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from triage.services.permissions import User, require
from triage.services.signing_keys import countersign_if_admin
from triage.store.audit import record_event
from triage.store.backup import KEEP_PREVIOUS, BackupMade, backup_database, carried_in_words, restore_database
from triage.store.database import Store
from triage.store.integrity import verify_database
from triage.store.signature_check import describe_signing


def verify_store(store: Store, user: User, *, older_schema_ok: bool = False) -> list[str]:
    """Every problem found (identifier-free sentences); empty when the store is sound (``verify``)."""
    require(user, "verify", store=store)
    return verify_database(store, older_schema_ok=older_schema_ok)


def back_up(store: Store, user: User, destination: Path) -> BackupMade:
    """Copy the live store to a new file and verify the copy (``backup``). Audited as what happened:
    "backup made" once the copy is verified, in the same step that gives it its name (no backup
    without its record); a failed attempt as "backup failed" (a try at copying every record is worth
    knowing about), unless the store itself cannot be written to by then. A store whose trail already
    has problems is backed up with them, said in the audit and in ``BackupMade.carried``; an admin's
    backup of it countersigns nothing (a countersignature vouches for the trail it covers)."""
    require(user, "backup", store=store)
    return _audited_backup(store, user, destination, "backup")


def scheduled_back_up(store: Store, user: User, destination: Path) -> BackupMade:
    """The backup an admin scheduled in Settings, made as ``user`` closes triage: any role's close
    makes it (the admin chose that, and where it goes; the person closing chooses nothing), audited
    as "scheduled backup made" (or failed) under their name, like ``back_up``."""
    return _audited_backup(store, user, destination, "scheduled backup")


def _audited_backup(store: Store, user: User, destination: Path, what: str) -> BackupMade:
    def audit(summary: str) -> None:
        with store.write() as session:
            record_event(session, actor=user.username, entity_type="database", entity_id="backup", action="export",
                         summary=summary)  # fmt: skip
            if summary == "backup made":  # an admin's backup countersigns the head (triage.store.signing)
                countersign_if_admin(session, user, store.signer, "backup")

    try:
        return backup_database(store, destination, made=lambda carried: audit(f"{what} made" + _carrying(carried)))
    except Exception:
        with suppress(Exception):  # the backup's own error is the one to show
            audit(f"{what} failed")
        raise


def _carrying(carried: tuple[str, ...]) -> str:
    if not carried:
        return ""
    return f", carrying {carried_in_words(carried)} its store's own checks already find (db verify lists them)"


def signing_summary(store: Store, user: User) -> list[str]:
    """What ``db verify`` and a backup print about the trail's signatures, for an auditor to compare
    with the admin fingerprint written down at set-up (``verify``)."""
    require(user, "verify", store=store)
    with store.read() as session:
        return describe_signing(session)


def restore(
    store: Store, user: User, source: Path, target: Path, *, keep: int = KEEP_PREVIOUS, accept_problems: bool = False
) -> Path | None:
    """Replace the store at ``target`` with the backup ``source`` (``restore``). ``store`` is open only
    to check who is asking and to lend its key: the store being replaced, or a throwaway copy of the
    backup on a computer without one. It is closed here; the restored store is verified first.
    Returns where the replaced database was kept (None when there was none); ``keep`` copies are kept.
    ``accept_problems``: the admin restores a backup verification finds problems in, as it is."""
    require(user, "restore", store=store)
    key = store._key
    store.close()
    return restore_database(source, target, key=key, keep=keep, accept_problems=accept_problems)
