"""API-key routes in the legacy shapes (contract §3.5, §0.1 items 1 and 2), at the contract's
path `/api/v1/auth/keys` and at the documented alias `/api/v1/api-keys`.

Thin: parse, call services/api_keys.py (which owns validation, owner-only
revocation, delegation limits and the `admin:users` scope for keys), shape.

The secret in `key` is this server's format, `smk_<key id>_<random>`, not the
legacy server's bare 43 characters; clients treat it as opaque, and it is
shown only in the creation response.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from ..auth import policy
from ..auth.principal import Principal
from ..errors import BadInput, NotFound
from ..runtime import Runtime
from ..services import api_keys
from . import docs
from .messages import api_key_not_found
from .principal import current_principal, runtime
from .responses import JSONResponse

PATHS = ("/v1/auth/keys", "/v1/api-keys")  # the contract's route, then the documented alias

Caller = Annotated[Principal, Depends(current_principal)]
Services = Annotated[Runtime, Depends(runtime)]


class KeyBody(BaseModel):
    """`machine_id` is not a legacy field: sent here it is ignored (contract §2.1, §3.4)."""

    name: str = Field(json_schema_extra={"minLength": 1})
    # Documented as the vocabulary the service accepts; parsed as any strings, so an unknown
    # scope is the service's 400 naming the known ones, as before.
    scopes: list[str] = Field(
        json_schema_extra={"items": {"type": "string", "enum": list(policy.KNOWN_SCOPES)}, "minItems": 1}
    )
    expires_at: datetime | None = None
    tags: list[str] | None = None


def key_body(row: Mapping[str, Any]) -> dict[str, Any]:
    """Legacy `is_active` means "not revoked": expired keys stay listed as active (contract §3.4)."""
    expires = row["expires_at"]
    return {
        "id": row["id"],
        "name": row["name"],
        "scopes": list(row["scopes"]),
        "tags": list(row["tags"] or []),
        "expires_at": expires.isoformat() if expires is not None else None,
        "is_active": row["revoked_at"] is None,
        "created_at": row["created_at"].isoformat(),
    }


def router(path: str) -> APIRouter:
    alias = path != PATHS[0]
    routes = APIRouter(prefix=path, tags=["api-keys (documented alias)" if alias else "auth"])

    @routes.post(
        "",
        status_code=201,
        summary="Create an API key; its secret is in `key`, shown only now",
        response_model=docs.CreatedKey,
        responses=docs.errors(400, 401, 403, 413),
    )
    async def create(body: KeyBody, rt: Services, principal: Caller) -> JSONResponse:
        request = api_keys.KeyRequest(body.name, body.scopes, body.tags or [], None, body.expires_at)
        made = await api_keys.create(rt, principal, request)
        return JSONResponse({**key_body(made.key), "key": made.secret}, status_code=201)

    @routes.get(
        "",
        summary="Your API keys, newest first (admins: everyone's with all_users=true)",
        response_model=list[docs.Key],
        responses=docs.errors(401, 403),
    )
    async def listing(
        rt: Services, principal: Caller, all_users: Annotated[bool, Query()] = False
    ) -> JSONResponse:
        rows = await api_keys.list_keys(rt, principal, all_users=all_users)
        return JSONResponse([key_body(row) for row in rows])

    @routes.delete(
        "/{key_id}",
        status_code=204,
        summary="Revoke an API key (owner or admin)",
        responses=docs.errors(401, 403, 404),
    )
    async def revoke(key_id: str, rt: Services, principal: Caller) -> Response:
        try:
            await api_keys.revoke(rt, principal, key_id)
        except (NotFound, BadInput):  # unknown, malformed or someone else's: all "not found"
            raise HTTPException(404, api_key_not_found(key_id)) from None
        return Response(status_code=204, media_type="application/json")

    return routes
