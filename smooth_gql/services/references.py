"""Referential rules: ids that must name the owner's rows, rows that others still use,
and database rejections turned into messages a client can act on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ..auth import policy
from ..auth.principal import Principal
from ..db.queries import mappings
from ..enums import EntityType
from ..errors import FieldError, ItemErrorCode, Reason
from .entities import SPECS, referrers_of
from .entity_spec import EntitySpec


@dataclass(frozen=True)
class Wanted:
    """One id an element names, and the owner it must belong to."""

    label: str
    target: EntityType
    id: str
    owner_id: str


def wanted_ids(
    spec: EntitySpec, owner_id: str, values: Mapping[str, Any], joins: Mapping[str, list[dict[str, Any]]]
) -> list[Wanted]:
    found = [
        Wanted(ref.label, ref.target, values[ref.column], owner_id)
        for ref in spec.refs
        if values.get(ref.column) is not None
    ]
    for join in spec.joins:
        for position, row in enumerate(joins.get(join.name, ())):
            label = f"{join.label}[{position}]{join.ref_label}"
            found.append(Wanted(label, join.target, row[join.ref_column], owner_id))
    return found


async def load_targets(
    session: AsyncSession, principal: Principal, wanted: Iterable[Wanted]
) -> dict[EntityType, dict[str, Mapping[str, Any]]]:
    """One `IN (...)` query per referenced entity, through the access policy:
    a row the caller cannot read cannot be referenced either (it looks missing)."""
    ids: dict[EntityType, set[str]] = defaultdict(set)
    for w in wanted:
        ids[w.target].add(w.id)
    loaded: dict[EntityType, dict[str, Mapping[str, Any]]] = {}
    for target, id_set in ids.items():
        table = SPECS[target].table
        rows = await session.execute(
            select(table).where(table.c.id.in_(sorted(id_set)), policy.id_lookup_filter(principal, table))
        )
        loaded[target] = {row["id"]: row for row in mappings(rows)}
    return loaded


def check_targets(
    wanted: Iterable[Wanted], loaded: Mapping[EntityType, Mapping[str, Mapping[str, Any]]]
) -> None:
    """Raise for the first id that is missing or another owner's (the two look alike)."""
    for w in wanted:
        row = loaded.get(w.target, {}).get(w.id)
        if row is None or row["owner_id"] != w.owner_id:
            raise FieldError(
                w.label, f"no {w.target.value} with id {w.id}", ItemErrorCode.NOT_FOUND, Reason.NOT_FOUND
            )


async def find_referrers(
    session: AsyncSession, target: EntityType, ids: list[str]
) -> dict[str, list[tuple[EntityType, str]]]:
    """For each id, the rows that still point at it (one query per referring relation)."""
    found: dict[str, list[tuple[EntityType, str]]] = defaultdict(list)
    if not ids:
        return found
    for referrer in referrers_of(target):
        column = referrer.table.c[referrer.column]
        id_column = referrer.table.c[referrer.id_column]
        rows = await session.execute(select(column, id_column).where(column.in_(ids)))
        for ref_id, referrer_id in rows:
            found[ref_id].append((referrer.entity, referrer_id))
    return found


def referrer_message(referrers: list[tuple[EntityType, str]]) -> str:
    shown = ", ".join(f"{entity.value} {rid}" for entity, rid in sorted(set(referrers))[:5])
    more = len(set(referrers)) - 5
    return f"still referenced by {shown}" + (f" and {more} more" if more > 0 else "")


# Fragments of the database's message (PostgreSQL names the constraint, SQLite the
# columns) mapped to the field and the problem a client should be told about.
_CONSTRAINTS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("uq_tool_instances_owner_serial", "tool_instances.serial_number"),
        "serialNumber",
        "is already used by another of your instances",
    ),
    (
        ("uq_tool_presets_owner_machine_number", "tool_presets.tool_number"),
        "toolNumber",
        "is already used by another preset on this machine",
    ),
    (("pk_", "PRIMARY KEY", ".id"), "id", "already exists"),
    (("foreign key", "FOREIGN KEY"), "id", "a referenced row was deleted meanwhile; retry"),
)


def constraint_error(exc: DBAPIError) -> FieldError:
    text = str(exc.orig)
    for fragments, field, problem in _CONSTRAINTS:
        if any(fragment in text for fragment in fragments):
            return FieldError(field, problem, ItemErrorCode.CONSTRAINT, Reason.CONSTRAINT)
    return FieldError(
        "input",
        f"rejected by the database ({type(exc.orig).__name__})",
        ItemErrorCode.CONSTRAINT,
        Reason.CONSTRAINT,
    )
