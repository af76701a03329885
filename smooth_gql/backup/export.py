"""The export half of a backup: every list read in one consistent snapshot.

A user backup holds the caller's own rows and names no other account: rows
others edited are credited to the owner. A full one holds every row, and the
installation's API keys and audit log besides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, func, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from ..auth import policy
from ..auth.principal import Principal
from ..db import models
from ..db.queries import mappings
from ..db.types import utcnow
from .document import ADMIN, FORMAT_VERSION, LIST_KEYS, USER
from .entity_lists import ENTITY_LISTS
from .table_lists import API_KEYS, AUDIT_LOG, JOIN_LISTS, TOOL_SET_VERSIONS, USERS, parent_of

Progress = Callable[[str], None]
Entities = dict[str, list[dict[str, Any]]]
CHANGES = models.table_of(models.ChangeLog)
_SNAPSHOT_USERS = ("owner_id", "user_id", "created_by", "updated_by")
_ALEMBIC = table("alembic_version", column("version_num"))


@dataclass(frozen=True)
class _Snapshot:
    """The reads of one backup: whole tables in a full one, the caller's rows in a user one."""

    session: AsyncSession
    principal: Principal
    full: bool

    @property
    def me(self) -> str:
        return self.principal.user_id

    def only(self, condition: Any) -> tuple[Any, ...]:
        """`condition` in a user backup; no condition (every row) in a full one."""
        return () if self.full else (condition,)

    def rename(self, user_id: str) -> str:
        # A user backup names no other account: rows others edited are credited to the owner.
        return user_id if self.full or user_id == self.me else self.me

    async def rows(self, source: Any, *where: Any) -> list[Mapping[str, Any]]:
        order = list(source.primary_key.columns)
        return mappings(await self.session.execute(select(source).where(*where).order_by(*order)))


async def read_document(
    session: AsyncSession, principal: Principal, *, full: bool, progress: Progress
) -> dict[str, Any]:
    """The backup document (contract §9.1 extended); the caller has been authorized."""
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    snapshot = _Snapshot(session, principal, full)
    entities = await _read_entities(snapshot, progress)
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
        metadata["user_id"] = principal.user_id
    return {"metadata": metadata, "entities": entities}


async def _read_entities(snapshot: _Snapshot, progress: Progress) -> Entities:
    entities: Entities = {key: [] for key in LIST_KEYS}
    users = await snapshot.rows(USERS.table, *snapshot.only(USERS.table.c.id == snapshot.me))
    entities["users"] = [USERS.encode(u, hide=not snapshot.full) for u in users]
    for el in ENTITY_LISTS:
        found = await snapshot.rows(el.table, *snapshot.only(el.table.c.owner_id == snapshot.me))
        entities[el.key] = [el.encode(r, snapshot.rename) for r in found]
        progress(f"exported {el.key}: {len(found)}")
    await _read_joins(snapshot, entities)
    owned_sets = [r["id"] for r in entities["tool_sets"]]
    versions = await snapshot.rows(
        TOOL_SET_VERSIONS.table, *snapshot.only(TOOL_SET_VERSIONS.table.c.tool_set_id.in_(owned_sets))
    )
    entities["tool_set_versions"] = [_version_row(v, snapshot.rename) for v in versions]
    if snapshot.full:
        # Keys and the audit log are an installation's, not a user's (a user import never
        # rewrites history, and key hashes never leave in a user backup).
        entities["api_keys"] = [API_KEYS.encode(k) for k in await snapshot.rows(API_KEYS.table)]
        entities["audit_log"] = [AUDIT_LOG.encode(a) for a in await snapshot.rows(AUDIT_LOG.table)]
    return entities


async def _read_joins(snapshot: _Snapshot, entities: Entities) -> None:
    """The join lists: whole tables read, and a user backup keeps the rows of its own parents."""
    for join in JOIN_LISTS:
        parent, parents = parent_of(join)
        owned = {r["id"] for r in entities[parents]}
        found = await snapshot.rows(join.table)
        entities[join.key] = [join.encode(r) for r in found if snapshot.full or r[parent.name] in owned]


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
