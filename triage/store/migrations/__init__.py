"""Alembic migrations: the only way the store's schema is made or changed (run at open)."""
