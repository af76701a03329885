"""What the REST routes send, as models for the OpenAPI document only.

The handlers return their pre-encoded `JSONResponse`s (FastAPI does not pass
a returned Response through `response_model`), so these models describe the
bytes without touching them: the success bodies of contract §3–§12, the
legacy error bodies (`{"detail": "..."}`, and the 422 list FastAPI documents
itself), and who may call what (`security`, filled in by `secure()` from each
route's authentication dependency, so the document cannot drift from the code).

Entity bodies are built from the collection table (legacy/collections.py),
like the request models. JSON blobs are documented as any JSON value: legacy
clients write objects (arrays for the array fields), but GraphQL's `JSON`
scalar may store any value, and the REST routes echo what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.routing import BaseRoute

from ..legacy.wire import Collection

# --- errors ------------------------------------------------------------------------------


class Detail(BaseModel):
    """A handled error in the legacy shape (contract §2.4, shape 1)."""

    detail: str


_WHY: Mapping[int, str] = {
    400: "Bad request (the message says what is wrong)",
    401: 'No valid credentials: `{"detail": "Authentication required"}`',
    403: "The caller may not do this (a missing scope, a tag or machine restriction, not an admin)",
    404: "Not found (missing and other tenants' rows look alike)",
    410: "The cursor is older than the retained change log: resynchronize in full",
    413: "The body is over the size limit, or a bulk array over the element limit",
    429: "Too many failed logins from this address: wait the `Retry-After` seconds",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for FastAPI: each code with the legacy `{"detail": ...}` body."""
    return {code: {"model": Detail, "description": _WHY[code]} for code in codes}


def keyed() -> dict[int | str, dict[str, Any]]:
    """What a write taking an `Idempotency-Key` adds: 400 for a malformed key, 409 while the
    key's first request still runs, and 422 for a key reused with another body, beside
    FastAPI's own 422 list (which naming 422 here replaces, so it is named again)."""
    either = [{"$ref": "#/components/schemas/HTTPValidationError"}, {"$ref": "#/components/schemas/Detail"}]
    return {
        **errors(400),
        409: {
            "model": Detail,
            "description": "The first request with this Idempotency-Key is still running: retry",
        },
        422: {
            "description": "Validation error, or an Idempotency-Key already used with a different body",
            "content": {"application/json": {"schema": {"anyOf": either}}},
        },
    }


# --- security ----------------------------------------------------------------------------

BEARER = "bearerKey"
COOKIE = "sessionCookie"
SECURITY_SCHEMES: Mapping[str, Any] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (`Authorization: Bearer <key>`), shown once when it is created.",
    },
    COOKIE: {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The session cookie `POST /api/v1/auth/login` sets (24 h).",
    },
}
EITHER: list[dict[str, list[str]]] = [{BEARER: []}, {COOKIE: []}]
OPTIONAL_COOKIE: list[dict[str, list[str]]] = [{}, {COOKIE: []}]


def _calls(route: APIRoute) -> set[Callable[..., Any]]:
    seen: set[Callable[..., Any]] = set()
    todo = list(route.dependant.dependencies)
    while todo:
        dependency = todo.pop()
        if dependency.call is not None:
            seen.add(dependency.call)
        todo.extend(dependency.dependencies)
    return seen


def secure(
    document: dict[str, Any],
    routes: Iterable[BaseRoute],
    *,
    required: Iterable[Callable[..., Any]],
    optional: Iterable[Callable[..., Any]],
) -> None:
    """Add the security schemes, and to each operation the credentials its route asks for:
    a route that depends on a `required` dependency needs a key or a session; one with only
    an `optional` one reads the session cookie when sent; any other route is public."""
    needs, may = set(required), set(optional)
    document.setdefault("components", {})["securitySchemes"] = dict(SECURITY_SCHEMES)
    for route in routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        calls = _calls(route)
        security = EITHER if calls & needs else OPTIONAL_COOKIE if calls & may else []
        for method in route.methods or ():
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                operation["security"] = security


# --- success bodies ----------------------------------------------------------------------

JSON_VALUE: Any = Any  # any JSON value (see the module docstring)
# Wire keys whose stored value is a time (the request model takes text, parsed per item).
TIMES = frozenset({"loaded_at", "start_time", "end_time"})


def _value_type(wire: str, annotation: Any) -> Any:
    if wire in TIMES:
        return datetime
    if annotation in (str, int, float, bool):
        return annotation
    return JSON_VALUE


def _nullable(kind: Any) -> Any:
    return kind if kind is JSON_VALUE else kind | None


def _entity_fields(collection: Collection, renames: Mapping[str, str] | None = None) -> dict[str, Any]:
    names = renames or {}
    fields: dict[str, Any] = {"id": (str, ...)}
    for wf in collection.fields:
        fields[names.get(wf.wire, wf.wire)] = (_nullable(_value_type(wf.wire, wf.annotation)), ...)
    if collection.tagged:
        fields["tags"] = (list[str], ...)
    fields.update(
        user_id=(str, Field(..., description="the owner (tenant)")),
        created_by=(str | None, ...),
        updated_by=(str | None, ...),
        created_at=(datetime, ...),
        updated_at=(datetime, ...),
        version=(int, Field(..., description="1 at creation, +1 on every successful update")),
    )
    return fields


_BUILT: dict[tuple[str, str], type[BaseModel]] = {}


def _once(kind: str, collection: Collection, build: Callable[[], type[BaseModel]]) -> type[BaseModel]:
    """One model per collection and kind for the process: the document names each once, and
    an app built again (tests build many) does not build its models again."""
    key = (kind, collection.path)
    if key not in _BUILT:
        _BUILT[key] = build()
    return _BUILT[key]


def entity(collection: Collection) -> type[BaseModel]:
    """One row as the bulk routes, lists and single GETs show it (contract §6)."""
    return _once("entity", collection, lambda: create_model(collection.title, **_entity_fields(collection)))


class ItemFailure(BaseModel):
    index: int = Field(description="the element's position in the request array")
    id: str | None = Field(description="the element's id (update, delete); null for create")
    message: str


def bulk(collection: Collection) -> type[BaseModel]:
    """The bulk envelope (contract §5.7): HTTP 200 even when every element failed."""
    rows: Any = list[entity(collection)]  # type: ignore[misc]
    return _once(
        "bulk",
        collection,
        lambda: create_model(
            f"{collection.title}BulkResult",
            success_count=(int, ...),
            error_count=(int, ...),
            results=(rows, ...),
            errors=(list[ItemFailure], ...),
        ),
    )


def page(collection: Collection) -> type[BaseModel]:
    """A list page (contract §5.3)."""
    rows: Any = list[entity(collection)]  # type: ignore[misc]
    return _once(
        "page",
        collection,
        lambda: create_model(
            f"{collection.title}Page",
            items=(rows, ...),
            total=(int, Field(..., description="matching rows before paging")),
            limit=(int, ...),
            offset=(int, ...),
        ),
    )


def change_row(collection: Collection) -> type[BaseModel]:
    """A change row: the database-column shape (contract §8.3) with `change_seq`."""
    fields = _entity_fields(collection, collection.column_names)
    for wf in collection.column_extras:
        fields[wf.wire] = (_nullable(_value_type(wf.wire, wf.annotation)), ...)
    fields["change_seq"] = (int, Field(..., description="the change's global sequence number"))
    return _once("change", collection, lambda: create_model(f"{collection.title}ChangeRow", **fields))


class Tombstone(BaseModel):
    """A row deleted after the cursor (only with `include_deleted=true`)."""

    id: str
    deleted: Literal[True]
    change_seq: int
    version: int


_CHANGES: list[type[BaseModel]] = []


def changes(collections: Iterable[Collection]) -> type[BaseModel]:
    """The change-feed page (contract §8.3, with §0.1 item 8's additions)."""
    if not _CHANGES:
        _CHANGES.append(_changes(collections))
    return _CHANGES[0]


def _changes(collections: Iterable[Collection]) -> type[BaseModel]:
    rows = tuple(change_row(c) for c in collections)
    row: Any = rows[0]
    for other in rows[1:]:
        row = row | other
    entries: Any = list[row | Tombstone]
    method: Any = Literal["version", "timestamp"]
    return create_model(
        "Changes",
        entity_type=(str, Field(..., description="the path's entity_type, as sent")),
        changes=(entries, ...),
        count=(int, ...),
        max_version=(int, Field(..., description="feed it back as since_version to continue")),
        sync_method=(method, ...),
    )


class MaxVersion(BaseModel):
    entity_type: str
    max_version: int


class Health(BaseModel):
    service: Literal["smooth"]
    version: str
    status: Literal["running"]


class User(BaseModel):
    id: str
    email: str
    is_active: bool
    created_at: datetime
    role: Literal["admin", "user"]


class Message(BaseModel):
    message: str


class Key(BaseModel):
    id: str
    name: str
    scopes: list[str]
    tags: list[str]
    expires_at: datetime | None
    is_active: bool = Field(description="not revoked (an expired key stays active here)")
    created_at: datetime


class CreatedKey(Key):
    key: str = Field(description="the secret: shown in this response only")


class HistoryEntry(BaseModel):
    version: int
    changed_at: datetime
    changed_by: str
    change_summary: str | None


class History(BaseModel):
    tool_set_id: str
    versions: list[HistoryEntry]


class Snapshot(BaseModel):
    """A tool set as it was (contract §11.1): no `version`, no `updated_by`."""

    id: str | None
    name: str | None
    description: str | None
    type: str | None
    machine_id: str | None
    job_id: str | None
    members: Any
    capacity: Any
    status: str | None
    activation: Any
    user_id: str | None
    created_by: str | None
    created_at: datetime | str | None
    updated_at: datetime | str | None


class SetVersion(HistoryEntry):
    snapshot: Snapshot


def restored(tool_set: Collection) -> type[BaseModel]:
    succeeded: Any = Literal[True]
    return _once(
        "restored",
        tool_set,
        lambda: create_model(
            "Restored",
            success=(succeeded, ...),
            message=(str, ...),
            current_version=(int, ...),
            tool_set=(entity(tool_set), ...),
        ),
    )


class Comparison(BaseModel):
    tool_set_id: str
    version_a: int
    version_b: int
    differences: dict[str, dict[str, Any]] = Field(
        description='per differing field, {"version_<a>": value, "version_<b>": value}'
    )
    total_changes: int


class BackupMetadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: str
    timestamp: datetime
    backup_type: Literal["user", "admin"]
    counts: dict[str, int]
    user_id: str | None = Field(None, description='present in a "user" backup')


class Backup(BaseModel):
    metadata: BackupMetadata
    entities: dict[str, list[dict[str, Any]]]


class Restore(BaseModel):
    success: Literal[True]
    restored_count: int


class AuditEntry(BaseModel):
    id: str
    user_id: str | None
    operation: str
    entity_type: str
    entity_id: str | None
    changes: Any
    result: str
    timestamp: datetime


class AuditLogs(BaseModel):
    logs: list[AuditEntry]
    total_count: int
    limit: int
    offset: int
    is_admin: bool
