"""Row sync on the global change sequence: what the legacy change routes read.

The GraphQL feed hands out *changes*; legacy clients ask for *rows* changed
after a number they got back last time (contract §8, §0.1 item 8). That
number is the change log's global `seq`. Every entity row carries the seq of
its latest change (`change_seq`, stamped by the journal in the write's
transaction), so "rows with change_seq > N" is every row the client has not
seen in its current state, each once — and it stays complete when the log's
retention has pruned old changes: `since_version=0` is a full sync of every
row, however long ago it last changed, paged by the same integer.

Deletions leave no row; they come from the log as tombstones (one query for
both routes; since-timestamp places them by the moment of deletion), so they
are exact only while the log still holds them. A client asking for tombstones
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

from sqlalchemy import ColumnElement, Select, Subquery, Table, exists, func, or_, select, tuple_

from ..auth import policy
from ..auth.principal import Principal
from ..db.queries import mappings
from ..enums import EntityType, Operation
from ..errors import BadInput
from ..runtime import Runtime
from ..services.entities import SPECS
from ..services.journal import log_floor
from ..services.reads import authorize_read, check_page_size
from .feed import CHANGES, CursorExpired, visible
from .tail import log_head

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Tombstone:
    entity_id: str
    seq: int
    version: int
    deleted_at: datetime  # orders it among rows by (updated_at, id) in since-timestamp


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


async def _check_tombstones_retained(
    runtime: Runtime, *, after: int | None = None, since: datetime | None = None
) -> None:
    """Deletions after a cursor are known only while the log holds every change after it: for a
    seq, when it is not below the log's floor (services/journal.log_floor: retention, a full
    restore); for a moment, when nothing ever left the log or the moment is not before its
    oldest retained change."""
    async with runtime.sessions() as session:
        floor = await log_floor(session)
        oldest_at = (
            None
            if since is None
            else (
                await session.execute(select(CHANGES.c.changed_at).order_by(CHANGES.c.seq).limit(1))
            ).scalar()
        )
    if after is not None and after < floor:
        raise CursorExpired(
            "deletions after this version are no longer in the change log; "
            "resynchronize with since_version=0",
            field="since_version",
        )
    if since is not None and floor > 0 and (oldest_at is None or since < oldest_at):
        raise CursorExpired(
            "deletions after this moment are no longer in the change log; resynchronize with since_version=0",
            field="since_timestamp",
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
        raise BadInput("must not be negative", field="since_version")
    if include_deleted and after > 0:
        await _check_tombstones_retained(runtime, after=after)
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
            deletes = _tombstones(principal, entity, CHANGES.c.seq > after, head)
            entries += await _read_tombstones(
                session, select(deletes).order_by(deletes.c.seq).limit(limit + 1)
            )
    entries.sort(key=seq_of)
    if len(entries) > limit:
        page = entries[:limit]
        return SyncPage(page, seq_of(page[-1]))
    return SyncPage(entries, await max_version(runtime, principal, entity, upto=head))


def _tombstones(principal: Principal, entity: EntityType, after: ColumnElement[bool], head: int) -> Subquery:
    """The latest delete of each row gone since the cursor (`after`, a condition on the log) up
    to `head`; a row deleted and created again is live, not a tombstone. Both since-routes read
    deletions through this one query."""
    table = SPECS[entity].table
    latest = (
        select(CHANGES.c.entity_id, func.max(CHANGES.c.seq).label("seq"))
        .where(
            CHANGES.c.operation == Operation.DELETED.value,
            after,
            CHANGES.c.seq <= head,
            *visible(principal, [entity]),
        )
        .group_by(CHANGES.c.entity_id)
        .subquery()
    )
    live = exists().where(table.c.id == CHANGES.c.entity_id, _rows_visible(principal, table))
    return (
        select(CHANGES.c.entity_id, CHANGES.c.seq, CHANGES.c.version, CHANGES.c.changed_at)
        .join(latest, CHANGES.c.seq == latest.c.seq)
        .where(~live)
        .subquery()
    )


async def _read_tombstones(session: Any, query: Select[Any]) -> list[Row | Tombstone]:
    result = await session.execute(query)
    return [Tombstone(r.entity_id, int(r.seq), int(r.version), r.changed_at) for r in result]


def _time_key(entry: Row | Tombstone) -> tuple[datetime, str]:
    if isinstance(entry, Tombstone):
        return entry.deleted_at, entry.entity_id
    return entry["updated_at"], entry["id"]


async def since_timestamp(
    runtime: Runtime,
    principal: Principal,
    entity: EntityType,
    since: datetime,
    limit: int,
    *,
    include_deleted: bool = False,
) -> SyncPage:
    """Rows updated strictly after `since` by (updated_at, id), and if asked the rows deleted
    after it, placed by the moment of their deletion, exactly as since-version gives them.

    `max_version` is safe to continue with since-version: on a page `limit`
    cut, one below the lowest `change_seq` among the entries not yet returned
    (duplicates possible, gaps not); otherwise the caller's head.
    """
    authorize_read(principal)
    _check_limit(runtime, limit)
    moment = _utc(since)
    if include_deleted:
        await _check_tombstones_retained(runtime, since=moment)
    head = await max_version(runtime, principal, entity)
    table = SPECS[entity].table
    visible_rows = _rows_visible(principal, table)
    # Bounded by the head this page hands out, so a deletion committed meanwhile comes next time.
    deletes = _tombstones(principal, entity, CHANGES.c.changed_at > moment, head)
    async with runtime.sessions() as session:
        entries: list[Row | Tombstone] = list(
            mappings(
                await session.execute(
                    select(table)
                    .where(visible_rows, table.c.updated_at > moment)
                    .order_by(table.c.updated_at, table.c.id)
                    .limit(limit + 1)
                )
            )
        )
        if include_deleted:
            entries += await _read_tombstones(
                session, select(deletes).order_by(deletes.c.changed_at, deletes.c.entity_id).limit(limit + 1)
            )
        entries.sort(key=_time_key)
        if len(entries) <= limit:
            return SyncPage(entries, head)
        page = entries[:limit]
        rest = _after_page(table, visible_rows, moment, deletes if include_deleted else None, page[-1])
        lowest = [int(v) for q in rest if (v := (await session.execute(q)).scalar()) is not None]
    return SyncPage(page, max(0, min(head, *(n - 1 for n in lowest))) if lowest else head)


def _utc(since: datetime) -> datetime:
    """The moment in UTC; a naive one is taken as UTC already."""
    try:
        return (since if since.tzinfo is not None else since.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise BadInput("out of range", field="since_timestamp") from None


def _after_page(
    table: Table,
    visible_rows: ColumnElement[bool],
    moment: datetime,
    deletes: Subquery | None,
    last: Row | Tombstone,
) -> list[Select[Any]]:
    """The lowest seq among the rows (and tombstones, when `deletes` is given) after the page's
    `last` entry: one below it is where since-version continues without a gap."""
    last_at, last_id = _time_key(last)
    rest: list[Select[Any]] = [
        select(func.min(func.coalesce(table.c.change_seq, 0))).where(
            visible_rows,
            table.c.updated_at > moment,
            tuple_(table.c.updated_at, table.c.id) > tuple_(last_at, last_id),
        )
    ]
    if deletes is not None:
        after_last = tuple_(deletes.c.changed_at, deletes.c.entity_id) > tuple_(last_at, last_id)
        rest.append(select(func.min(deletes.c.seq)).where(after_last))
    return rest
