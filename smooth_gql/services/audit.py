"""Reading the audit log: admins see every tenant, others what they did or what is theirs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from ..auth import policy
from ..auth.principal import Principal
from ..db import models
from ..db.queries import mappings
from . import cursors
from .errors import BadInput
from .reads import authorize_read
from .unit_of_work import Runtime

AUDIT = models.table_of(models.AuditLog)


@dataclass(frozen=True)
class AuditQuery:
    entity_type: str | None = None
    entity_id: str | None = None
    operation: str | None = None
    result: str | None = None
    user_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _conditions(principal: Principal, query: AuditQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not principal.is_admin:
        conditions.append(or_(AUDIT.c.user_id == principal.user_id, AUDIT.c.owner_id == principal.user_id))
    for name in ("entity_type", "entity_id", "operation", "result", "user_id"):
        value = getattr(query, name)
        if value is not None:
            conditions.append(AUDIT.c[name] == value)
    if query.since is not None:
        conditions.append(AUDIT.c.timestamp >= query.since)
    if query.until is not None:
        conditions.append(AUDIT.c.timestamp < query.until)
    return conditions


async def page(
    runtime: Runtime, principal: Principal, query: AuditQuery, *, first: int | None, after: str | None
) -> tuple[list[Mapping[str, Any]], list[str], bool]:
    """Newest first, keyset-paged on the log's own sequence."""
    authorize_read(principal)
    # Audit entries hold whole rows but no tags or machine of their own to filter on.
    policy.require_unrestricted(principal, "the audit log")
    limit = runtime.settings.default_page_size if first is None else first
    if not 0 <= limit <= runtime.settings.max_page_size:
        raise BadInput(f"first: must be between 0 and {runtime.settings.max_page_size}", field="first")
    conditions = _conditions(principal, query)
    if after is not None:
        conditions.append(AUDIT.c.seq < _decode(after))
    async with runtime.sessions() as session:
        rows = mappings(
            await session.execute(
                select(AUDIT).where(*conditions).order_by(AUDIT.c.seq.desc()).limit(limit + 1)
            )
        )
    has_next = len(rows) > limit
    rows = rows[:limit]
    return rows, [cursors.encode([row["seq"]]) for row in rows], has_next


def _decode(cursor: str) -> int:
    [seq] = cursors.decode(cursor, 1)
    if isinstance(seq, int) and not isinstance(seq, bool):
        return seq
    raise BadInput("after: not a cursor this list issued", field="after")
