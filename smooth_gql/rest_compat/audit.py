"""GET /api/v1/audit-logs (contract §10.2, with the documented `start` / `end` of §0.1 item 7).

The same service as GraphQL's `auditLog`: admins see every tenant, others
the entries they made or that concern their rows; keys restricted by tags or
machine are refused (403). Legacy `user_id` filters by actor and is ignored
for non-admins, as the legacy server did.

No postponed annotations: FastAPI reads the handler's annotations.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..services import audit
from ..services.fields import INT64_MAX
from . import docs
from .bulk import Caller, Services
from .models import LIMIT_MAX
from .responses import JSONResponse

SHOWN = ("id", "user_id", "operation", "entity_type", "entity_id", "changes", "result")


def _entry(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**{key: row[key] for key in SHOWN}, "timestamp": row["timestamp"].isoformat()}


async def audit_logs(
    rt: Services,
    principal: Caller,
    user_id: str | None = None,
    operation: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    result: str | None = None,
    start: Annotated[datetime | None, Query(description="entries at or after (no offset: UTC)")] = None,
    end: Annotated[datetime | None, Query(description="entries before (no offset: UTC)")] = None,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 100,
    offset: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
) -> JSONResponse:
    """Audit entries, newest first."""
    query = audit.AuditQuery(
        entity_type=entity_type,
        entity_id=entity_id,
        operation=operation,
        result=result,
        user_id=user_id if principal.is_admin else None,
        since=start,
        until=end,
    )
    rows, total = await audit.window(rt, principal, query, limit=limit, offset=offset)
    return JSONResponse(
        {
            "logs": [_entry(row) for row in rows],
            "total_count": total,
            "limit": limit,
            "offset": offset,
            "is_admin": principal.is_admin,
        }
    )


def router() -> APIRouter:
    routes = APIRouter(prefix="/v1", tags=["audit"])
    routes.add_api_route(
        "/audit-logs",
        audit_logs,
        methods=["GET"],
        response_model=docs.AuditLogs,
        responses=docs.errors(400, 401, 403),
    )
    return routes
