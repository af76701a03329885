"""Bulk create over the write pipeline (services/write_pipeline.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from ..auth.principal import Principal
from ..enums import Operation
from ..errors import FieldError, ItemErrorCode, Reason
from ..runtime import Runtime
from .entity_spec import EntitySpec, proposed_links
from .fields import check_id
from .journal import jsonable_row
from .unit_of_work import UnitOfWork, joined
from .write_parse import check_required, parse_fields
from .write_pipeline import Batch, Element, client_id, write_guarded
from .write_request import BulkOutcome, WriteRequest
from .write_resolve import load_references


@dataclass
class _Parsed:
    """The elements that passed the parse stage, and the ids their clients chose."""

    pending: list[Element] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    # Only ids clients chose need a lookup: server-made uuid4s cannot collide.
    supplied: list[str] = field(default_factory=list)


async def create_entities(runtime: Runtime, principal: Principal, request: WriteRequest) -> BulkOutcome:
    """Create each element as a new row at version 1, owned by the caller; an element may
    choose its id. Options: `atomic`, `within`, `required`."""
    request.refuse_options("create", "history_summary")
    batch = Batch.begin(runtime, principal, request, deleting=False)
    parsed = _Parsed()
    for index, item in enumerate(request.items):
        _parse(batch, parsed, index, item)
    async with joined(runtime, request.within) as uow:
        valid = await _resolve(uow, batch, parsed)
        if batch.stops:
            return batch.failed()
        written = await write_guarded(uow, valid, batch, lambda chunk: _insert_batch(uow, batch.spec, chunk))
        if batch.stops:
            return batch.failed()
        journal = batch.journal()
        for element in written:
            after = {"after": jsonable_row(element.values)}
            journal.record(element.index, batch.spec, Operation.CREATED, element.values, after)
        await batch.close(uow, journal, Operation.CREATED, lambda _: principal.user_id)
    return BulkOutcome([e.values for e in written], batch.sorted_errors())


def _parse(batch: Batch, parsed: _Parsed, index: int, item: Mapping[str, Any]) -> None:
    """Stage 1: the element's id (made up when it sends none) and fields, checked."""
    spec, user_id = batch.spec, batch.principal.user_id
    element = Element(index, None)
    try:
        raw_id = item.get("id")
        if raw_id is None:
            element.id, element.made_up = str(uuid.uuid4()), True
        else:
            element.id = check_id("id", raw_id)
        if element.id in parsed.seen:
            raise FieldError("id", "appears more than once in this batch", reason=Reason.DUPLICATE_IN_BATCH)
        parsed.seen.add(element.id)
        if raw_id is not None:
            parsed.supplied.append(element.id)
        fields = {k: v for k, v in item.items() if k != "id"}
        check_required(spec, fields, batch.request.required)
        if spec.expand_create is not None:
            fields = dict(spec.expand_create(fields))
        element.values, element.joins = parse_fields(spec, fields, creating=True)
        element.links = proposed_links(spec, fields)
    except FieldError as error:
        element.id = client_id(item)
        batch.fail(element, error)
        return
    element.values.update(
        id=element.id,
        owner_id=user_id,
        created_by=user_id,
        updated_by=user_id,
        created_at=batch.now,
        updated_at=batch.now,
        version=1,
    )
    parsed.pending.append(element)


async def _resolve(uow: UnitOfWork, batch: Batch, parsed: _Parsed) -> list[Element]:
    """Stages 2 and 3: the references of every element checked, and the ids clients chose
    looked up; the elements that pass are the ones to write."""
    spec, user_id = batch.spec, batch.principal.user_id
    references = await load_references(uow, batch.principal, spec, [(e, user_id) for e in parsed.pending])
    taken = await _existing_ids(uow, spec, parsed.supplied)
    valid: list[Element] = []
    for element in parsed.pending:
        try:
            if element.id in taken:
                raise FieldError("id", "already exists", ItemErrorCode.CONSTRAINT, Reason.ALREADY_EXISTS)
            references.check(spec, element, user_id)
            references.derive(spec, element.values, element.values)
            batch.check_reach(element.values, element.values)
        except FieldError as error:
            batch.fail(element, error)
            continue
        valid.append(element)
    return valid


async def _existing_ids(uow: UnitOfWork, spec: EntitySpec, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    rows = await uow.session.execute(select(spec.table.c.id).where(spec.table.c.id.in_(ids)))
    return set(rows.scalars())


async def _insert_batch(uow: UnitOfWork, spec: EntitySpec, elements: list[Element]) -> None:
    columns = [c.name for c in spec.table.columns]
    await uow.session.execute(insert(spec.table), [{c: e.values.get(c) for c in columns} for e in elements])
    for join in spec.joins:
        rows = [{**row, join.parent_column: e.id} for e in elements for row in e.joins.get(join.name, ())]
        if rows:
            await uow.session.execute(insert(join.table), rows)
