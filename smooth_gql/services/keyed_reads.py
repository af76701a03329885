"""Reads of the six entities by key, shaped for DataLoaders, always through the access policy.

One `IN (...)` query per batch, results in key order with `None` (or `[]`)
for misses, each batch in its own short session because aiodataloader runs
batches as concurrent tasks.

A small request's read is cheap enough that building its SQL statement cost
as much as running it (SQLAlchemy constructs, the policy's condition, the
statement's cache key: 0.4 ms against 0.3 ms for the rest). So each
statement is built once per caller, relation and entity, with the keys as an
expanding bound parameter, and kept (`STATEMENTS` of them, least recently
used evicted first). The access condition is part of the statement, so a
statement is kept per principal: a principal is immutable, and a changed
credential is a different principal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..auth import policy
from ..auth.principal import Principal
from ..db.engine import ONE_STATEMENT
from ..db.queries import mappings
from ..enums import EntityType
from .entities import SPECS
from .entity_spec import Join
from .fields import canonical_id
from .reads import creation_order

Row = Mapping[str, Any]
Sessions = async_sessionmaker[AsyncSession]
STATEMENTS = 512


async def _read(sessions: Sessions, statement: Select[Any], keys: Sequence[str]) -> list[Row]:
    """The rows of one statement for `keys`, in a short session of its own (a loader's batch).

    Core, not the ORM's execution (plain rows are all a loader needs), and marked
    ONE_STATEMENT: on SQLite the statement runs in a read transaction of its own,
    one trip to the driver's thread instead of three (BEGIN, the statement, and
    the ROLLBACK that ends the session). A request's relations are one batch each,
    so this is paid once per relation a request reads, a small one's included.
    """
    async with sessions() as session:
        connection = await session.connection(execution_options={ONE_STATEMENT: True})
        return mappings(await connection.execute(statement, {"keys": list(keys)}))


@lru_cache(maxsize=STATEMENTS)
def _rows_by(entity: EntityType, column: str, principal: Principal, ordered: bool) -> Select[Any]:
    """`entity`'s rows the principal may see whose `column` is one of the bound `keys`."""
    table = SPECS[entity].table
    statement = select(table).where(
        table.c[column].in_(bindparam("keys", expanding=True)), policy.id_lookup_filter(principal, table)
    )
    return statement.order_by(*creation_order(table)) if ordered else statement


@lru_cache(maxsize=STATEMENTS)
def _join_rows(join: Join, column: str) -> Select[Any]:
    table = join.table
    return (
        select(table)
        .where(table.c[column].in_(bindparam("keys", expanding=True)))
        .order_by(table.c[column], table.c.position)
    )


@lru_cache(maxsize=STATEMENTS)
def _through(
    join: Join, from_column: str, to_column: str, to_entity: EntityType, principal: Principal
) -> Select[Any]:
    table = join.table
    target = SPECS[to_entity].table
    return (
        select(table.c[from_column].label("_key"), target)
        .join(target, target.c.id == table.c[to_column])
        .where(
            table.c[from_column].in_(bindparam("keys", expanding=True)),
            policy.id_lookup_filter(principal, target),
        )
        .order_by(table.c[from_column], table.c.position)
    )


async def by_ids(
    sessions: Sessions, principal: Principal, entity: EntityType, ids: Sequence[str]
) -> list[Row | None]:
    """Rows by id in key order, None for a miss. A string that is not an id at all (say, one
    with a NUL or a lone surrogate, which the drivers cannot even send) is simply a miss."""
    keys = [canonical_id(i) for i in ids]
    wanted = {k for k in keys if k is not None}
    if not wanted:
        return [None] * len(ids)
    rows = await _read(sessions, _rows_by(entity, "id", principal, False), sorted(wanted))
    found = {row["id"]: row for row in rows}
    return [found.get(k) if k is not None else None for k in keys]


async def by_column(
    sessions: Sessions, principal: Principal, entity: EntityType, column: str, keys: Sequence[str]
) -> list[list[Row]]:
    """Rows of `entity` whose `column` holds each key (back-references), in creation order."""
    rows = await _read(sessions, _rows_by(entity, column, principal, True), sorted(set(keys)))
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append(row)
    return [grouped.get(k, []) for k in keys]


async def join_rows(sessions: Sessions, join: Join, column: str, keys: Sequence[str]) -> list[list[Row]]:
    """Raw join-table rows (e.g. assembly components) keyed by either side, by position."""
    rows = await _read(sessions, _join_rows(join, column), sorted(set(keys)))
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append(row)
    return [grouped.get(k, []) for k in keys]


async def through_join(
    sessions: Sessions,
    principal: Principal,
    join: Join,
    from_column: str,
    to_column: str,
    to_entity: EntityType,
    keys: Sequence[str],
) -> list[list[Row]]:
    """Entities on the far side of a join table, for each key on the near side."""
    statement = _through(join, from_column, to_column, to_entity, principal)
    rows = await _read(sessions, statement, sorted(set(keys)))
    grouped: dict[str, list[Row]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for row in rows:
        values = dict(row)
        key = values.pop("_key")
        if (key, values["id"]) not in seen:  # an item used twice in one assembly is one assembly
            seen.add((key, values["id"]))
            grouped[key].append(values)
    return [grouped.get(k, []) for k in keys]
