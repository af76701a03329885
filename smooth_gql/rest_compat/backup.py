"""`/api/v1/backup/export` and `/api/v1/backup/import` (contract §9, with §0.1 item 4).

Thin: authenticate (401 before anything else), parse the upload, call the
backup service, shape the legacy answer. Who may back up what, and every
check of the document, live in the backup package (smooth_gql/backup/).

No postponed annotations here: FastAPI reads the handlers' annotations.
"""

import json
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from ..backup import service
from ..backup.document import parse_json
from . import docs
from .bulk import Caller, Services

FILENAME = "smooth-backup.json"


async def export_backup(
    principal: Caller,
    rt: Services,
    scope: Annotated[Literal["user", "all"], Query(description="`all`: every account (admins)")] = "user",
) -> Response:
    """The caller's own rows ("user" backup); with `?scope=all`, an admin's full backup."""
    document = await service.export_backup(rt, principal, full=scope == "all")
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f"attachment; filename={FILENAME}"},
    )


async def import_backup(principal: Caller, rt: Services, file: Annotated[UploadFile, File()]) -> JSONResponse:
    """Replace the caller's rows (a "user" backup) or, for admins, everything (an "admin" one)."""
    document = parse_json(await file.read())
    outcome = await service.import_backup(rt, principal, document)
    return JSONResponse({"success": True, "restored_count": outcome.restored_count})


def router() -> APIRouter:
    routes = APIRouter(prefix="/v1/backup", tags=["backup"])
    routes.add_api_route(
        "/export",
        export_backup,
        methods=["GET"],
        response_model=docs.Backup,
        responses=docs.errors(401, 403),
    )
    routes.add_api_route(
        "/import",
        import_backup,
        methods=["POST"],
        response_model=docs.Restore,
        responses=docs.errors(400, 401, 403, 413),
    )
    return routes
