"""One value of a backup row, checked with the write path's field rules.

Every refusal reads `Validation error: Restore failed: <list>[<row>].<key>: <problem>`,
so a document can only store what an API write could, and its author finds the row.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, Integer, String, Text
from sqlalchemy.sql.type_api import TypeEngine

from ..db.types import UTCDateTime, utcnow
from ..errors import FieldError
from ..services.fields import check_datetime, check_id, check_int, check_json, check_string
from .errors import InvalidBackup

COMMON_COLUMNS = ("id", "owner_id", "created_by", "updated_by", "created_at", "updated_at", "version")
# The backup keys of a tool row's owner and authors, and the columns they fill.
AUTHOR_KEYS = (("user_id", "owner_id"), ("created_by", "created_by"), ("updated_by", "updated_by"))


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@contextmanager
def restore_failed() -> Iterator[None]:
    """A field rule's complaint, as the contract's `Restore failed: ...` refusal."""
    try:
        yield
    except FieldError as error:
        raise InvalidBackup(f"Restore failed: {error}") from None


def common_values(where: str, element: Mapping[str, Any]) -> dict[str, Any]:
    """id, owner, authors, times and version: defaults as the legacy importer gave them."""
    now = utcnow()
    with restore_failed():
        raw_id = element.get("id")
        values: dict[str, Any] = {
            "id": str(uuid.uuid4()) if raw_id is None else check_id(f"{where}.id", raw_id)
        }
        for wire, column in AUTHOR_KEYS:
            raw = element.get(wire)
            values[column] = None if raw is None else check_id(f"{where}.{wire}", raw)
        for key in ("created_at", "updated_at"):
            raw = element.get(key)
            values[key] = now if raw is None else check_datetime(f"{where}.{key}", raw)
        raw = element.get("version")
        values["version"] = 1 if raw is None else check_int(f"{where}.version", raw)
    if values["version"] < 1:
        raise InvalidBackup(f"Restore failed: {where}.version: must be at least 1")
    return values


def check_column(label: str, kind: TypeEngine[Any], value: Any, nullable: bool) -> Any:
    """A value for a column, by the column's type (the same checks as the write path's fields)."""
    if value is None:
        if not nullable:
            raise FieldError(label, "must not be null")
        return None
    return _check_typed(label, kind, value)


def _check_typed(label: str, kind: TypeEngine[Any], value: Any) -> Any:
    if isinstance(kind, UTCDateTime):
        return check_datetime(label, value)
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise FieldError(label, "expected true or false")
        return value
    if isinstance(kind, Integer):  # BigInteger included
        return check_int(label, value)
    if isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise FieldError(label, "expected a finite number")
        return float(value)
    if isinstance(kind, Text):
        return check_string(label, value, 1_000_000)
    if isinstance(kind, String):
        return check_string(label, value, kind.length or 1_000_000)
    if isinstance(kind, Date):
        raise AssertionError("no plain date column outside the tool lists")  # pragma: no cover
    check_json(label, value)  # JSON columns
    return value
