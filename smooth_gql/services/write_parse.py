"""Stage 1 of the write pipeline: an element's raw input checked, field by field, in Python.

Nothing here touches the database, so a malformed element costs no round trip
and a batch of them is refused before its transaction begins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import FieldError, ItemErrorCode, Reason
from .entity_spec import EntitySpec, Join, Row
from .fields import MAX_LIST_ENTRIES, check_int, check_value


def parse_fields(
    spec: EntitySpec, item: Mapping[str, Any], *, creating: bool
) -> tuple[Row, dict[str, list[Row]]]:
    """The stored values and join rows of `item`; a create gets every field (defaults filled)."""
    allowed = {f.name for f in spec.fields} | {j.name for j in spec.joins}
    for key in item:
        if key not in allowed:
            raise FieldError(key, f"is not a field of {spec.name}", reason=Reason.UNKNOWN_FIELD)
    values = _parse_values(spec, item, creating=creating)
    joins: dict[str, list[Row]] = {}
    for join in spec.joins:
        if join.name in item:
            joins[join.name] = _parse_join(join, item[join.name])
    return values, joins


def _parse_values(spec: EntitySpec, item: Mapping[str, Any], *, creating: bool) -> Row:
    values: Row = {}
    for f in spec.fields:
        if f.name in item:
            raw = item[f.name]
            if raw is None and creating and f.default is not None:
                raw = f.default
            values[f.name] = check_value(f, list(raw) if isinstance(raw, tuple) else raw)
        elif creating:
            if f.required:
                raise FieldError(f.label, "is required", reason=Reason.REQUIRED)
            values[f.name] = list(f.default) if isinstance(f.default, tuple) else f.default
    for twin_of, twin in spec.legacy_twins.items():
        if twin_of in values and twin not in item:
            values[twin] = None  # a new enum value supersedes the legacy text
    return values


def _parse_join(join: Join, raw: Any) -> list[Row]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise FieldError(join.label, "expected a list")
    if len(raw) > MAX_LIST_ENTRIES:
        raise FieldError(
            join.label,
            f"at most {MAX_LIST_ENTRIES} entries (got {len(raw)})",
            ItemErrorCode.LIMIT,
            Reason.LIMIT_EXCEEDED,
        )
    rows = [join.parse(join.label, pos, el) for pos, el in enumerate(raw)]
    if join.unique:
        _reject_duplicate_members(join.label, join.ref_column, rows)
    return rows


def _reject_duplicate_members(label: str, column: str, rows: list[Row]) -> None:
    seen: set[str] = set()
    for position, row in enumerate(rows):
        if row[column] in seen:
            raise FieldError(f"{label}[{position}]", f"{row[column]} is listed twice")
        seen.add(row[column])


def _missing(value: Any) -> bool:
    """Absent the way legacy clients mean it: null, an empty string, list or object."""
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def check_required(spec: EntitySpec, item: Mapping[str, Any], required: Sequence[str]) -> None:
    for name in required:
        if _missing(item.get(name)):
            known = spec.field(name)
            raise FieldError(known.label if known else name, "is required", reason=Reason.REQUIRED)


def expected_version(item: Mapping[str, Any], *, required: bool) -> int | None:
    """The version an element says it changes (`expectedVersion`), if it names one."""
    expected = item.get("expected_version")
    if expected is None and required:
        raise FieldError("expectedVersion", "is required", reason=Reason.REQUIRED)
    return None if expected is None else check_int("expectedVersion", expected)


def forget_replaced_arrays(spec: EntitySpec, values: Row, joins: Mapping[str, list[Row]]) -> None:
    """A verbatim legacy array describes the relation it was written with. An update that
    replaces the relation itself (GraphQL `components`, `toolPresetIds`, `toolInstanceIds`) and
    sends no new array clears it, so legacy readers get the array built from the relation
    instead of the stale one (REST reads derive a missing array from the join)."""
    for link in spec.legacy_links:
        if link.join in joins and link.source not in values:
            values[link.source] = None
