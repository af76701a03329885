"""What every file import shares: its plan vocabulary, reading whole lists, the size limit, and
the one way it hands creates and updates to the bulk writes.

Tool tables, catalog CSV and tool libraries all plan first (per row: CREATE, UPDATE with each
changed field, UNCHANGED, DELETE) and then write through `services.writes`, so they share these
pieces rather than each carrying a copy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..auth.principal import Principal
from ..enums import EntityType
from ..errors import LimitExceeded
from ..runtime import Runtime
from ..services import bulk_create, bulk_update, reads
from ..services.unit_of_work import UnitOfWork
from ..services.write_request import BulkOutcome, WriteRequest

Row = dict[str, Any]


class PlanAction(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True)
class FieldChange:
    field: str  # a field path, e.g. "offsets.z" or "parameters.diameter"
    before: Any
    after: Any


@dataclass(frozen=True)
class Progress:
    """One phase of an import done: what a console prints so a big file does not look stuck."""

    phase: str  # "parse", "read", "plan", "write" (once per batch written)
    count: int  # rows, tools or presets that phase handled
    detail: str = ""  # e.g. "create 3, update 10" or "updated"


Reporter = Callable[[Progress], Awaitable[None]]


async def quiet(_: Progress) -> None:
    """The reporter of a caller that shows no progress (GraphQL)."""


async def all_rows(runtime: Runtime, principal: Principal, query: reads.ListQuery) -> list[Row]:
    """Every row of `query` the principal may read, page by page."""
    limit = runtime.settings.max_page_size
    rows: list[Row] = []
    while True:
        window = await reads.list_window(runtime, principal, query, limit=limit, offset=len(rows))
        rows.extend(dict(row) for row in window.rows)
        if not window.rows or len(rows) >= window.total:
            return rows


def check_import_size(runtime: Runtime, count: int, field: str, things: str) -> None:
    """One import may carry at most `maxBulkItems` rows (tools, items, bits), like a bulk request."""
    limit = runtime.settings.max_bulk_items
    if count > limit:
        raise LimitExceeded(
            f"{count} {things} exceed the limit of {limit} per import",
            field=field,
            limit=("maxBulkItems", limit),
        )


def counts(actions: Sequence[PlanAction]) -> str:
    """A plan summed up per action, e.g. "create 1, unchanged 15, update 2" (sorted)."""
    tally: dict[str, int] = {}
    for action in actions:
        tally[action.value.lower()] = tally.get(action.value.lower(), 0) + 1
    return ", ".join(f"{action} {n}" for action, n in sorted(tally.items()))


async def create_and_update(
    runtime: Runtime,
    principal: Principal,
    entity: EntityType,
    creates: Sequence[tuple[Any, Row]],
    updates: Sequence[tuple[Any, Row]],
    *,
    atomic: bool,
    within: UnitOfWork,
    report: Reporter = quiet,
) -> tuple[BulkOutcome, BulkOutcome]:
    """An import's creates and updates (each a (source line, values) pair) in `within`; an
    empty batch is not sent, since an empty call would still cost round trips (locks, referrer
    checks). Error indexes in the outcomes are indexes into `creates` and `updates`."""
    made, changed = BulkOutcome(), BulkOutcome()
    if creates:
        made = await bulk_create.create_entities(
            runtime, principal, WriteRequest(entity, [v for _, v in creates], atomic=atomic, within=within)
        )
        await report(Progress("write", len(made.results), "created"))
    if updates:
        changed = await bulk_update.update_entities(
            runtime, principal, WriteRequest(entity, [v for _, v in updates], atomic=atomic, within=within)
        )
        await report(Progress("write", len(changed.results), "updated"))
    return made, changed
