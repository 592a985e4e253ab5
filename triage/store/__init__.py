"""The store: referrals, screenings, decisions, drafts and the audit trail, in SQLite (default, in the
user data folder) or PostgreSQL (a team), through SQLAlchemy 2 and Alembic migrations. No Qt here.

The exports are loaded on first use (PEP 562), so that importing a light submodule such as
``triage.store.errors`` or ``triage.store.location`` does not load SQLAlchemy and the models: the app
shows its login window before the heavy modules are in.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_EXPORTS = {
    "describe_changes": "audit", "record_event": "audit", "verify_audit_chain": "audit",
    "BackupError": "backup", "backup_database": "backup", "restore_database": "backup",
    "Store": "database", "head_revision": "database", "open_store": "database", "schema_revision": "database",
    "ConflictError": "errors", "IntegrityProblem": "errors", "MigrationError": "errors", "NotFoundError": "errors",
    "RefusedError": "errors", "StoreError": "errors", "StoreLocationError": "errors",
    "verify_database": "integrity",
    "DATABASE_ENV": "location", "check_local_path": "location", "default_database_path": "location",
    "resolve_database_url": "location",
}  # fmt: skip

__all__ = [
    "DATABASE_ENV", "BackupError", "ConflictError", "IntegrityProblem", "MigrationError", "NotFoundError",
    "RefusedError", "Store", "StoreError", "StoreLocationError", "backup_database", "check_local_path",
    "default_database_path", "describe_changes", "head_revision", "open_store", "record_event",
    "resolve_database_url", "restore_database", "schema_revision", "verify_audit_chain", "verify_database",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    submodule = _EXPORTS.get(name)
    if submodule is None:
        if name.startswith("__"):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        try:  # `triage.store.database` and the like, as the eager imports used to provide
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
