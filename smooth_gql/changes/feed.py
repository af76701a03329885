"""Reading the change log through the access policy, and following it live.

Every read is `seq > cursor ORDER BY seq`, filtered by the same policy as
queries. On PostgreSQL change-log appends are serialized until commit
(services/unit_of_work.py), so a change that commits later always has a
higher `seq` than any a reader has seen; on SQLite there is one writer.
Together that makes "read after my last seq" gap-free and duplicate-free,
across reconnects, restarts and workers.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select

from ..auth import policy
from ..auth.principal import Principal
from ..db import models
from ..db.queries import mappings
from ..enums import EntityType
from ..errors import Reason, ServiceError, Unauthenticated
from ..runtime import Runtime
from ..services import authentication
from ..services.journal import log_floor
from ..services.reads import authorize_read, check_page_size
from .tail import Behind, LogTail, log_head

CHANGES = models.table_of(models.ChangeLog)


class CursorExpired(ServiceError):
    code = "CURSOR_EXPIRED"
    default_reason = Reason.CURSOR_EXPIRED


@dataclass(frozen=True)
class ChangePage:
    rows: list[Mapping[str, Any]]
    end_seq: int
    has_more: bool


def visible(principal: Principal, entity_types: Sequence[EntityType] | None) -> list[ColumnElement[bool]]:
    # Admins follow every tenant (DESIGN §5); everyone else exactly what their queries show.
    conditions = [policy.row_filter(principal, CHANGES, all_tenants=principal.is_admin)]
    if entity_types:
        conditions.append(CHANGES.c.entity_type.in_([t.value for t in entity_types]))
    return conditions


def _check_retained(after: int, floor: int) -> None:
    """A cursor older than the retained log cannot be continued without a gap."""
    if after < floor:
        raise CursorExpired(
            "this cursor is older than the retained change log; resynchronize in full", field="after"
        )


async def _floor(runtime: Runtime) -> int:
    async with runtime.sessions() as session:
        return await log_floor(session)


async def visible_head(
    runtime: Runtime, principal: Principal, entity_types: Sequence[EntityType] | None
) -> int:
    """The newest seq this principal may see (another tenant's writes do not move it)."""
    async with runtime.sessions() as session:
        head = await session.execute(select(func.max(CHANGES.c.seq)).where(*visible(principal, entity_types)))
        return int(head.scalar() or 0)


async def read(
    runtime: Runtime,
    principal: Principal,
    after: int | None,
    entity_types: Sequence[EntityType] | None,
    limit: int,
) -> ChangePage:
    """One page of changes after `after` (None: from the start of the retained log)."""
    authorize_read(principal)
    check_page_size(runtime, limit, "first")
    if after is not None:
        _check_retained(after, await _floor(runtime))
    page = await _page(runtime, principal, after or 0, entity_types, limit)
    if not page.rows and after is None:
        # Nothing yet: hand out the current end, so the client can follow from here (never
        # below the floor, or its next call would be refused).
        head = await visible_head(runtime, principal, entity_types)
        return ChangePage([], max(head, await _floor(runtime)), False)
    return page


async def _page(
    runtime: Runtime,
    principal: Principal,
    start: int,
    entity_types: Sequence[EntityType] | None,
    limit: int,
    *,
    upto: int | None = None,
    check_floor: bool = False,
) -> ChangePage:
    """`check_floor`: refuse `start` if the log below has gone since (read in the same session)."""
    conditions = [CHANGES.c.seq > start, *visible(principal, entity_types)]
    if upto is not None:
        conditions.append(CHANGES.c.seq <= upto)
    async with runtime.sessions() as session:
        if check_floor:
            _check_retained(start, await log_floor(session))
        query = select(CHANGES).where(*conditions).order_by(CHANGES.c.seq).limit(limit + 1)
        rows = mappings(await session.execute(query))
    has_more = len(rows) > limit
    rows = rows[:limit]
    return ChangePage(rows, int(rows[-1]["seq"]) if rows else start, has_more)


def _shown(principal: Principal, entity_types: Sequence[EntityType] | None, row: Mapping[str, Any]) -> bool:
    """`_visible` for a row from the tail's buffer."""
    if entity_types and row["entity_type"] not in {t.value for t in entity_types}:
        return False
    return policy.row_visible(principal, row, all_tenants=principal.is_admin)


class _Credential:
    """A follower's credential, checked again before a delivery once the last check is
    `feed_recheck_seconds` old: a logout, revocation, expiry, deactivation or change of
    role ends the stream, instead of it streaming on until the client reconnects."""

    def __init__(self, runtime: Runtime, principal: Principal) -> None:
        self.runtime = runtime
        self.principal = principal
        self.checked = float("-inf")  # the connection may have been authenticated long ago

    async def vouch(self) -> None:
        if time.monotonic() - self.checked < self.runtime.settings.feed_recheck_seconds:
            return
        now = await authentication.recheck(self.runtime, self.principal)
        if isinstance(now, str):
            raise Unauthenticated(f"{now}; the subscription has ended", reason=Reason.CREDENTIALS_INVALID)
        if now != self.principal:
            raise Unauthenticated(
                "the credential's access has changed; subscribe again", reason=Reason.CREDENTIALS_INVALID
            )
        self.checked = time.monotonic()


async def follow(
    runtime: Runtime,
    tail: LogTail,
    principal: Principal,
    after: int | None,
    entity_types: Sequence[EntityType] | None,
    *,
    page_size: int = 200,
    idle_seconds: float = 60.0,
) -> AsyncIterator[Mapping[str, Any]]:
    """Replay from the log after `after`, then stream new changes as they commit.

    Replay and live are one loop over the log, so there is nothing to stitch
    and no gap or duplicate between them. Without a cursor it starts at the
    current end. `scanned` is how far this follower has looked, visible rows
    or not: while it is behind the worker's shared tail it pages through the
    log itself (filtered in SQL); from there on it takes rows from the tail's
    buffer (filtered in memory) and sleeps until the tail reads more.
    """
    authorize_read(principal)
    credential = _Credential(runtime, principal)
    await credential.vouch()
    if after is not None:
        _check_retained(after, await _floor(runtime))
        scanned = after
    else:
        scanned = max(await log_head(runtime), await _floor(runtime))
    with tail.following():
        while not tail.closed:
            try:
                row = tail.next_after(scanned)
            except Behind:
                # Reading the log itself: a full restore may have emptied it since the last page,
                # and going on from the rows it wrote would skip what it took away.
                upto = tail.floor
                page = await _page(
                    runtime, principal, scanned, entity_types, page_size, upto=upto, check_floor=True
                )
                for row in page.rows:
                    await credential.vouch()
                    yield row
                scanned = page.end_seq if page.has_more else upto
                continue
            if row is None:
                scanned = max(scanned, tail.position)
                await tail.wait_beyond(scanned, idle_seconds)
                continue
            scanned = int(row["seq"])
            if _shown(principal, entity_types, row):
                await credential.vouch()
                yield row
