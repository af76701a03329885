"""Building blocks every entity type shares: rows to objects, inputs to service
dictionaries, connections and page info."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types.maybe import Some

from ..context import Context
from ..enums import EntityType as DomainEntity
from ..services import reads
from ..services.entity_spec import Join
from ..services.reads import ListQuery
from .enums import OrderDirection

T = TypeVar("T")

_COLUMNS: dict[type, tuple[str, ...]] = {}


def from_row(cls: type[T], row: Mapping[str, Any]) -> T:
    """Build a Strawberry object from a stored row; plain attributes, no resolvers.

    Relation fields are methods that go through DataLoaders, so only the row's
    own columns are copied here.
    """
    names = _COLUMNS.get(cls)
    if names is None:
        names = _COLUMNS[cls] = tuple(f.name for f in dataclass_fields(cls) if f.init)  # type: ignore[arg-type]
    return cls(**{name: row[name] for name in names})


def to_service(value: Any) -> Any:
    """An input object as the plain dictionary the services take.

    `Maybe` fields that were absent are left out; `Some(None)` means "set to
    null"; plain optional fields left at None are left out too (for create
    inputs absent and null mean the same).
    """
    if isinstance(value, Some):
        return to_service(value.value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        # No input type of the schema nests lists, so a list or dict inside a list is part
        # of a JSON value: passed on as it is, not walked (a client may nest it 500 deep;
        # the services' `check_json` refuses it past MAX_JSON_DEPTH without recursing further).
        return [v if isinstance(v, list | dict) else to_service(v) for v in value]
    if hasattr(value, "__strawberry_definition__"):
        out: dict[str, Any] = {}
        for f in dataclass_fields(value):
            raw = getattr(value, f.name)
            if raw is None or raw is strawberry.UNSET:
                continue
            out[f.name] = to_service(raw)
        return out
    return value


@strawberry.interface(description="What every tool entity carries: identity, tenant, history, tags.")
class Entity:
    id: strawberry.ID
    tags: list[str]
    owner_id: strawberry.ID = strawberry.field(description="The tenant that owns the row.")
    created_by: strawberry.ID
    updated_by: strawberry.ID
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(description="1 on create, +1 on every successful update.")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    row: strawberry.Private[Mapping[str, Any]]
    page: strawberry.Private[reads.Page]

    @strawberry.field
    def cursor(self) -> str:
        return self.page.cursor(self.row)


@strawberry.type
class Connection(Generic[T]):
    """A Relay-style page; `totalCount` runs its COUNT only when asked for."""

    edges: list[Edge[T]]
    page_info: PageInfo
    query: strawberry.Private[ListQuery]

    @strawberry.field
    async def total_count(self, info: strawberry.Info[Context, None]) -> int:
        return await reads.count(info.context.runtime, info.context.principal, self.query)


async def connection(
    info: strawberry.Info[Context, None], cls: type[T], query: ListQuery, first: int | None, after: str | None
) -> Connection[T]:
    page = await reads.list_page(
        info.context.runtime, info.context.principal, query, first=first, after=after
    )
    edges = [Edge(node=from_row(cls, row), row=row, page=page) for row in page.rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursor(page.rows[0]) if page.rows else None,
            end_cursor=page.cursor(page.rows[-1]) if page.rows else None,
        ),
        query=query,
    )


def list_query(entity: Any, filter: Any, order_by: Any, all_tenants: bool) -> ListQuery:
    filters = to_service(filter) if filter is not None else {}
    field, descending = "created_at", False
    if order_by is not None:
        field = order_by.field.value
        descending = order_by.direction is OrderDirection.DESC
    return ListQuery(entity, filters, field, descending, all_tenants)


@strawberry.input(description="What to delete; `expectedVersion`, when given, must match.")
class DeleteInput:
    id: strawberry.ID
    expected_version: int | None = None


async def load_one(
    info: strawberry.Info[Context, None], entity: DomainEntity, cls: type[T], key: str | None
) -> T | None:
    if key is None:
        return None
    row = await info.context.loaders.by_id(entity).load(key)
    return None if row is None else from_row(cls, row)


async def load_referrers(
    info: strawberry.Info[Context, None], entity: DomainEntity, column: str, cls: type[T], key: str
) -> list[T]:
    rows = await info.context.loaders.by_column(entity, column).load(key)
    return [from_row(cls, row) for row in rows]


async def load_through(
    info: strawberry.Info[Context, None],
    join: Join,
    from_column: str,
    to_column: str,
    entity: DomainEntity,
    cls: type[T],
    key: str,
) -> list[T]:
    rows = await info.context.loaders.through(join, from_column, to_column, entity).load(key)
    return [from_row(cls, row) for row in rows]
