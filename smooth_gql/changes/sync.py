"""Row sync on the global change sequence: what the legacy change routes read.

The GraphQL feed hands out *changes*; legacy clients ask for *rows* changed
after a number they got back last time (contract §8, §0.1 item 8). That
number is the change log's global `seq`. Every entity row carries the seq of
its latest change (`change_seq`, stamped by the journal in the write's
transaction), so "rows with change_seq > N" is every row the client has not
seen in its current state, each once — and it stays complete when the log's
retention has pruned old changes: `since_version=0` is a full sync of every
row, however long ago it last changed, paged by the same integer.

Deletions leave no row; they come from the log as tombstones, so they are
exact only while the log still holds them. A client asking for tombstones
after a cursor older than the retained log is refused (CursorExpired):
whatever was deleted in between is unknown, it must resynchronize from 0.

Consistency: the log head is read first and both reads are bounded by it,
so a page shows the state as of that seq; a row changed meanwhile has a
higher `change_seq` and is returned, in its newer state, on the next call.
When the page is cut by `limit`, `max_version` is the seq of its last entry,
so feeding it back continues exactly there; otherwise it is the head the
caller may see (the max-version route's value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, exists, func, or_, select, tuple_

from ..auth import policy
from ..auth.principal import Principal
from ..db.queries import mappings
from ..enums import EntityType, Operation
from ..services.entities import SPECS
from ..services.errors import BadInput
from ..services.journal import log_floor
from ..services.reads import authorize_read, check_page_size
from ..services.unit_of_work import Runtime
from .feed import CHANGES, CursorExpired, visible
from .tail import log_head

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Tombstone:
    entity_id: str
    seq: int
    version: int


@dataclass(frozen=True)
class SyncPage:
    entries: list[Row | Tombstone]  # rows and tombstones, in change_seq order
    max_version: int


def seq_of(entry: Row | Tombstone) -> int:
    """The entry's place in the sequence; 0 for a row whose history predates change_seq."""
    if isinstance(entry, Tombstone):
        return entry.seq
    return int(entry["change_seq"] or 0)


def _rows_visible(principal: Principal, table: Table) -> ColumnElement[bool]:
    # Change detection shows admins every tenant (contract §0.1 item 3), like the GraphQL feed.
    return policy.row_filter(principal, table, all_tenants=principal.is_admin)


def _check_limit(runtime: Runtime, limit: int) -> None:
    check_page_size(runtime, limit, "limit", least=1)


async def _check_tombstones_retained(runtime: Runtime, after: int) -> None:
    async with runtime.sessions() as session:
        floor = await log_floor(session)
    if after < floor:
        raise CursorExpired(
            "since_version: deletions after this version are no longer in the change log; "
            "resynchronize with since_version=0",
            field="since_version",
        )


async def max_version(
    runtime: Runtime, principal: Principal, entity: EntityType, *, upto: int | None = None
) -> int:
    """The highest seq among the changes of `entity` the caller may see (0 when none).

    The log gives it while it holds the newest change; the rows' own
    `change_seq` cover a newest change the retention has pruned.
    """
    authorize_read(principal)
    table = SPECS[entity].table
    log_conditions = visible(principal, [entity])
    row_conditions = [_rows_visible(principal, table)]
    if upto is not None:
        log_conditions.append(CHANGES.c.seq <= upto)
        row_conditions.append(table.c.change_seq <= upto)
    async with runtime.sessions() as session:
        in_log = (await session.execute(select(func.max(CHANGES.c.seq)).where(*log_conditions))).scalar()
        in_rows = (
            await session.execute(select(func.max(table.c.change_seq)).where(*row_conditions))
        ).scalar()
    return max(int(in_log or 0), int(in_rows or 0))


async def since_version(
    runtime: Runtime,
    principal: Principal,
    entity: EntityType,
    after: int,
    limit: int,
    *,
    include_deleted: bool = False,
) -> SyncPage:
    """Rows (and, if asked, tombstones) changed after seq `after`, oldest change first."""
    authorize_read(principal)
    _check_limit(runtime, limit)
    if after < 0:
        raise BadInput("since_version: must not be negative", field="since_version")
    if include_deleted and after > 0:
        await _check_tombstones_retained(runtime, after)
    head = await log_head(runtime)
    table = SPECS[entity].table
    seq = table.c.change_seq
    bounds = [seq > after, seq <= head] if after > 0 else [or_(seq.is_(None), seq <= head)]
    async with runtime.sessions() as session:
        rows = mappings(
            await session.execute(
                select(table)
                .where(_rows_visible(principal, table), *bounds)
                .order_by(seq.asc().nulls_first(), table.c.id)
                .limit(limit + 1)
            )
        )
        entries: list[Row | Tombstone] = list(rows)
        if include_deleted:
            entries += await _tombstones(session, principal, entity, table, after, head, limit)
    entries.sort(key=seq_of)
    if len(entries) > limit:
        page = entries[:limit]
        return SyncPage(page, seq_of(page[-1]))
    return SyncPage(entries, await max_version(runtime, principal, entity, upto=head))


async def _tombstones(
    session: Any, principal: Principal, entity: EntityType, table: Table, after: int, head: int, limit: int
) -> list[Row | Tombstone]:
    """The latest delete of each row gone since `after` (a row deleted and created again is live)."""
    latest = (
        select(CHANGES.c.entity_id, func.max(CHANGES.c.seq).label("seq"))
        .where(
            CHANGES.c.operation == Operation.DELETED.value,
            CHANGES.c.seq > after,
            CHANGES.c.seq <= head,
            *visible(principal, [entity]),
        )
        .group_by(CHANGES.c.entity_id)
        .subquery()
    )
    live = exists().where(table.c.id == CHANGES.c.entity_id, _rows_visible(principal, table))
    result = await session.execute(
        select(CHANGES.c.entity_id, CHANGES.c.seq, CHANGES.c.version)
        .join(latest, CHANGES.c.seq == latest.c.seq)
        .where(~live)
        .order_by(CHANGES.c.seq)
        .limit(limit + 1)
    )
    return [Tombstone(row.entity_id, int(row.seq), int(row.version)) for row in result]


async def since_timestamp(
    runtime: Runtime, principal: Principal, entity: EntityType, since: datetime, limit: int
) -> SyncPage:
    """Rows updated strictly after `since`, by (updated_at, id).

    `max_version` is safe to continue with since-version: on a page `limit`
    cut, one below the lowest `change_seq` among the rows not yet returned
    (duplicates possible, gaps not); otherwise the caller's head.
    """
    authorize_read(principal)
    _check_limit(runtime, limit)
    try:
        moment = (since if since.tzinfo is not None else since.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise BadInput("since_timestamp: out of range", field="since_timestamp") from None
    head = await max_version(runtime, principal, entity)
    table = SPECS[entity].table
    visible_rows = _rows_visible(principal, table)
    async with runtime.sessions() as session:
        rows = mappings(
            await session.execute(
                select(table)
                .where(visible_rows, table.c.updated_at > moment)
                .order_by(table.c.updated_at, table.c.id)
                .limit(limit + 1)
            )
        )
        if len(rows) <= limit:
            return SyncPage(list(rows), head)
        page = rows[:limit]
        last = page[-1]
        rest = await session.execute(
            select(func.min(func.coalesce(table.c.change_seq, 0))).where(
                visible_rows,
                table.c.updated_at > moment,
                tuple_(table.c.updated_at, table.c.id) > tuple_(last["updated_at"], last["id"]),
            )
        )
    lowest = int(rest.scalar() or 0)
    return SyncPage(list(page), max(0, min(head, lowest - 1)))
