"""Bulk update over the write pipeline (services/write_pipeline.py).

Elements apply in order: one id may appear several times, each element
carrying the version the previous one produced, and the rows are written once,
in their end state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from ..auth.principal import Principal
from ..db.queries import mappings
from ..enums import Operation
from ..errors import FieldError, ItemErrorCode, Reason
from ..runtime import Runtime
from . import tool_set_history
from .entity_spec import EntitySpec, Row, name_after_update, proposed_links
from .fields import check_id
from .journal import Journal, diff
from .unit_of_work import UnitOfWork, joined
from .write_parse import expected_version, forget_replaced_arrays, parse_fields
from .write_pipeline import Batch, Element, client_id, lock_rows, not_found, owner_in, write_guarded
from .write_request import BulkOutcome, WriteRequest
from .write_resolve import References, load_references


@dataclass
class _Update:
    """One element applied to the in-memory state of its row."""

    element: Element
    before: Row
    after: Row
    joins_before: dict[str, list[Row]]
    joins_after: dict[str, list[Row]]
    joins_changed: set[str]  # by this or an earlier update of the same id in the batch


@dataclass
class _Plan:
    """The updates of one batch, applied in order to copies of the locked rows."""

    state: dict[str, Row]  # per id: the row as the updates so far left it
    joins_state: dict[str, dict[str, list[Row]]]
    versions: dict[str, set[int]]  # per tool set: its history's version numbers
    applied: list[_Update] = field(default_factory=list)
    last: dict[str, _Update] = field(default_factory=dict)  # per id: its end state
    snapshots: list[Row] = field(default_factory=list)


async def update_entities(runtime: Runtime, principal: Principal, request: WriteRequest) -> BulkOutcome:
    """Apply each element to its row at the version it expects. Options: `atomic`,
    `within`, `history_summary` (a restore: no expected version)."""
    request.refuse_options("update", "required")
    batch = Batch.begin(runtime, principal, request, deleting=False)
    elements: list[Element] = []
    for index, item in enumerate(request.items):
        element = _parse(batch, index, item)
        if element is not None:
            elements.append(element)
    async with joined(runtime, request.within) as uow:
        current = await lock_rows(uow, principal, batch.spec, sorted({e.id for e in elements if e.id}))
        plan = await _plan(uow, batch, elements, current)
        if batch.stops:
            return batch.failed()
        failed_ids = await _write(uow, batch, plan, current)
        if batch.stops:
            return batch.failed()
        successes = [u for u in plan.applied if u.element.id not in failed_ids]
        await tool_set_history.insert_snapshots(
            uow.session, [s for s in plan.snapshots if s["tool_set_id"] not in failed_ids]
        )
        await batch.close(uow, _journal(batch, successes), Operation.UPDATED, owner_in(current))
    return BulkOutcome([u.after for u in successes], batch.sorted_errors())


def _parse(batch: Batch, index: int, item: Mapping[str, Any]) -> Element | None:
    """Stage 1: the id, the expected version and the changes, checked."""
    spec = batch.spec
    element = Element(index, client_id(item))
    try:
        element.id = check_id("id", item.get("id"))
        element.expected_version = expected_version(item, required=batch.request.needs_expected_version)
        changes = {k: v for k, v in item.items() if k not in ("id", "expected_version")}
        element.values, element.joins = parse_fields(spec, changes, creating=False)
        forget_replaced_arrays(spec, element.values, element.joins)
        element.links = proposed_links(spec, changes)
    except FieldError as error:
        batch.fail(element, error)
        return None
    return element


async def _plan(
    uow: UnitOfWork, batch: Batch, elements: list[Element], current: dict[str, Mapping[str, Any]]
) -> _Plan:
    """Stages 2 and 3: load what the locked rows join and reference, then apply the elements in order."""
    spec = batch.spec
    joins_now = await _load_joins(uow, spec, list(current))
    owned = [(e, current[e.id]["owner_id"]) for e in elements if e.id in current]
    references = await load_references(uow, batch.principal, spec, owned)
    versions = (
        await tool_set_history.existing_versions(uow.session, list(current)) if spec.keeps_history else {}
    )
    plan = _Plan(
        state={row_id: dict(row) for row_id, row in current.items()},
        joins_state={row_id: dict(j) for row_id, j in joins_now.items()},
        versions=versions,
    )
    for element in elements:
        after = _checked(batch, plan, element, references)
        if after is not None:
            _apply(batch, plan, element, after)
    return plan


def _checked(batch: Batch, plan: _Plan, element: Element, references: References) -> Row | None:
    """The row as `element` leaves it, or None when the element fails (its error recorded)."""
    assert element.id is not None
    spec = batch.spec
    row = plan.state.get(element.id)
    try:
        if row is None:
            raise not_found(spec, element.id)
        if element.expected_version is not None and element.expected_version != row["version"]:
            batch.conflict(element, row)
            return None
        references.check(spec, element, row["owner_id"])
        after = {**row, **element.values}
        name_after_update(spec, row, after, element.values)
        references.derive(spec, after, element.values)
        batch.check_reach(after, element.values)
    except FieldError as error:
        batch.fail(element, error)
        return None
    return after


def _apply(batch: Batch, plan: _Plan, element: Element, after: Row) -> None:
    """Make `after` the state of its row for the elements that follow in the batch."""
    assert element.id is not None
    row = plan.state[element.id]
    after.update(updated_by=batch.principal.user_id, updated_at=batch.now, version=row["version"] + 1)
    joins_before = plan.joins_state[element.id]
    joins_after = {**joins_before, **element.joins}
    if batch.spec.keeps_history:
        known = plan.versions.setdefault(element.id, set())
        plan.snapshots += tool_set_history.snapshots_for_update(
            row,
            joins_before,
            after,
            joins_after,
            known,
            batch.principal,
            batch.now,
            batch.request.history_summary,
        )
    earlier = plan.last.get(element.id)
    changed = set(element.joins) | (earlier.joins_changed if earlier else set())
    update_ = _Update(element, row, after, joins_before, joins_after, changed)
    plan.applied.append(update_)
    plan.last[element.id] = update_
    plan.state[element.id], plan.joins_state[element.id] = after, joins_after


async def _write(
    uow: UnitOfWork, batch: Batch, plan: _Plan, current: Mapping[str, Mapping[str, Any]]
) -> set[str | None]:
    """Stage 4: each row in its end state; returns the ids not written. Every element of
    such an id fails, the earlier ones naming the reason."""
    finals = [u.element for u in plan.last.values()]
    written = await write_guarded(
        uow,
        finals,
        batch,
        lambda chunk: _update_batch(uow, batch.spec, [plan.last[e.id or ""] for e in chunk], current),
    )
    failed_ids = {e.id for e in finals} - {e.id for e in written}
    for update_ in plan.applied:
        if update_.element.id in failed_ids and update_.element.index not in batch.errors:
            reason = "not written: another update of this id in the batch failed"
            batch.fail(update_.element, FieldError("id", reason, ItemErrorCode.CONSTRAINT, Reason.CONSTRAINT))
    return failed_ids


def _journal(batch: Batch, successes: list[_Update]) -> Journal:
    """Stage 5: per update, what it changed; a replaced relation shows as its whole list."""
    journal = batch.journal()
    for u in successes:
        changed_joins = set(u.element.joins)
        before = u.before | {name: u.joins_before.get(name, []) for name in changed_joins}
        after = u.after | {name: u.joins_after.get(name, []) for name in changed_joins}
        journal.record(u.element.index, batch.spec, Operation.UPDATED, u.after, diff(before, after))
    return journal


async def _load_joins(uow: UnitOfWork, spec: EntitySpec, ids: list[str]) -> dict[str, dict[str, list[Row]]]:
    found: dict[str, dict[str, list[Row]]] = {row_id: {} for row_id in ids}
    if not ids:
        return found
    for join in spec.joins:
        parent = join.table.c[join.parent_column]
        order = join.table.c["position"]
        rows = await uow.session.execute(select(join.table).where(parent.in_(ids)).order_by(parent, order))
        for row_id in ids:
            found[row_id][join.name] = []
        for row in mappings(rows):
            values = {k: v for k, v in row.items() if k not in (join.parent_column, "id")}
            found[row[join.parent_column]][join.name].append(values)
    return found


async def _update_batch(
    uow: UnitOfWork, spec: EntitySpec, updates: Sequence[_Update], current: Mapping[str, Mapping[str, Any]]
) -> None:
    table = spec.table
    columns = [c.name for c in table.columns if c.name not in ("id", "owner_id", "created_by", "created_at")]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values({c: bindparam(f"v_{c}") for c in columns})
    )
    params = [
        {
            "b_id": u.after["id"],
            "b_version": current[u.after["id"]]["version"],
            **{f"v_{c}": u.after[c] for c in columns},
        }
        for u in updates
    ]
    await uow.session.execute(statement, params)
    await _replace_joins(uow, spec, updates)


async def _replace_joins(uow: UnitOfWork, spec: EntitySpec, updates: Sequence[_Update]) -> None:
    """The join rows of every relation an update replaced: delete the old, insert the new."""
    for join in spec.joins:
        touched = [u for u in updates if join.name in u.joins_changed]
        if not touched:
            continue
        await uow.session.execute(
            delete(join.table).where(join.table.c[join.parent_column].in_([u.after["id"] for u in touched]))
        )
        rows = [
            {**row, join.parent_column: u.after["id"]} for u in touched for row in u.joins_after[join.name]
        ]
        if rows:
            await uow.session.execute(insert(join.table), rows)
