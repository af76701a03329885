"""Reading the audit log: admins see every tenant, others what they did or what is theirs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from ..auth import policy
from ..auth.principal import Principal
from ..db import models
from ..db.queries import mappings
from ..errors import BadInput
from ..runtime import Runtime
from . import cursors
from .fields import INT64_MAX, canonical_id
from .reads import authorize_read, check_page_size, filter_value

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
            value = filter_value(name, value)
            if name in ("entity_id", "user_id"):
                value = canonical_id(value) or value  # ids are stored in lower case
            conditions.append(AUDIT.c[name] == value)
    if query.since is not None:
        conditions.append(AUDIT.c.timestamp >= _utc("since", query.since))
    if query.until is not None:
        conditions.append(AUDIT.c.timestamp < _utc("until", query.until))
    return conditions


def _utc(label: str, moment: datetime) -> datetime:
    """No offset means UTC; a moment UTC cannot hold (year 1 east of Greenwich) is bad input."""
    try:
        return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise BadInput("out of range", field=label) from None


async def page(
    runtime: Runtime, principal: Principal, query: AuditQuery, *, first: int | None, after: str | None
) -> tuple[list[Mapping[str, Any]], list[str], bool]:
    """Newest first, keyset-paged on the log's own sequence."""
    _authorize(principal)
    limit = runtime.settings.default_page_size if first is None else first
    check_page_size(runtime, limit, "first")
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


async def window(
    runtime: Runtime, principal: Principal, query: AuditQuery, *, limit: int, offset: int
) -> tuple[list[Mapping[str, Any]], int]:
    """Newest first by position, and how many entries match (the legacy REST list, §10.2)."""
    _authorize(principal)
    check_page_size(runtime, limit, "limit")
    if not 0 <= offset <= INT64_MAX:
        raise BadInput(f"must be between 0 and {INT64_MAX}", field="offset")
    conditions = _conditions(principal, query)
    async with runtime.sessions() as session:
        rows = mappings(
            await session.execute(
                select(AUDIT).where(*conditions).order_by(AUDIT.c.seq.desc()).limit(limit).offset(offset)
            )
        )
        total = (
            await session.execute(select(func.count()).select_from(AUDIT).where(*conditions))
        ).scalar_one()
    return rows, int(total)


def _authorize(principal: Principal) -> None:
    authorize_read(principal)
    # Audit entries hold whole rows but no tags or machine of their own to filter on.
    policy.require_unrestricted(principal, "the audit log")


def _decode(cursor: str) -> int:
    [seq] = cursors.decode(cursor, 1)
    if isinstance(seq, int) and not isinstance(seq, bool):
        return seq
    raise BadInput("not a cursor this list issued", field="after")
