"""The store: referrals, screenings, decisions, drafts and the audit trail, in SQLite (default, in the
user data folder) or PostgreSQL (a team), through SQLAlchemy 2 and Alembic migrations. No Qt here."""

from triage.store.audit import describe_changes, record_event, verify_audit_chain
from triage.store.backup import BackupError, backup_database, restore_database
from triage.store.database import Store, head_revision, open_store, schema_revision
from triage.store.errors import (
    ConflictError,
    IntegrityProblem,
    MigrationError,
    NotFoundError,
    RefusedError,
    StoreError,
    StoreLocationError,
)
from triage.store.integrity import verify_database
from triage.store.location import DATABASE_ENV, check_local_path, default_database_path, resolve_database_url

__all__ = [
    "DATABASE_ENV", "BackupError", "ConflictError", "IntegrityProblem", "MigrationError", "NotFoundError",
    "RefusedError", "Store", "StoreError", "StoreLocationError", "backup_database", "check_local_path",
    "default_database_path", "describe_changes", "head_revision", "open_store", "record_event",
    "resolve_database_url", "restore_database", "schema_revision", "verify_audit_chain", "verify_database",
]  # fmt: skip
