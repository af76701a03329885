"""Field kinds and their validation, shared by every entity and every door.

GraphQL already types its inputs, but REST hands over raw JSON, so the
services check every value themselves; every refusal names the field (its
client-facing label) and says why as a `Reason`, which the doors render.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum, StrEnum
from typing import Any

from ..errors import FieldError, Reason

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_TAGS = 50
MAX_LIST_ENTRIES = 1000  # members of one tool set, components of one assembly
MAX_JSON_DEPTH = 32
MAX_QUERY_TEXT = 1000  # a filter's or a cursor's string: longer than anything stored that matters
# The values of one `tagsAny` / `tagsAll`, one bind parameter each: asyncpg sends at most 32,767
# and SQLite takes at most 32,766; a document within maxTokens holds fewer than 2,000 anyway.
MAX_QUERY_LIST = 10_000


class Kind(Enum):
    STRING = "string"  # short text, max_length applies
    TEXT = "text"  # long text
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    JSON = "json"  # any JSON value
    JSON_ARRAY = "json_array"
    DATETIME = "datetime"
    DATE = "date"
    ENUM = "enum"
    TAGS = "tags"
    ID = "id"  # a reference to another row


@dataclass(frozen=True)
class Field:
    name: str  # column name
    label: str  # the name clients see (GraphQL camelCase)
    kind: Kind
    required: bool = False
    nullable: bool = True
    enum: type[StrEnum] | None = None
    max_length: int = 255
    default: Any = None
    non_blank: bool = False  # may be null, but never an empty or blank string


def check_value(field: Field, value: Any) -> Any:
    """Return the stored form of `value` or raise FieldError naming the field."""
    if value is None:
        if field.required or not field.nullable:
            raise FieldError(field.label, "must not be null", reason=Reason.REQUIRED)
        return None
    return _CHECKERS[field.kind](field, value)


def _check_float(label: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(label, "expected a number")
    if not math.isfinite(value):
        raise FieldError(label, "must be a finite number")
    return float(value)


def _check_bool(label: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError(label, "expected true or false")
    return value


def _check_json_value(label: str, value: Any) -> Any:
    check_json(label, value)
    return value


def _check_json_array(label: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise FieldError(label, "expected a JSON array")
    check_json(label, value)
    return value


def _check_enum_field(field: Field, value: Any) -> str:
    assert field.enum is not None
    return check_enum(field.label, value, field.enum)


def _check_text_field(field: Field, value: Any) -> str:
    limit = field.max_length if field.kind is Kind.STRING else 1_000_000
    return check_string(field.label, value, limit, required=field.required or field.non_blank)


def _by_label(check: Callable[[str, Any], Any]) -> Callable[[Field, Any], Any]:
    """A checker that needs only the field's label."""
    return lambda field, value: check(field.label, value)


def check_string(label: str, value: Any, max_length: int = 255, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise FieldError(label, "expected a string")
    check_text(label, value)
    if len(value) > max_length:
        raise FieldError(label, f"must be at most {max_length} characters (got {len(value)})")
    if required and not value.strip():
        raise FieldError(label, "must not be empty", reason=Reason.REQUIRED)
    return value


def check_int(label: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(label, "expected a whole number")
    if not INT64_MIN <= value <= INT64_MAX:
        raise FieldError(label, "is outside the 64-bit integer range")
    return value


# An id as stored (`str(uuid.UUID(...))`): what the loaders are handed back from rows.
_CANONICAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check_id(label: str, value: Any) -> str:
    """The stored form of an id. One already in that form is itself: matched, not parsed and
    printed again (several times cheaper; a machine view checks some 250 ids from rows)."""
    if not isinstance(value, str):
        raise FieldError(label, "expected an id string")
    if _CANONICAL_ID.fullmatch(value):
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FieldError(label, f"{value[:60]!r} is not a valid id (UUID)") from None


def canonical_id(value: object) -> str | None:
    """The stored form of an id (lower case, hyphenated: writes store `check_id`'s result), or
    None when `value` cannot name a row. Every lookup by a client's id goes through this, so
    `ABC…` finds the row written as `abc…`."""
    try:
        return check_id("id", value)
    except FieldError:
        return None


def is_id(value: object) -> bool:
    """Could `value` name a row? (The same rule as `check_id`, as a question.)"""
    return canonical_id(value) is not None


def check_enum(label: str, value: Any, enum: type[StrEnum]) -> str:
    if isinstance(value, str):
        try:
            return enum(value).value
        except ValueError:
            pass
    allowed = ", ".join(member.value for member in enum)
    raise FieldError(label, f"unknown value {repr(value)[:60]}; allowed: {allowed}")


def check_tags(label: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise FieldError(label, "expected a list of strings")
    if len(value) > MAX_TAGS:
        raise FieldError(label, f"at most {MAX_TAGS} tags")
    tags: list[str] = []
    for tag in value:
        tag = check_string(label, tag, 64, required=True).strip()
        if tag not in tags:
            tags.append(tag)
    return tags


def check_datetime(label: str, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise FieldError(
                label, f"{value[:60]!r} is not an ISO 8601 date-time", reason=Reason.NOT_A_TIME
            ) from None
    if not isinstance(value, datetime):
        raise FieldError(label, "expected an ISO 8601 date-time")
    moment: datetime = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of Greenwich, 9999-12-31 west of it
        raise FieldError(label, "is outside the years 1 to 9999 in UTC") from None


def check_date(label: str, value: Any) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise FieldError(label, f"{value[:60]!r} is not an ISO 8601 date") from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise FieldError(label, "expected an ISO 8601 date")
    return value


def check_json(label: str, value: Any, depth: int = 0) -> None:
    """Reject what JSON (or PostgreSQL's jsonb) cannot hold, before it reaches the database."""
    if depth > MAX_JSON_DEPTH:
        raise FieldError(label, f"nested deeper than {MAX_JSON_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        check_text(label, value)
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError(label, "must not contain NaN or infinite numbers")
        return
    if isinstance(value, list):
        for element in value:
            check_json(label, element, depth + 1)
        return
    if isinstance(value, dict):
        for key, element in value.items():
            if not isinstance(key, str):
                raise FieldError(label, "object keys must be strings")
            check_text(label, key)
            check_json(label, element, depth + 1)
        return
    raise FieldError(label, f"{type(value).__name__} is not a JSON value")


def check_text(label: str, value: str) -> None:
    """What neither database can store: NUL, and lone surrogates (not valid UTF-8)."""
    if "\x00" in value:
        raise FieldError(label, "must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise FieldError(label, "must be valid Unicode (it contains a lone surrogate)") from None


def check_query_text(label: str, value: object, max_length: int = MAX_QUERY_TEXT) -> str:
    """A string a client searches or filters by: storable (`check_text`) and short enough for
    any database to compare (SQLite refuses a LIKE pattern over 50,000 bytes)."""
    if not isinstance(value, str):
        raise FieldError(label, "expected a string")
    check_text(label, value)
    if len(value) > max_length:
        raise FieldError(label, f"must be at most {max_length} characters (got {len(value)})")
    return value


# One checker per kind (a kind without one fails at import, not on the first write of it).
_CHECKERS: Mapping[Kind, Callable[[Field, Any], Any]] = {
    Kind.STRING: _check_text_field,
    Kind.TEXT: _check_text_field,
    Kind.INT: _by_label(check_int),
    Kind.FLOAT: _by_label(_check_float),
    Kind.BOOL: _by_label(_check_bool),
    Kind.JSON: _by_label(_check_json_value),
    Kind.JSON_ARRAY: _by_label(_check_json_array),
    Kind.DATETIME: _by_label(check_datetime),
    Kind.DATE: _by_label(check_date),
    Kind.ENUM: _check_enum_field,
    Kind.TAGS: _by_label(check_tags),
    Kind.ID: _by_label(check_id),
}


def to_jsonable(value: Any) -> Any:
    """The JSON form of a stored value (for audit entries and snapshots). A datetime is a date;
    one class to test, not a union, since this runs for every column of every written row."""
    if isinstance(value, date):
        return value.isoformat()
    return value
