"""Change detection (contract §8 with the fixes of §0.1 item 8): since-version,
since-timestamp and max-version per entity type.

`since_version` and `max_version` are the server's global change sequence
(changes/sync.py says how it stays exact across retention); rows come in the
database-column shape of §8.3 with `change_seq` added, tombstones on request.
The documented spellings are aliases: hyphenated entity names and the
parameters `version` / `timestamp`.

No postponed annotations: FastAPI reads the handlers' annotations.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError

from ..changes import sync
from ..legacy.collections import COLLECTIONS
from ..legacy.wire import Collection, to_columns
from ..services.fields import INT64_MAX
from . import docs
from .bulk import Caller, Services, render
from .models import LIMIT_MAX
from .responses import JSONResponse

# The legacy names, in the order the legacy message lists them.
BY_NAME: Mapping[str, Collection] = {
    name: next(c for c in COLLECTIONS if c.path.replace("-", "_") == name)
    for name in ("tool_items", "tool_assemblies", "tool_instances", "tool_presets", "tool_sets", "tool_usage")
}
INVALID_ENTITY = "Invalid entity_type. Must be one of: " + ", ".join(BY_NAME)
# Documented as an enumeration (with the hyphenated aliases); parsed as text, so that any
# other value keeps its legacy 400 `Invalid entity_type` (contract §8.1) instead of a 422.
EntityName = Annotated[
    str,
    Path(
        description="the legacy entity name (the hyphenated spellings are aliases)",
        json_schema_extra={"enum": [*BY_NAME, *(n.replace("_", "-") for n in BY_NAME)]},
    ),
]

Limit = Annotated[int, Query(ge=1, le=LIMIT_MAX, description="largest number of entries in the page")]
Seq = Annotated[
    int | None,
    Query(ge=0, le=INT64_MAX, description="a global change sequence number: 0, or a max_version seen before"),
]
SeqAlias = Annotated[
    int | None, Query(ge=0, le=INT64_MAX, description="the documented alias of since_version")
]
Moment = Annotated[
    datetime | None, Query(description="ISO 8601 (no offset means UTC) or a Unix time; strictly after")
]
MomentAlias = Annotated[datetime | None, Query(description="the documented alias of since_timestamp")]
Tombstones = Annotated[
    bool, Query(description='also list rows deleted after the cursor as {"id", "deleted": true, ...}')
]


def _collection(entity_type: str) -> Collection:
    found = BY_NAME.get(entity_type.replace("-", "_"))
    if found is None:
        raise HTTPException(400, INVALID_ENTITY)
    return found


def _required(value: Any, name: str) -> Any:
    """Either spelling will do; neither is the legacy 422 for the canonical name."""
    if value is None:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("query", name), "msg": "Field required", "input": None}]
        )
    return value


async def _changes_body(
    rt: Services, principal: Caller, c: Collection, entity_type: str, page: sync.SyncPage, method: str
) -> JSONResponse:
    rows = [e for e in page.entries if not isinstance(e, sync.Tombstone)]
    shown = iter(await render(rt, principal, c, rows, to_columns))
    changes: list[dict[str, Any]] = []
    for entry in page.entries:
        if isinstance(entry, sync.Tombstone):
            changes.append(
                {"id": entry.entity_id, "deleted": True, "change_seq": entry.seq, "version": entry.version}
            )
        else:
            changes.append({**next(shown), "change_seq": sync.seq_of(entry)})
    return JSONResponse(
        {
            "entity_type": entity_type,
            "changes": changes,
            "count": len(changes),
            "max_version": page.max_version,
            "sync_method": method,
        }
    )


async def since_version(
    entity_type: EntityName,
    rt: Services,
    principal: Caller,
    since_version: Seq = None,
    version: SeqAlias = None,
    limit: Limit = 100,
    include_deleted: Tombstones = False,
) -> JSONResponse:
    """Rows changed after a global change sequence number; feed `max_version` back to continue."""
    after = _required(since_version if since_version is not None else version, "since_version")
    c = _collection(entity_type)
    page = await sync.since_version(rt, principal, c.entity, after, limit, include_deleted=include_deleted)
    return await _changes_body(rt, principal, c, entity_type, page, "version")


async def since_timestamp(
    entity_type: EntityName,
    rt: Services,
    principal: Caller,
    since_timestamp: Moment = None,
    timestamp: MomentAlias = None,
    limit: Limit = 100,
    include_deleted: Tombstones = False,
) -> JSONResponse:
    """Rows updated strictly after a moment (no offset means UTC), by (updated_at, id)."""
    since = _required(since_timestamp if since_timestamp is not None else timestamp, "since_timestamp")
    c = _collection(entity_type)
    page = await sync.since_timestamp(rt, principal, c.entity, since, limit, include_deleted=include_deleted)
    return await _changes_body(rt, principal, c, entity_type, page, "timestamp")


async def max_version(entity_type: EntityName, rt: Services, principal: Caller) -> JSONResponse:
    """The highest change sequence number among the changes of this type the caller may see."""
    c = _collection(entity_type)
    return JSONResponse(
        {"entity_type": entity_type, "max_version": await sync.max_version(rt, principal, c.entity)}
    )


def router() -> APIRouter:
    routes = APIRouter(prefix="/v1/changes", tags=["changes"], responses=docs.errors(400, 401, 403))
    feed = docs.changes(COLLECTIONS)
    expired = docs.errors(410)
    routes.add_api_route(
        "/{entity_type}/since-version", since_version, methods=["GET"], response_model=feed, responses=expired
    )
    routes.add_api_route(
        "/{entity_type}/since-timestamp",
        since_timestamp,
        methods=["GET"],
        response_model=feed,
        responses=expired,
    )
    routes.add_api_route(
        "/{entity_type}/max-version", max_version, methods=["GET"], response_model=docs.MaxVersion
    )
    return routes
