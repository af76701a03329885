"""Lists of the six entities, always through the access policy.

Lookups by key, shaped for DataLoaders, are in `keyed_reads`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..auth import policy
from ..auth.principal import Principal
from ..db.engine import ONE_STATEMENT, dialect_name
from ..db.queries import mappings, tags_match
from ..enums import EntityType
from ..errors import BadInput, FieldError
from ..runtime import Runtime
from . import cursors
from .entities import SPECS
from .fields import (
    INT64_MAX,
    INT64_MIN,
    MAX_QUERY_LIST,
    Kind,
    canonical_id,
    check_datetime,
    check_query_text,
)

Row = Mapping[str, Any]
Sessions = async_sessionmaker[AsyncSession]

# Text search per entity: case-insensitive "contains" over these columns.
TEXT_COLUMNS: Mapping[EntityType, tuple[str, ...]] = {
    EntityType.TOOL_ITEM: ("name", "part_number", "description"),
    EntityType.TOOL_ASSEMBLY: ("name", "description"),
    EntityType.TOOL_INSTANCE: ("serial_number",),
    EntityType.TOOL_PRESET: ("name", "description"),
    EntityType.TOOL_USAGE: ("program_name", "notes"),
    EntityType.TOOL_SET: ("name", "description"),
}
# Columns a list may be sorted by: never NULL, so keyset cursors stay simple and exact.
SORTABLE: Mapping[EntityType, tuple[str, ...]] = {
    EntityType.TOOL_ITEM: ("created_at", "updated_at", "name"),
    EntityType.TOOL_ASSEMBLY: ("created_at", "updated_at", "name"),
    EntityType.TOOL_INSTANCE: ("created_at", "updated_at", "status"),
    EntityType.TOOL_PRESET: ("created_at", "updated_at", "name", "machine_id"),
    EntityType.TOOL_USAGE: ("created_at", "updated_at", "start_time"),
    EntityType.TOOL_SET: ("created_at", "updated_at", "name"),
}
SPECIAL_FILTERS = frozenset({"text", "tags_any", "tags_all", "updated_after"})


def authorize_read(principal: Principal) -> None:
    """Every read door calls this first: authenticated, with the `read` scope."""
    policy.require(principal, policy.READ)


# --- lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    order_by: str
    has_next: bool
    has_previous: bool

    def cursor(self, row: Row) -> str:
        """Made on demand: most clients that page 1,000 rows never ask for 1,000 cursors."""
        return cursors.encode([self.order_by, row[self.order_by], row["insert_seq"], row["id"]])


@dataclass(frozen=True)
class ListQuery:
    entity: EntityType
    filters: Mapping[str, Any]
    order_by: str = "created_at"
    descending: bool = False
    all_tenants: bool = False


def _where(query: ListQuery, principal: Principal, dialect: str) -> list[ColumnElement[bool]]:
    spec = SPECS[query.entity]
    table = spec.table
    conditions: list[ColumnElement[bool]] = [
        policy.row_filter(principal, table, all_tenants=query.all_tenants)
    ]
    for key, value in query.filters.items():
        if value is None:
            continue
        value = filter_value(key, value)
        if key == "text":
            pattern = f"%{_escape_like(str(value))}%"
            conditions.append(
                or_(*(table.c[c].ilike(pattern, escape="\\") for c in TEXT_COLUMNS[query.entity]))
            )
        elif key in ("tags_any", "tags_all"):
            if value:
                conditions.append(tags_match(dialect, table.c.tags, value, match_all=key == "tags_all"))
        elif key == "updated_after":
            conditions.append(table.c.updated_at > check_datetime("updatedAfter", value))
        elif key in table.c and key not in ("owner_id",):
            known = spec.field(key)
            if known is not None and known.kind is Kind.ID:
                value = canonical_id(value) or value  # ids are stored in lower case
            conditions.append(table.c[key] == value)
        else:
            raise BadInput(f"{key} is not a filter of {spec.name}", field="filter")
    return conditions


def filter_value(key: str, value: Any) -> Any:
    """A filter's value as the database can take it, or BadInput naming `filter`.

    Strings (and the strings of a list) are held to `check_query_text`: no NUL or lone
    surrogate (neither driver can send them), no pattern too long to compare; a list holds
    at most MAX_QUERY_LIST values (one bind parameter each). Moments go through
    `check_datetime` (a moment UTC cannot hold is refused, not overflowed). Every filter of
    every list and of the audit log passes here.
    """
    try:
        if isinstance(value, str):
            return check_query_text(key, value)
        if isinstance(value, list):
            if len(value) > MAX_QUERY_LIST:
                raise FieldError(key, f"at most {MAX_QUERY_LIST} values")
            return [check_query_text(key, v) if isinstance(v, str) else v for v in value]
        if isinstance(value, datetime):
            return check_datetime(key, value)
    except FieldError as error:
        raise BadInput(error.message, field="filter", reason=error.reason) from None
    return value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def creation_order(table: Table) -> tuple[ColumnElement[Any], ...]:
    """Oldest first; rows created together (one bulk call) in the order they were sent."""
    return (table.c.created_at, *_tie_break(table))


def _tie_break(table: Table) -> tuple[ColumnElement[Any], ...]:
    """After a list's sort key: creation order, and the id should that ever tie (a restored
    document may carry any insertion numbers), so the order is total on every database."""
    return (table.c.insert_seq, table.c.id)


def _order(table: Table, query: ListQuery) -> list[ColumnElement[Any]]:
    columns = (table.c[query.order_by], *_tie_break(table))
    return [c.desc() for c in columns] if query.descending else list(columns)


def _decode_cursor(cursor: str, order_by: str) -> tuple[Any, int, str]:
    """A cursor names the sort it was issued for, so one cannot be replayed under another."""
    field, value, seq, row_id = cursors.decode(cursor, 4)
    if (
        field != order_by
        or not isinstance(value, str)
        or isinstance(seq, bool)
        or not isinstance(seq, int)
        or not INT64_MIN <= seq <= INT64_MAX  # beyond BIGINT a database would fail, not refuse
        or not isinstance(row_id, str)
    ):
        raise BadInput("not a cursor of this list and order", field="after")
    if order_by.endswith(("_at", "_time")):
        try:
            return check_datetime("after", value), seq, row_id
        except FieldError:
            raise BadInput("not a cursor of this list and order", field="after") from None
    return value, seq, row_id


def _check_order(query: ListQuery) -> None:
    if query.order_by not in SORTABLE[query.entity]:
        raise BadInput(f"cannot sort {query.entity.value} by {query.order_by}", field="orderBy")


def check_page_size(runtime: Runtime, size: int, field: str, *, least: int = 0) -> None:
    """The page-size rule of every list and feed, GraphQL `first` and REST `limit` alike."""
    most = runtime.settings.max_page_size
    if not least <= size <= most:
        raise BadInput(
            f"must be between {least} and {most}",
            field=field,
            limit=("maxPageSize", most) if size > most else None,
        )


async def list_page(
    runtime: Runtime, principal: Principal, query: ListQuery, *, first: int | None, after: str | None
) -> Page:
    authorize_read(principal)
    _check_order(query)
    limit = runtime.settings.default_page_size if first is None else first
    check_page_size(runtime, limit, "first")
    table = SPECS[query.entity].table
    async with runtime.sessions() as session:
        dialect = dialect_name(session)
        statement: Select[Any] = select(table).where(*_where(query, principal, dialect))
        if after:
            mark = tuple_(*_decode_cursor(after, query.order_by))
            key = tuple_(table.c[query.order_by], *_tie_break(table))
            statement = statement.where(key < mark if query.descending else key > mark)
        rows = mappings(await session.execute(statement.order_by(*_order(table, query)).limit(limit + 1)))
    has_next = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, query.order_by, has_next, bool(after))


@dataclass(frozen=True)
class Window:
    rows: list[Row]
    total: int  # every row the query matches, not just this window's


async def list_window(
    runtime: Runtime,
    principal: Principal,
    query: ListQuery,
    *,
    limit: int,
    offset: int,
    fields: Sequence[str] | None = None,
) -> Window:
    """A page by position and the total, for the legacy REST lists (`limit` / `offset`).

    Rows come in the query's order with ties broken by creation order and then
    id: a total order, so consecutive windows cover every matching row exactly
    once while nothing is written (creation order by default, as legacy clients
    have always seen, rows of one bulk call in the order they were sent).
    The total comes with the rows, from one statement: one snapshot on either
    database, and one round trip instead of two (on SQLite, with no BEGIN).
    Only a window past the end has no row to carry it and needs the count on
    its own. A caller that shows only some `fields` names them: the others are
    neither fetched nor decoded.
    """
    authorize_read(principal)
    _check_order(query)
    check_page_size(runtime, limit, "limit")
    if not 0 <= offset <= INT64_MAX:
        raise BadInput(f"must be between 0 and {INT64_MAX}", field="offset")
    table = SPECS[query.entity].table
    order = _order(table, query)
    session = runtime.sessions()
    where = _where(query, principal, dialect_name(session))
    columns = [table.c[name] for name in fields] if fields is not None else list(table.c)
    total = _counting(table, where).scalar_subquery().correlate(None)  # counted once, not per row
    statement = select(*columns, total).where(*where).order_by(*order).limit(limit).offset(offset)
    async with session:  # on SQLite a turn on the read lane: built before, shaped after
        # Core, not the ORM's execution: plain rows are all this needs, and at less cost.
        connection = await session.connection(execution_options={ONE_STATEMENT: True})
        found = (await connection.execute(statement)).all()
        if not found:
            if offset == 0 and limit > 0:
                return Window([], 0)
            return Window([], int((await connection.execute(_counting(table, where))).scalar_one()))
    names = [column.key for column in columns]
    rows: list[Row] = [dict(zip(names, row[:-1], strict=True)) for row in found]
    return Window(rows, int(found[0][-1]))


async def count(runtime: Runtime, principal: Principal, query: ListQuery) -> int:
    authorize_read(principal)
    table = SPECS[query.entity].table
    async with runtime.sessions() as session:
        counting = _counting(table, _where(query, principal, dialect_name(session)))
        return int((await session.execute(counting)).scalar_one())


def _counting(table: Table, where: list[ColumnElement[bool]]) -> Select[int]:
    return select(func.count()).select_from(table).where(*where)
