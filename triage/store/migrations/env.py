"""Alembic environment for the store. Always run from ``triage.store.database`` with an open
connection already inside the one transaction the whole upgrade runs in (so a failure rolls back
everything); there is no alembic.ini and no URL here."""

from __future__ import annotations

from alembic import context

from triage.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("triage migrations run only through triage.store.database.open_store")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite has almost no ALTER TABLE
    transaction_per_migration=False,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
