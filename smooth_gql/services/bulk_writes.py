"""The bulk writes as callers with a request in hand make them: each verb of the write
pipeline behind its idempotency key (services/idempotency.py).

Both doors and the tool-set restore call these, so none of them pairs a verb with the
flags its key check needs (a delete is checked against the delete scope); a caller that
must not take a key (an import inside its own unit of work) calls the verb itself.
"""

from __future__ import annotations

from ..auth.principal import Principal
from ..runtime import Runtime
from . import bulk_create, bulk_delete, bulk_update
from .idempotency import write_once
from .write_request import BulkOutcome, WriteRequest


async def create(runtime: Runtime, principal: Principal, request: WriteRequest) -> BulkOutcome:
    return await write_once(runtime, principal, request, bulk_create.create_entities, deleting=False)


async def update(runtime: Runtime, principal: Principal, request: WriteRequest) -> BulkOutcome:
    return await write_once(runtime, principal, request, bulk_update.update_entities, deleting=False)


async def delete(runtime: Runtime, principal: Principal, request: WriteRequest) -> BulkOutcome:
    return await write_once(runtime, principal, request, bulk_delete.delete_entities, deleting=True)
