"""The one write path for all six entities: a pipeline of named stages, run by each verb.

Every bulk create, update and delete (services/bulk_create.py, bulk_update.py,
bulk_delete.py) runs the same stages, in this order:

1. **parse** (write_parse.py): check each element in Python, before the
   transaction begins. A malformed element becomes an item error and costs
   no round trip.
2. **resolve references** (write_resolve.py): load every row the batch names
   with one `IN (...)` per referenced entity, then check each element's ids
   against them and let the entity's hooks derive values from them.
3. **plan**: the verb's own step. An update applies its elements in order to
   copies of the locked rows, so one id may be changed several times in one
   batch; a create and a delete decide which elements go ahead.
4. **write** (`write_guarded`): multi-row statements for the whole batch. Only
   when the database still rejects it does it fall back to a savepoint per
   element, so the culprit becomes an item error and the rest are written.
5. **journal** (journal.py): one audit row per element (failures too) and one
   change row per success, in the same transaction, then commit.

The stages are split so that each holds one kind of reason to refuse an
element (its input, its references, its row's version, the database), every
verb refuses for the same reason in the same words, and an atomic batch stops
between stages with nothing written. What is particular to one entity is a
hook on its spec (services/entity_spec.py); what is particular to one caller
is an option of its WriteRequest (services/write_request.py). A write sent with an
idempotency key runs its verb through services/idempotency.py `write_once`, which
claims the key in the verb's unit of work and stores the outcome before its commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from ..auth import policy
from ..auth.principal import Principal
from ..db.queries import mappings
from ..db.types import utcnow
from ..enums import Operation
from ..errors import FieldError, ItemError, ItemErrorCode, Reason
from ..runtime import Runtime
from .entity_spec import EntitySpec, Row
from .journal import Journal
from .references import constraint_error
from .unit_of_work import UnitOfWork, finish
from .write_request import BulkOutcome, WriteRequest, check_bulk_request


@dataclass
class Element:
    """One element of a batch on its way through the stages."""

    index: int
    id: str | None
    values: Row = field(default_factory=dict)
    joins: dict[str, list[Row]] = field(default_factory=dict)
    expected_version: int | None = None
    links: dict[str, list[Row]] = field(default_factory=dict)  # legacy links, kept where ids resolve
    made_up: bool = False  # `id` was made by the server for a create: no client knows it


class _Errors(dict[int, ItemError]):
    def add(self, element: Element, error: FieldError, **extra: Any) -> None:
        # A failed create names the id its client sent, or none: a made-up one names a row
        # that never existed, in the response and in the audit log alike.
        reported = None if element.made_up else element.id
        self[element.index] = ItemError(
            element.index, reported, error.code, error.reason, error.field, error.problem, **extra
        )

    def add_conflict(self, element: Element, row: Mapping[str, Any]) -> None:
        message = f"version conflict: expected {element.expected_version}, current is {row['version']}"
        error = FieldError(
            "expectedVersion", message, ItemErrorCode.VERSION_CONFLICT, Reason.VERSION_CONFLICT
        )
        self.add(element, error, current_version=row["version"], current=dict(row))


def _check_reach(principal: Principal, spec: EntitySpec, row: Mapping[str, Any], sent: Iterable[str]) -> None:
    """A restricted key may not write a row it could not read back (tags, machine)."""
    problem = policy.write_problem(principal, spec.type, row, set(sent))
    if problem is not None:
        raise problem


@dataclass
class Batch:
    """One request on its way through the stages: who writes what, when, and what failed."""

    runtime: Runtime
    principal: Principal
    request: WriteRequest
    spec: EntitySpec
    now: datetime
    errors: _Errors = field(default_factory=_Errors)

    @classmethod
    def begin(cls, runtime: Runtime, principal: Principal, request: WriteRequest, *, deleting: bool) -> Batch:
        """Authorize and size-check the request (check_bulk_request), before any element is read."""
        check_bulk_request(runtime, principal, request.entity, len(request.items), deleting=deleting)
        return cls(runtime, principal, request, request.spec, utcnow())

    def fail(self, element: Element, error: FieldError) -> None:
        self.errors.add(element, error)

    def conflict(self, element: Element, row: Mapping[str, Any]) -> None:
        self.errors.add_conflict(element, row)

    def check_reach(self, row: Mapping[str, Any], sent: Iterable[str]) -> None:
        _check_reach(self.principal, self.spec, row, sent)

    @property
    def stops(self) -> bool:
        """An atomic batch ends at the first stage that leaves an error, writing nothing."""
        return self.request.atomic and bool(self.errors)

    def failed(self) -> BulkOutcome:
        return BulkOutcome(errors=self.sorted_errors())

    def sorted_errors(self) -> list[ItemError]:
        return [self.errors[i] for i in sorted(self.errors)]

    def journal(self) -> Journal:
        return Journal(self.principal, self.now)

    async def close(
        self,
        uow: UnitOfWork,
        journal: Journal,
        operation: Operation,
        owner_of: Callable[[str | None], str | None],
    ) -> None:
        """The journal stage's end: audit every failure, write the journal, commit our own unit of work."""
        for failed in self.errors.values():
            journal.failure(failed, self.spec, operation, owner_of(failed.id))
        await journal.write(uow)
        await finish(uow, self.request.within)


async def write_guarded(
    uow: UnitOfWork,
    elements: list[Element],
    batch: Batch,
    write: Callable[[list[Element]], Awaitable[None]],
) -> list[Element]:
    """Write all elements at once; if the database refuses, find the culprits one by one."""
    if not elements:
        return []
    try:
        async with uow.session.begin_nested():
            await write(elements)
        return elements
    except DBAPIError:
        pass
    written: list[Element] = []
    for element in elements:
        try:
            async with uow.session.begin_nested():
                await write([element])
            written.append(element)
        except DBAPIError as exc:
            batch.fail(element, constraint_error(exc))
    return written


async def lock_rows(
    uow: UnitOfWork, principal: Principal, spec: EntitySpec, ids: Sequence[str]
) -> dict[str, Mapping[str, Any]]:
    """Read the rows to change with a write lock (FOR UPDATE; SQLite holds its lock since BEGIN)."""
    if not ids:
        return {}
    table = spec.table
    query = (
        select(table).where(table.c.id.in_(ids), policy.id_lookup_filter(principal, table)).with_for_update()
    )
    rows = await uow.session.execute(query)
    return {row["id"]: row for row in mappings(rows)}


def client_id(item: Mapping[str, Any]) -> str | None:
    """The id an element sent, as it sent it, when it is a string (to report it in an error)."""
    sent = item.get("id")
    return sent if isinstance(sent, str) else None


def not_found(spec: EntitySpec, row_id: str) -> FieldError:
    return FieldError("id", f"no {spec.name} with id {row_id}", ItemErrorCode.NOT_FOUND, Reason.NOT_FOUND)


def owner_in(rows: Mapping[str, Mapping[str, Any]]) -> Callable[[str | None], str | None]:
    """Who owns the row an error names, for its audit row (None when it names no locked row)."""

    def owner(row_id: str | None) -> str | None:
        row = rows.get(row_id) if row_id else None
        return None if row is None else str(row["owner_id"])

    return owner
