"""Bulk delete over the write pipeline (services/write_pipeline.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete

from ..auth.principal import Principal
from ..enums import Operation
from ..errors import FieldError, ItemErrorCode, Reason
from ..runtime import Runtime
from .fields import check_id
from .journal import jsonable_row
from .references import find_referrers, referrer_message
from .unit_of_work import UnitOfWork, joined
from .write_parse import expected_version
from .write_pipeline import Batch, Element, client_id, lock_rows, not_found, owner_in, write_guarded
from .write_request import BulkOutcome, WriteRequest


async def delete_entities(runtime: Runtime, principal: Principal, request: WriteRequest) -> BulkOutcome:
    """Delete by id (and, when given, expected version). A row that others still
    reference is refused, naming the referrers; deletes enter the change log.
    Options: `atomic`, `within`."""
    request.refuse_options("delete", "required", "history_summary")
    batch = Batch.begin(runtime, principal, request, deleting=True)
    elements: list[Element] = []
    seen: set[str] = set()
    for index, item in enumerate(request.items):
        element = _parse(batch, seen, index, item)
        if element is not None:
            elements.append(element)
    async with joined(runtime, request.within) as uow:
        current = await lock_rows(uow, principal, batch.spec, [e.id for e in elements if e.id])
        doomed = await _plan(uow, batch, elements, current)
        if batch.stops:
            return batch.failed()

        async def remove(chunk: list[Element]) -> None:
            table = batch.spec.table
            await uow.session.execute(delete(table).where(table.c.id.in_([e.id for e in chunk])))

        deleted = await write_guarded(uow, doomed, batch, remove)
        if batch.stops:
            return batch.failed()
        journal = batch.journal()
        for element in deleted:
            row = current[element.id or ""]
            journal.record(element.index, batch.spec, Operation.DELETED, row, {"before": jsonable_row(row)})
        await batch.close(uow, journal, Operation.DELETED, owner_in(current))
    return BulkOutcome([dict(current[e.id or ""]) for e in deleted], batch.sorted_errors())


def _parse(batch: Batch, seen: set[str], index: int, item: Mapping[str, Any]) -> Element | None:
    """Stage 1: the id (once per batch) and the expected version, checked."""
    element = Element(index, client_id(item))
    try:
        element.id = check_id("id", item.get("id"))
        element.expected_version = expected_version(item, required=False)
        if element.id in seen:
            raise FieldError("id", "appears more than once in this batch", reason=Reason.DUPLICATE_IN_BATCH)
        seen.add(element.id)
    except FieldError as error:
        batch.fail(element, error)
        return None
    return element


async def _plan(
    uow: UnitOfWork, batch: Batch, elements: list[Element], current: Mapping[str, Mapping[str, Any]]
) -> list[Element]:
    """Stages 2 and 3: the elements whose row exists at the expected version and is referenced by nothing."""
    referrers = await find_referrers(uow.session, batch.spec.type, list(current))
    doomed: list[Element] = []
    for element in elements:
        assert element.id is not None
        row = current.get(element.id)
        if row is None:
            batch.fail(element, not_found(batch.spec, element.id))
        elif element.expected_version is not None and element.expected_version != row["version"]:
            batch.conflict(element, row)
        elif referrers.get(element.id):
            error = FieldError(
                "id",
                referrer_message(referrers[element.id]),
                ItemErrorCode.CONSTRAINT,
                Reason.STILL_REFERENCED,
            )
            batch.fail(element, error)
        else:
            doomed.append(element)
    return doomed
