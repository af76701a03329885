"""`exportBackup` and `importBackup`: the backup service over GraphQL.

The document travels as a JSON value inside the request, so it is bound by
the GraphQL body limit (`SMOOTH_MAX_BODY_BYTES`, 2 MB by default). Larger
installations restore through `POST /api/v1/backup/import` (its own limit,
`SMOOTH_MAX_IMPORT_BODY_BYTES`) or `smooth-gql restore`, which have none of
that overhead.
"""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.scalars import JSON

from ..backup import service
from ..context import Context
from ..types.backup import BackupRestoreResult, BackupScope

Info = strawberry.Info[Context, None]


@strawberry.type
class BackupQuery:
    @strawberry.field(
        description="A backup document (contract §9.1, extended): your own rows, or with scope ALL "
        "(admins) every account, password and key hashes included. Needs admin:backup for API keys."
    )
    async def export_backup(self, info: Info, scope: BackupScope = BackupScope.USER) -> JSON:
        ctx = info.context
        document = await service.export_backup(ctx.runtime, ctx.principal, full=scope is BackupScope.ALL)
        return cast(JSON, document)


@strawberry.type
class BackupMutation:
    @strawberry.mutation(
        description="Restore a backup document in one transaction: a user backup replaces your own "
        "rows, an admin backup (admins only) the whole database. Bound by the request body limit; "
        "use POST /api/v1/backup/import or `smooth-gql restore` for large documents."
    )
    async def import_backup(self, info: Info, document: JSON) -> BackupRestoreResult:
        ctx = info.context
        outcome = await service.import_backup(ctx.runtime, ctx.principal, document)
        return BackupRestoreResult(
            success=True,
            restored_count=outcome.restored_count,
            removed_count=outcome.removed_count,
            backup_type=outcome.backup_type,
            change_log_position=outcome.change_log_position,
        )
