"""Field factories for the six entities, so each operation is written once.

Annotations here must be real classes at definition time (Strawberry reads
them from the generated resolvers), so this module does not postpone them.
"""

from typing import Any, cast

import strawberry
from strawberry.types.field import StrawberryField

from ..context import Context
from ..enums import EntityType
from ..graphql_bulk_guard import BULK_WRITE, BulkWrite
from ..services import bulk_writes, reads
from ..services.write_request import WriteRequest
from ..types.bulk import BulkResult, bulk_result
from ..types.common import Connection, DeleteInput, connection, list_query, load_one, to_service

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


def create(entity: EntityType, cls: Any, input_cls: Any) -> StrawberryField:
    async def resolve(
        info: Info, input: list[input_cls], atomic: bool = False, idempotency_key: str | None = None
    ) -> BulkResult[cls]:
        ctx = info.context
        request = WriteRequest(entity, to_service(input), atomic=atomic, idempotency_key=idempotency_key)
        outcome = await bulk_writes.create(ctx.runtime, ctx.principal, request)
        return bulk_result(entity, cls, outcome)

    return mutation(
        resolver=resolve,
        description=f"Create {NAMES[entity]}; atomic: all or nothing; {KEYED}",
        metadata={BULK_WRITE: BulkWrite(entity, deleting=False)},
    )


def update(entity: EntityType, cls: Any, input_cls: Any) -> StrawberryField:
    async def resolve(
        info: Info, input: list[input_cls], atomic: bool = False, idempotency_key: str | None = None
    ) -> BulkResult[cls]:
        ctx = info.context
        request = WriteRequest(entity, to_service(input), atomic=atomic, idempotency_key=idempotency_key)
        outcome = await bulk_writes.update(ctx.runtime, ctx.principal, request)
        return bulk_result(entity, cls, outcome)

    return mutation(
        resolver=resolve,
        description=f"Update {NAMES[entity]} at their expected versions; atomic: all or nothing; {KEYED}",
        metadata={BULK_WRITE: BulkWrite(entity, deleting=False)},
    )


def delete(entity: EntityType, cls: Any) -> StrawberryField:
    async def resolve(
        info: Info, input: list[DeleteInput], atomic: bool = False, idempotency_key: str | None = None
    ) -> BulkResult[cls]:
        ctx = info.context
        request = WriteRequest(entity, to_service(input), atomic=atomic, idempotency_key=idempotency_key)
        outcome = await bulk_writes.delete(ctx.runtime, ctx.principal, request)
        return bulk_result(entity, cls, outcome)

    return mutation(
        resolver=resolve,
        description=f"Delete {NAMES[entity]}; rows others still reference are refused; {KEYED}",
        metadata={BULK_WRITE: BulkWrite(entity, deleting=True)},
    )
