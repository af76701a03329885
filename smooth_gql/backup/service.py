"""The backup service's two calls, as every door (GraphQL, REST, the CLI) makes them.

Who may back up or restore what is decided here, once (see the package's docstring).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..auth import policy
from ..auth.principal import Principal
from ..errors import Forbidden, Reason
from ..runtime import Runtime
from ..services import key_cache
from .document import ADMIN, check_document, known_revisions
from .export import Progress, read_document
from .plan import RestorePlan
from .restore import Restore

log = logging.getLogger("smooth_gql.backup")


def _quiet(message: str) -> None:
    pass


@dataclass(frozen=True)
class RestoreOutcome:
    restored_count: int  # rows inserted from the document, every list counted
    backup_type: str
    removed_count: int  # tool rows that existed before and are not in the document
    change_log_position: int  # the newest change-log seq after the restore


def authorize(principal: Principal, *, full: bool) -> None:
    policy.require(principal, policy.BACKUP)
    policy.require_unrestricted(principal, "backup and restore")
    if full and not principal.is_admin:
        raise Forbidden(
            "a full backup or restore (every account) needs an admin's session; "
            "users and API keys back up and restore their own rows",
            reason=Reason.ADMIN_REQUIRED,
        )


async def export_backup(
    runtime: Runtime, principal: Principal, *, full: bool = False, progress: Progress = _quiet
) -> dict[str, Any]:
    """The backup document (contract §9.1 extended), read in one consistent snapshot."""
    authorize(principal, full=full)
    async with runtime.sessions() as session:
        document = await read_document(session, principal, full=full, progress=progress)
    metadata = document["metadata"]
    log.info("backup exported: %s, %d rows", metadata["backup_type"], sum(metadata["counts"].values()))
    return document


async def import_backup(
    runtime: Runtime, principal: Principal, document: Any, *, progress: Progress = _quiet
) -> RestoreOutcome:
    """Restore `document` in one transaction: on any failure nothing changes."""
    policy.require(principal, policy.BACKUP)  # before the document is even looked at
    revisions, head = known_revisions()
    meta = check_document(document, revisions, head)
    full = meta.backup_type == ADMIN
    authorize(principal, full=full)
    plan = RestorePlan.decode(document["entities"], principal.user_id, full=full)
    progress(f"document checked: {plan.row_count} rows to restore")
    async with Restore(runtime, principal, plan, meta, progress) as restore:
        outcome = await restore.run()
    key_cache.forget_all(runtime)  # a restore replaces keys and accounts (a user's own: their keys)
    log.info(
        "backup restored: %s, %d rows restored, %d removed",
        meta.backup_type,
        outcome.restored,
        outcome.removed,
    )
    return RestoreOutcome(outcome.restored, meta.backup_type, outcome.removed, outcome.position)
