"""The store's tables and foreign keys as a Mermaid ``erDiagram``, generated from the models.

docs/design.md, "Data model" holds this diagram; tests/test_design_doc.py checks the two are equal,
so the diagram is regenerated, never edited by hand:

    python -m triage.store.diagram        prints the fenced block to paste over the one in the doc
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import Column, MetaData, Table, UniqueConstraint

from triage.store.models import Base

# Mermaid attribute types are single words; these read as the column types do in models.py.
TYPE_NAMES = {
    "String": "string",
    "Text": "text",
    "Integer": "int",
    "Boolean": "bool",
    "Date": "date",
    "UtcDateTime": "datetime",
    "JSON": "json",
    "LargeBinary": "blob",
}


def _keys(column: Column[Any], table: Table) -> str:
    """Mermaid's key markers: primary key, foreign key, unique."""
    unique = bool(column.unique) or any(
        isinstance(constraint, UniqueConstraint) and constraint.columns.keys() == [column.name]
        for constraint in table.constraints
    )
    held = (("PK", column.primary_key), ("FK", bool(column.foreign_keys)), ("UK", unique))
    marks = [mark for mark, holds in held if holds]
    return " " + ", ".join(marks) if marks else ""


def _entity(table: Table) -> list[str]:
    lines = [f"    {table.name} {{"]
    for column in table.columns:
        kind = TYPE_NAMES.get(type(column.type).__name__, type(column.type).__name__.lower())
        lines.append(f"        {kind} {column.name}{_keys(column, table)}")
    return lines + ["    }"]


def _relations(table: Table) -> list[str]:
    """One line per foreign key, the referred table first. Left: the referred row must exist (``||``)
    or may be absent (``|o``, a nullable key); right: many rows (``o{``), or at most one when the key
    is also the row's primary key or unique (``o|``)."""
    lines = []
    for column in table.columns:
        for key in sorted(column.foreign_keys, key=lambda fk: fk.target_fullname):
            parent = "|o" if column.nullable else "||"
            child = "o|" if column.primary_key or column.unique else "o{"
            lines.append(f'    {key.column.table.name} {parent}--{child} {table.name} : "{column.name}"')
    return lines


def erdiagram(metadata: MetaData = Base.metadata) -> str:
    """Every table with its columns (type, name, key markers), then every foreign key as a relation,
    in the order the models declare them."""
    tables = list(metadata.tables.values())
    lines = ["erDiagram"]
    for table in tables:
        lines += _entity(table)
    for table in tables:
        lines += _relations(table)
    return "\n".join(lines) + "\n"


def fenced(metadata: MetaData = Base.metadata) -> str:
    return "```mermaid\n" + erdiagram(metadata) + "```\n"


if __name__ == "__main__":
    sys.stdout.write(fenced())
