"""Column types shared by the models and the migrations (migrations import these, never the models,
so an old migration keeps meaning what it meant when it was written)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# JSON documents (questionnaire answers, routings): JSONB on PostgreSQL, JSON text on SQLite.
JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in UTC. Refuses naive datetimes on the way in (a local time would be ambiguous in an
    audit trail) and always gives back an aware UTC datetime, whatever the database kept."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored; use an aware UTC datetime")
        moment = value.astimezone(UTC)
        # SQLite keeps text: store naive UTC so the stored text sorts and compares as time does.
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value  # the driver's datetime (SQLAlchemy types the value as Any)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
