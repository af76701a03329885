"""Backup and restore: the one service behind GraphQL, REST and the CLI.

Who may do what (contract §0.1 item 4): every caller needs `admin:backup`
(sessions hold every scope) and a key narrowed by tags or a machine is
refused, since a backup cannot be narrowed. A *user* backup holds the
caller's own rows, with no password or key hash and no other account's id;
restoring one replaces the importer's tool rows only, whatever owner the rows
claim. A *full* ("admin") backup holds everything, hashes included, and only
an admin (a session, or the trusted console) may take or restore one; API
keys act for their owner only, so they never can.

The change feed stays truthful (DESIGN §4): a restore writes one change row
per row it removed (DELETED) and per row it restored (CREATED or UPDATED, with
the restored version), so a follower that keeps its cursor converges on the
restored state. A full restore also replaces the change log: its history
describes a database that no longer exists, so the old rows go, the
restore's rows are numbered after both this log's and the backup's position
(sequence numbers never go backwards), and every older cursor is refused with
CURSOR_EXPIRED: its holder resynchronizes in full.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, func, select, table

from ..auth import policy
from ..auth.principal import Principal
from ..db import models
from ..db.queries import mappings
from ..db.types import utcnow
from ..errors import Forbidden, Reason
from .backup_format import (
    ADMIN,
    API_KEYS,
    AUDIT_LOG,
    ENTITY_LISTS,
    FORMAT_VERSION,
    JOIN_LISTS,
    LIST_KEYS,
    TOOL_SET_VERSIONS,
    USER,
    USERS,
    check_document,
)
from .backup_restore import Restore, RestorePlan, known_revisions
from .unit_of_work import Runtime

Progress = Callable[[str], None]
log = logging.getLogger("smooth_gql.backup")
CHANGES = models.table_of(models.ChangeLog)
SETS = models.table_of(models.ToolSet)


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
    me = principal.user_id
    entities: dict[str, list[dict[str, Any]]] = {key: [] for key in LIST_KEYS}

    def rename(user_id: str) -> str:
        # A user backup names no other account: rows others edited are credited to the owner.
        return user_id if full or user_id == me else me

    async with runtime.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})

        async def rows(source: Any, *where: Any) -> list[Mapping[str, Any]]:
            order = list(source.primary_key.columns)
            return mappings(await session.execute(select(source).where(*where).order_by(*order)))

        users = await rows(USERS.table, *(() if full else (USERS.table.c.id == me,)))
        entities["users"] = [USERS.encode(u, hide=not full) for u in users]
        owned_sets: list[str] = []
        for el in ENTITY_LISTS:
            found = await rows(el.table, *(() if full else (el.table.c.owner_id == me,)))
            entities[el.key] = [el.encode(r, rename) for r in found]
            if el.key == "tool_sets":
                owned_sets = [r["id"] for r in found]
            progress(f"exported {el.key}: {len(found)}")
        owned = {el.key: {r["id"] for r in entities[el.key]} for el in ENTITY_LISTS}
        parents = {
            "assembly_components": owned["tool_assemblies"],
            "tool_set_instances": owned["tool_sets"],
            "tool_set_presets": owned["tool_sets"],
        }
        for join in JOIN_LISTS:
            parent = (
                join.table.c.assembly_id if join.key == "assembly_components" else join.table.c.tool_set_id
            )
            found = await rows(join.table)
            entities[join.key] = [
                join.encode(r) for r in found if full or r[parent.name] in parents[join.key]
            ]
        versions = await rows(
            TOOL_SET_VERSIONS.table,
            *(() if full else (TOOL_SET_VERSIONS.table.c.tool_set_id.in_(owned_sets),)),
        )
        entities["tool_set_versions"] = [_version_row(v, rename) for v in versions]
        if full:
            # Keys and the audit log are an installation's, not a user's (a user import never
            # rewrites history, and key hashes never leave in a user backup).
            entities["api_keys"] = [API_KEYS.encode(k) for k in await rows(API_KEYS.table)]
            entities["audit_log"] = [AUDIT_LOG.encode(a) for a in await rows(AUDIT_LOG.table)]
        visible = policy.row_filter(principal, CHANGES, all_tenants=full)
        position = (await session.execute(select(func.max(CHANGES.c.seq)).where(visible))).scalar()
        revision = (await session.execute(select(_ALEMBIC.c.version_num))).scalar()
    metadata: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "timestamp": utcnow().isoformat(),
        "backup_type": ADMIN if full else USER,
        "counts": {key: len(entities[key]) for key in LIST_KEYS},
        "schema_revision": revision,
        "change_log_position": int(position or 0),
    }
    if not full:
        metadata["user_id"] = me
    log.info("backup exported: %s, %d rows", metadata["backup_type"], sum(metadata["counts"].values()))
    return {"metadata": metadata, "entities": entities}


def _version_row(row: Mapping[str, Any], rename: Callable[[str], str]) -> dict[str, Any]:
    out = TOOL_SET_VERSIONS.encode(row)
    out["owner_id"], out["changed_by"] = rename(out["owner_id"]), rename(out["changed_by"])
    snapshot = out.get("snapshot")
    if isinstance(snapshot, dict):
        out["snapshot"] = {
            **snapshot,
            **{k: rename(v) for k, v in snapshot.items() if k in _SNAPSHOT_USERS and isinstance(v, str)},
        }
    return out


_SNAPSHOT_USERS = ("owner_id", "user_id", "created_by", "updated_by")
_ALEMBIC = table("alembic_version", column("version_num"))


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
    log.info(
        "backup restored: %s, %d rows restored, %d removed",
        meta.backup_type,
        outcome.restored,
        outcome.removed,
    )
    return RestoreOutcome(outcome.restored, meta.backup_type, outcome.removed, outcome.position)
