"""Field factories for the six entities, so each operation is written once.

Annotations here must be real classes at definition time (Strawberry reads
them from the generated resolvers), so this module does not postpone them.
"""

from collections.abc import Awaitable, Callable
from typing import Any, cast

import strawberry
from strawberry.types.field import StrawberryField

from ..context import Context
from ..enums import EntityType
from ..graphql_bulk_guard import BULK_WRITE, BulkRun, BulkWrite
from ..services import bulk_writes, reads
from ..services.write_request import WriteRequest
from ..types.bulk import BulkResult, bulk_result
from ..types.common import Connection, DeleteInput, connection, list_query, load_one, service_form, to_service

Info = strawberry.Info[Context, None]


def field(**kwargs: Any) -> StrawberryField:
    return cast(StrawberryField, strawberry.field(**kwargs))


def mutation(**kwargs: Any) -> StrawberryField:
    return cast(StrawberryField, strawberry.mutation(**kwargs))


NAMES = {
    EntityType.TOOL_ITEM: "tool items",
    EntityType.TOOL_ASSEMBLY: "tool assemblies",
    EntityType.TOOL_INSTANCE: "tool instances",
    EntityType.TOOL_PRESET: "tool presets",
    EntityType.TOOL_USAGE: "tool usage records",
    EntityType.TOOL_SET: "tool sets",
}
# Said on every bulk mutation: what its idempotencyKey argument does.
KEYED = "idempotencyKey: a retry with the same key and input returns the first result without writing again."


def lookup(entity: EntityType, cls: Any) -> StrawberryField:
    async def resolve(info: Info, id: strawberry.ID) -> cls | None:
        reads.authorize_read(info.context.principal)  # nested relations ride on a checked parent
        return await load_one(info, entity, cls, id)

    return field(resolver=resolve, description=f"One of your {NAMES[entity]} by id (admins: anyone's).")


def listing(entity: EntityType, cls: Any, filter_cls: Any, order_cls: Any) -> StrawberryField:
    async def resolve(
        info: Info,
        filter: filter_cls | None = None,
        order_by: order_cls | None = None,
        first: int | None = None,
        after: str | None = None,
        all_tenants: bool = False,
    ) -> Connection[cls]:
        return await connection(info, cls, list_query(entity, filter, order_by, all_tenants), first, after)

    return field(
        resolver=resolve,
        description=f"A page of {NAMES[entity]}; admins see every tenant with allTenants: true.",
    )


Write = Callable[[Context, list[dict[str, Any]], bool, str | None], Awaitable[Any]]


def _planned(write: Write, input_cls: type) -> BulkRun | None:
    """The write from graphql-core's coerced arguments (`BulkWrite.run`): the input list in the
    services' form straight from the coerced dictionaries (`service_form`), the other
    arguments as Strawberry passes them (`atomic` has a published default; a missing
    `idempotencyKey` is the resolver's None)."""
    try:
        form = service_form(input_cls)
    except TypeError:
        return None

    def run(context: Context, args: dict[str, Any]) -> Awaitable[Any]:
        items = [form(item) for item in args["input"]]
        return write(context, items, args.get("atomic", False), args.get("idempotencyKey"))

    return run


def _bulk(
    entity: EntityType, cls: Any, input_cls: Any, write: Write, *, deleting: bool, description: str
) -> StrawberryField:
    async def resolve(
        info: Info, input: list[input_cls], atomic: bool = False, idempotency_key: str | None = None
    ) -> BulkResult[cls]:
        return await write(info.context, to_service(input), atomic, idempotency_key)  # type: ignore[no-any-return]

    bulk = BulkWrite(entity, deleting=deleting, run=_planned(write, input_cls))
    return mutation(resolver=resolve, description=description, metadata={BULK_WRITE: bulk})


def create(entity: EntityType, cls: Any, input_cls: Any) -> StrawberryField:
    async def write(ctx: Context, items: list[dict[str, Any]], atomic: bool, key: str | None) -> Any:
        request = WriteRequest(entity, items, atomic=atomic, idempotency_key=key)
        return bulk_result(entity, cls, await bulk_writes.create(ctx.runtime, ctx.principal, request))

    description = f"Create {NAMES[entity]}; atomic: all or nothing; {KEYED}"
    return _bulk(entity, cls, input_cls, write, deleting=False, description=description)


def update(entity: EntityType, cls: Any, input_cls: Any) -> StrawberryField:
    async def write(ctx: Context, items: list[dict[str, Any]], atomic: bool, key: str | None) -> Any:
        request = WriteRequest(entity, items, atomic=atomic, idempotency_key=key)
        return bulk_result(entity, cls, await bulk_writes.update(ctx.runtime, ctx.principal, request))

    description = f"Update {NAMES[entity]} at their expected versions; atomic: all or nothing; {KEYED}"
    return _bulk(entity, cls, input_cls, write, deleting=False, description=description)


def delete(entity: EntityType, cls: Any) -> StrawberryField:
    async def write(ctx: Context, items: list[dict[str, Any]], atomic: bool, key: str | None) -> Any:
        request = WriteRequest(entity, items, atomic=atomic, idempotency_key=key)
        return bulk_result(entity, cls, await bulk_writes.delete(ctx.runtime, ctx.principal, request))

    description = f"Delete {NAMES[entity]}; rows others still reference are refused; {KEYED}"
    return _bulk(entity, cls, DeleteInput, write, deleting=True, description=description)
