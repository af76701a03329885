"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ..json_codec import dumps, loads

# JSONB on PostgreSQL so tags can be searched with ?| / ?&; plain JSON text on SQLite.
JSONValue = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out.

    SQLite keeps no offset, so a naive value read back is UTC by construction;
    an aware value written in another zone is converted, never dropped.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return _utc(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], datetime | None] | None:
        """On SQLite, the stored text straight to `_utc` in one call per value, rather than
        through the dialect's own parser (the same `fromisoformat`) and then
        `process_result_value`: a page of rows has a few of these per row."""
        if dialect.name == "sqlite":
            return _utc
        return super().result_processor(dialect, coltype)


def _utc(value: Any) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite text, or a driver's datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            # SQLite text carries no offset and is UTC: parsing it with one is several times
            # faster than parsing it naive and then replace(tzinfo=UTC).
            value = datetime.fromisoformat(value + "+00:00")
        except ValueError:
            value = datetime.fromisoformat(value)  # text with an offset of its own
    moment: datetime = value
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class JSONText(TypeDecorator[Any]):
    """A JSON document kept as the text written, encoded and decoded by `json_codec` (orjson,
    which writes datetimes itself): for a large value stored once and read back whole, such
    as a bulk write's outcome kept with its idempotency key, where the standard library's
    encoder and JSONB's parse would cost more than the write's own rows."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else dumps(value).decode()

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else loads(value)
