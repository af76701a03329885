"""The six collections: one generic handler per verb, built from the collection table.

Each handler parses the legacy body (FastAPI and the models of `models.py`
answer malformed requests with the legacy 422 list), maps wire names to the
model, calls the same service function GraphQL calls and renders the legacy
envelope. Rules, version checks, audit and change rows all live in services/.

No postponed annotations here: FastAPI reads the handlers' annotations, which
name the per-collection models built at runtime.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query

from ..auth.principal import Principal
from ..legacy.collections import COLLECTIONS
from ..legacy.wire import Collection, needs_derived, to_model, to_wire
from ..runtime import Runtime
from ..services import bulk_writes, keyed_reads, reads
from ..services.reads import ListQuery
from ..services.write_request import BulkOutcome, WriteRequest
from . import docs
from .messages import bulk_errors
from .models import DeleteBody, create_body, list_query, update_body
from .principal import current_principal, runtime
from .responses import JSONResponse

Caller = Annotated[Principal, Depends(current_principal)]
Services = Annotated[Runtime, Depends(runtime)]
# A retry with the same key and body gets the first response back, written once (issue 15).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A retry with the same key and body answers the first response without writing again.",
    ),
]
Handler = Callable[..., Awaitable[JSONResponse]]
Shape = Callable[[Collection, Mapping[str, Any], Sequence[dict[str, Any]] | None], dict[str, Any]]


async def render(
    rt: Runtime,
    principal: Principal,
    collection: Collection,
    rows: Sequence[Mapping[str, Any]],
    shape: Shape = to_wire,
) -> list[dict[str, Any]]:
    """Rows in the legacy shape (bulk by default; `to_columns` for change rows); a legacy
    array the row lacks is built from its join (one query)."""
    derived: dict[str, list[dict[str, Any]]] = {}
    missing = needs_derived(collection, rows)
    array = collection.derived_array
    if missing and array is not None:
        groups = await keyed_reads.join_rows(rt.sessions, array.join, array.join.parent_column, missing)
        derived = {
            row_id: [array.element(r) for r in group] for row_id, group in zip(missing, groups, strict=True)
        }
    return [shape(collection, row, derived.get(row["id"])) for row in rows]


async def _bulk_response(
    rt: Runtime,
    principal: Principal,
    collection: Collection,
    outcome: BulkOutcome,
    elements: list[Mapping[str, Any]],
    *,
    creating: bool = False,
) -> JSONResponse:
    """HTTP 200 whatever failed: the legacy envelope of contract §5.7."""
    return JSONResponse(
        {
            "success_count": len(outcome.results),
            "error_count": len(outcome.errors),
            "results": await render(rt, principal, collection, outcome.results),
            "errors": bulk_errors(collection, outcome.errors, elements, creating=creating),
        }
    )


def _filters(collection: Collection, query: Any) -> dict[str, Any]:
    """Legacy filters on model columns; an empty value means no filter."""
    found: dict[str, Any] = {}
    by_wire = {wf.wire: wf for wf in collection.wire_fields()}
    for param, wire in collection.filters.items():
        value = getattr(query, param)
        if not value:
            continue
        wf = by_wire[wire]
        if wf.enum is None:
            found[wf.model] = value
            continue
        found[wf.model], twin = wf.enum.to_model(value)
        if twin is not None:
            found[wf.enum.twin] = twin
    return found


def _write_handlers(c: Collection) -> tuple[Handler, Handler, Handler]:
    """Create, update and delete for one collection; the bodies are its own models."""
    CreateBody = create_body(c)
    UpdateBody = update_body(c)

    async def create(
        body: Annotated[CreateBody, Body()],  # type: ignore[valid-type]
        rt: Services,
        principal: Caller,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        elements = [item.model_dump() for item in body.items]  # type: ignore[attr-defined]
        inputs = [to_model(c, e, creating=True) for e in elements]
        request = WriteRequest(c.entity, inputs, required=c.required, idempotency_key=key)
        outcome = await bulk_writes.create(rt, principal, request)
        return await _bulk_response(rt, principal, c, outcome, elements, creating=True)

    async def update(
        body: Annotated[UpdateBody, Body()],  # type: ignore[valid-type]
        rt: Services,
        principal: Caller,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        elements = [item.model_dump() for item in body.items]  # type: ignore[attr-defined]
        inputs = [
            {"id": e["id"], "expected_version": e["version"], **to_model(c, e, creating=False)}
            for e in elements
        ]
        request = WriteRequest(c.entity, inputs, idempotency_key=key)
        outcome = await bulk_writes.update(rt, principal, request)
        return await _bulk_response(rt, principal, c, outcome, elements)

    async def delete(
        body: Annotated[DeleteBody, Body()], rt: Services, principal: Caller, key: IdempotencyKey = None
    ) -> JSONResponse:
        elements: list[Mapping[str, Any]] = [{"id": i} for i in body.ids]
        request = WriteRequest(c.entity, elements, idempotency_key=key)
        outcome = await bulk_writes.delete(rt, principal, request)
        return await _bulk_response(rt, principal, c, outcome, elements)

    return create, update, delete


def _read_handlers(c: Collection) -> tuple[Handler, Handler]:
    """The page of a collection (its own query model) and one row by id."""
    ListParams = list_query(c)

    async def listing(
        params: Annotated[ListParams, Query()],  # type: ignore[valid-type]
        rt: Services,
        principal: Caller,
    ) -> JSONResponse:
        p: Any = params
        query = ListQuery(c.entity, _filters(c, p), all_tenants=p.all_users)
        window = await reads.list_window(
            rt, principal, query, limit=p.limit, offset=p.offset, fields=c.wire_plan.fields
        )
        items = await render(rt, principal, c, window.rows)
        return JSONResponse({"items": items, "total": window.total, "limit": p.limit, "offset": p.offset})

    async def get_one(entity_id: str, rt: Services, principal: Caller) -> JSONResponse:
        reads.authorize_read(principal)
        [row] = await keyed_reads.by_ids(rt.sessions, principal, c.entity, [entity_id])
        if row is None:
            raise HTTPException(404)  # {"detail": "Not Found"}: missing and foreign look alike
        [shown] = await render(rt, principal, c, [row])
        return JSONResponse(shown)

    return listing, get_one


def add_routes(router: APIRouter, collection: Collection) -> None:
    c = collection
    path = f"/{c.path}"
    create, update, delete = _write_handlers(c)
    listing, get_one = _read_handlers(c)
    tags: list[str | Any] = [c.path]
    envelope = docs.bulk(c)
    writing = {**docs.errors(401, 403, 413), **docs.keyed()}
    for verb, handler, method in (
        ("Create", create, "POST"),
        ("Update", update, "PUT"),
        ("Delete", delete, "DELETE"),
    ):
        router.add_api_route(
            path,
            handler,
            methods=[method],
            tags=tags,
            summary=f"{verb} {c.path} in bulk",
            description="HTTP 200 even when elements failed: see `errors`.",
            response_model=envelope,
            responses=writing,
        )
    router.add_api_route(
        path,
        listing,
        methods=["GET"],
        tags=tags,
        summary=f"List {c.path}",
        response_model=docs.page(c),
        responses=docs.errors(400, 401, 403),  # 400: a filter no database could hold (NUL)
    )
    if c.single_get:
        router.add_api_route(
            f"{path}/{{entity_id}}",
            get_one,
            methods=["GET"],
            tags=tags,
            summary=f"One of {c.path}",
            response_model=docs.entity(c),
            responses=docs.errors(401, 403, 404),
        )


def router() -> APIRouter:
    routes = APIRouter(prefix="/v1")
    for collection in COLLECTIONS:
        add_routes(routes, collection)
    return routes
