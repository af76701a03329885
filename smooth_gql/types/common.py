"""Building blocks every entity type shares: rows to objects, inputs to service
dictionaries, connections and page info."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from dataclasses import fields as dataclass_fields
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.lazy_type import LazyType
from strawberry.types.maybe import Some

from ..context import Context
from ..enums import EntityType as DomainEntity
from ..services import reads
from ..services.entity_spec import Join
from ..services.reads import ListQuery
from .enums import OrderDirection

T = TypeVar("T")

_COLUMNS: dict[type, tuple[tuple[str, ...], bool]] = {}


def from_row(cls: type[T], row: Mapping[str, Any]) -> T:
    """Build a Strawberry object from a stored row; plain attributes, no resolvers.

    Relation fields are methods that go through DataLoaders, so only the row's
    own columns are copied here. Where the class's `__init__` is the one
    dataclasses writes, which only sets each field, the fields are set in one
    update instead: the same object, without a call of some twenty keywords
    per row (a page of 1,000 items builds 1,000).
    """
    known = _COLUMNS.get(cls)
    if known is None:
        names = tuple(f.name for f in dataclass_fields(cls) if f.init)  # type: ignore[arg-type]
        known = _COLUMNS[cls] = (names, _sets_fields_only(cls, names))
    names, direct = known
    if direct:
        made = object.__new__(cls)
        made.__dict__.update({name: row[name] for name in names})
        return made
    return cls(**{name: row[name] for name in names})


def _sets_fields_only(cls: type, names: tuple[str, ...]) -> bool:
    """Whether `cls(**fields)` only stores each field in the instance's dict: the `__init__`
    dataclasses generates (code compiled from text), no field it fills by itself (a default
    factory), no `__post_init__`, no frozen or slotted class, no custom `__new__` or
    `__setattr__`, no field behind a descriptor."""
    init_code = getattr(getattr(cls, "__init__", None), "__code__", None)
    params = getattr(cls, "__dataclass_params__", None)
    return (
        params is not None
        and not params.frozen
        and getattr(init_code, "co_filename", "") == "<string>"
        and all(f.init or f.default_factory is MISSING for f in dataclass_fields(cls))
        and not hasattr(cls, "__post_init__")
        and "__slots__" not in vars(cls)
        and getattr(cls, "__new__") is object.__new__  # noqa: B009 - a method, not an attribute
        and getattr(cls, "__setattr__") is object.__setattr__  # noqa: B009
        and not any(hasattr(type(vars(cls).get(name)), "__set__") for name in names)
    )


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


Form = Callable[[Any], Any]
_FORMS: dict[type, Form] = {}
_PLAIN = (str, int, float, bool)


def service_form(input_cls: type) -> Form:
    """`to_service` of what Strawberry builds from graphql-core's coerced value of an input
    type (`convert_argument`), worked out once per type: the same dictionary, without building
    the input object first. Strawberry's conversion reads every field's annotation again for
    every element; for 1,000 elements of a bulk write that was most of the request's time.
    Types this does not know (a `Maybe` that refuses null, a custom `from_input`) raise
    TypeError, and then the resolver's own path is the only one."""
    form = _FORMS.get(input_cls)
    if form is not None:
        return form
    definition = getattr(input_cls, "__strawberry_definition__", None)
    if definition is None or not definition.is_input or definition.from_input is not None:
        raise TypeError(f"{input_cls!r} is not a plain Strawberry input type")
    # Per field: GraphQL name, key, form, whether null is kept, and its value when left out.
    plan: list[tuple[str, str, Form, bool, Callable[[], Any] | None]] = []

    def convert(value: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for graphql_name, key, field_form, keeps_null, absent in plan:
            if graphql_name in value:
                raw = value[graphql_name]
                if raw is not None:
                    out[key] = field_form(raw)
                elif keeps_null:
                    out[key] = None
            elif absent is not None and (default := absent()) is not None:
                out[key] = default
        return out

    _FORMS[input_cls] = convert  # before the fields: an input type may hold itself
    try:
        plan.extend(_field_plans(input_cls, definition))
    except TypeError:
        del _FORMS[input_cls]
        raise
    return convert


def _field_plans(
    input_cls: type, definition: Any
) -> list[tuple[str, str, Form, bool, Callable[[], Any] | None]]:
    plans = []
    fields = {f.python_name: f for f in definition.fields}
    names = StrawberryConfig().name_converter
    for data_field in dataclass_fields(input_cls):
        field = fields.get(data_field.name)
        if field is None:
            raise TypeError(f"{input_cls.__name__}.{data_field.name} is not a GraphQL field")
        field_type = field.resolve_type(type_definition=definition)
        keeps_null = isinstance(field_type, StrawberryMaybe)
        if keeps_null:
            if not isinstance(field_type.of_type, StrawberryOptional):
                raise TypeError(f"{input_cls.__name__}.{field.python_name}: a Maybe that refuses null")
            field_type = field_type.of_type
        form = _type_form(field_type)
        plans.append((names.from_field(field), data_field.name, form, keeps_null, _absent(data_field)))
    return plans


def _absent(data_field: Any) -> Callable[[], Any] | None:
    """The service value of a field the client left out: its Python default (Strawberry
    passes None for a field without one) as `to_service` sees it; None when it is left out."""
    if data_field.default_factory is not MISSING:
        factory = data_field.default_factory
        return lambda: _service_default(factory())
    if data_field.default is MISSING or _service_default(data_field.default) is None:
        return None
    value = _service_default(data_field.default)
    return lambda: value


def _service_default(value: Any) -> Any:
    return None if value is None or value is strawberry.UNSET else to_service(value)


def _type_form(field_type: Any) -> Form:
    """What `to_service(convert_argument(value, field_type))` does to a non-null value."""
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    if isinstance(field_type, LazyType):
        field_type = field_type.resolve_type()
    if isinstance(field_type, StrawberryList):
        item_form = _type_form(field_type.of_type)
        return lambda items: [None if item is None else item_form(item) for item in items]
    if isinstance(field_type, StrawberryMaybe):
        raise TypeError("a Maybe inside a list or another type")
    if has_object_definition(field_type):
        return service_form(field_type)
    return _leaf_form


def _leaf_form(value: Any) -> Any:
    """A scalar or enum: Strawberry passes it on as graphql-core coerced it (an enum as its
    member), and `to_service` takes an enum's value and copies a JSON list."""
    return value if type(value) in _PLAIN else to_service(value)


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
