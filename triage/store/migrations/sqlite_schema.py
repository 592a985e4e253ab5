"""Changing a SQLite table's stored definition without rebuilding it (a CHECK or a foreign key; migrations
0013, 0015, 0016, 0019 and 0020).

SQLite cannot drop or change a CHECK without rebuilding the table, and a rebuild would drop the
table's guard triggers and trip the foreign keys pointing at it; so the stored table definition is
edited in place, as SQLite documents ("Making Other Kinds Of Table Schema Changes",
sqlite.org/lang_altertable.html), inside the migration's one transaction, then the foreign keys are
checked. Only for edits that keep every stored row valid (widening a list, a CHECK becoming a key the
rows already meet): SQLite does not recheck existing rows against the edited definition.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def edit_sqlite_tables(edits: list[tuple[str, str, str]]) -> None:
    """Replace one clause in each table's stored definition, (table, old, new); each old clause must be
    there exactly once (several edits of one table apply in turn). Bumps the schema version so every
    connection rereads the schema, then checks the foreign keys of each table edited."""
    bind = op.get_bind()
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        for table, old, new in edits:
            sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"),
                               {"n": table}).scalar()  # fmt: skip
            if sql is None or sql.count(old) != 1:
                raise RuntimeError(f"{table}: its definition is not the one this migration knows")
            bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :n"),
                         {"sql": sql.replace(old, new), "n": table})  # fmt: skip
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    for table in dict.fromkeys(table for table, _, _ in edits):
        if bind.exec_driver_sql(f"PRAGMA foreign_key_check({table})").first() is not None:
            raise RuntimeError(f"{table}: a row names a missing row")
