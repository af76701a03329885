"""Tool-set history, versions, restore and compare in the legacy shapes (contract §11, §0.1 item 9).

The success bodies are the legacy ones; a missing or foreign set or version
is a 404 with a bare `detail` (never the legacy 200 `{"error": ...}`), which
reveals nothing of the set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException

from ..errors import NotFound
from ..legacy.collections import TOOL_SETS
from ..services import tool_sets
from . import docs
from .bulk import Caller, IdempotencyKey, Services, render
from .responses import JSONResponse

SNAPSHOT_KEYS = (
    "id",
    "name",
    "description",
    "type",
    "machine_id",
    "job_id",
    "members",
    "capacity",
    "status",
    "activation",
    "user_id",
    "created_by",
    "created_at",
    "updated_at",
)
# What compare reports: the snapshot without identity and bookkeeping.
COMPARED = tuple(
    k for k in SNAPSHOT_KEYS if k not in ("id", "user_id", "created_by", "created_at", "updated_at")
)
# A model field that differs, as the legacy field a client sees differ.
WIRE_OF = {"legacy_type": "type", "legacy_status": "status"}


def _snapshot(data: Mapping[str, Any]) -> dict[str, Any]:
    """A stored snapshot (model names) in the legacy snapshot shape."""
    wire: dict[str, Any] = {}
    enums = {wf.wire: wf.enum for wf in TOOL_SETS.fields if wf.enum is not None}
    for key in SNAPSHOT_KEYS:
        if key in enums:
            enum = enums[key]
            wire[key] = enum.to_wire(data.get(key), data.get(enum.twin))
        elif key == "user_id":
            wire[key] = data.get("owner_id")
        else:
            wire[key] = data.get(key)
    if wire["members"] is None:
        wire["members"] = [
            {"preset_id": p, "sequence": n + 1} for n, p in enumerate(data.get("tool_preset_ids") or [])
        ]
    return wire


def _entry(version: tool_sets.SetVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "changed_at": version.changed_at.isoformat(),
        "changed_by": version.changed_by,
        "change_summary": version.change_summary,
    }


async def history(tool_set_id: str, rt: Services, principal: Caller) -> JSONResponse:
    try:
        versions = await tool_sets.history(rt, principal, tool_set_id)
    except NotFound:
        raise HTTPException(404, "Tool set not found") from None
    stored = [_entry(v) for v in versions if v.stored]
    return JSONResponse({"tool_set_id": tool_set_id, "versions": stored})


async def version(tool_set_id: str, version: int, rt: Services, principal: Caller) -> JSONResponse:
    try:
        found = await tool_sets.version(rt, principal, tool_set_id, version)
    except NotFound:
        raise HTTPException(404, "Version not found") from None
    return JSONResponse({**_entry(found), "snapshot": _snapshot(found.snapshot)})


async def restore(
    tool_set_id: str, version: int, rt: Services, principal: Caller, key: IdempotencyKey = None
) -> JSONResponse:
    """The one write of these routes; it takes an Idempotency-Key like the bulk writes."""
    try:
        row = await tool_sets.restore(rt, principal, tool_set_id, version, idempotency_key=key)
    except NotFound:
        raise HTTPException(404, "ToolSet or version not found") from None
    [shown] = await render(rt, principal, TOOL_SETS, [row])
    return JSONResponse(
        {
            "success": True,
            "message": f"Restored to version {version}",
            "current_version": row["version"],
            "tool_set": shown,
        }
    )


async def compare(
    tool_set_id: str, version_a: int, version_b: int, rt: Services, principal: Caller
) -> JSONResponse:
    try:
        differing = await tool_sets.compare(rt, principal, tool_set_id, version_a, version_b)
        a = await tool_sets.version(rt, principal, tool_set_id, version_a)
        b = await tool_sets.version(rt, principal, tool_set_id, version_b)
    except NotFound:
        raise HTTPException(404, "Versions not found") from None
    left, right = _snapshot(a.snapshot), _snapshot(b.snapshot)
    fields = {WIRE_OF.get(d.field, d.field) for d in differing}
    differences = {
        name: {f"version_{version_a}": left[name], f"version_{version_b}": right[name]}
        for name in COMPARED
        if name in fields and left[name] != right[name]
    }
    return JSONResponse(
        {
            "tool_set_id": tool_set_id,
            "version_a": version_a,
            "version_b": version_b,
            "differences": differences,
            "total_changes": len(differences),
        }
    )


def router() -> APIRouter:
    routes = APIRouter(prefix="/v1/tool-sets", tags=["tool-sets"], responses=docs.errors(401, 403, 404))
    routes.add_api_route(
        "/{tool_set_id}/history",
        history,
        methods=["GET"],
        summary="Stored versions of a tool set, newest first",
        response_model=docs.History,
    )
    routes.add_api_route(
        "/{tool_set_id}/versions/{version}",
        version,
        methods=["GET"],
        summary="One version of a tool set, with its snapshot",
        response_model=docs.SetVersion,
    )
    routes.add_api_route(
        "/{tool_set_id}/restore/{version}",
        restore,
        methods=["POST"],
        summary="Restore a version as a new version",
        response_model=docs.restored(TOOL_SETS),
        responses=docs.keyed(),
    )
    routes.add_api_route(
        "/{tool_set_id}/compare/{version_a}/{version_b}",
        compare,
        methods=["GET"],
        summary="Fields that differ between two versions",
        response_model=docs.Comparison,
    )
    return routes
