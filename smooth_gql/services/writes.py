"""Bulk create, update and delete for all six entities: the one write path.

Every call: check the size limit, validate each element in Python, resolve
references with one `IN (...)` per relation, lock and version-check the rows,
write with multi-row statements, add one audit row per element (failures too)
and one change row per success, all in one transaction. Only when the database
still rejects a batch does it fall back to a savepoint per element, so the
culprit becomes a per-item error and the rest are written.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from ..auth import policy
from ..auth.principal import Principal
from ..db.queries import mappings
from ..db.types import utcnow
from ..enums import EntityType, Operation
from ..errors import FieldError, ItemError, ItemErrorCode, LimitExceeded, Reason
from . import tool_set_history
from .entities import SPECS, EntitySpec, kept_links, name_after_update, proposed_links
from .fields import MAX_LIST_ENTRIES, check_id, check_int, check_value
from .journal import Journal, diff, jsonable_row
from .references import (
    Wanted,
    check_targets,
    constraint_error,
    find_referrers,
    load_targets,
    referrer_message,
    wanted_ids,
)
from .unit_of_work import Runtime, UnitOfWork, finish, joined

Row = dict[str, Any]


@dataclass
class BulkOutcome:
    results: list[Row] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)


@dataclass
class _Element:
    index: int
    id: str | None
    values: Row = field(default_factory=dict)
    joins: dict[str, list[Row]] = field(default_factory=dict)
    expected_version: int | None = None
    links: dict[str, list[Row]] = field(default_factory=dict)  # legacy links, kept where ids resolve
    made_up: bool = False  # `id` was made by the server for a create: no client knows it


class _Errors(dict[int, ItemError]):
    def add(self, element: _Element, error: FieldError, **extra: Any) -> None:
        # A failed create names the id its client sent, or none: a made-up one names a row
        # that never existed, in the response and in the audit log alike.
        reported = None if element.made_up else element.id
        self[element.index] = ItemError(
            element.index, reported, error.code, error.reason, error.field, error.problem, **extra
        )

    def add_conflict(self, element: _Element, row: Mapping[str, Any]) -> None:
        message = f"version conflict: expected {element.expected_version}, current is {row['version']}"
        error = FieldError(
            "expectedVersion", message, ItemErrorCode.VERSION_CONFLICT, Reason.VERSION_CONFLICT
        )
        self.add(element, error, current_version=row["version"], current=dict(row))


def authorize_write(principal: Principal, spec: EntitySpec) -> None:
    policy.require(principal, policy.WRITE_SCOPES[spec.type])


def _check_reach(principal: Principal, spec: EntitySpec, row: Mapping[str, Any], sent: Iterable[str]) -> None:
    """A restricted key may not write a row it could not read back (tags, machine)."""
    problem = policy.write_problem(principal, spec.type, row, set(sent))
    if problem is not None:
        raise problem


def check_bulk_request(
    runtime: Runtime, principal: Principal, entity: EntityType, count: int, *, deleting: bool
) -> None:
    """The checks every bulk write makes first, which need only the number of elements:
    the caller's right to write (or delete) the entity, then the size limit.

    The GraphQL door calls it before the input is coerced: coercing 90,000
    elements held the event loop for seconds just to refuse them afterwards.
    The write functions make the same checks again, in the same order.
    """
    spec = SPECS[entity]
    if deleting:
        policy.require_delete(principal, spec.type)
    else:
        authorize_write(principal, spec)
    _check_size(runtime, count)


def _check_size(runtime: Runtime, count: int) -> None:
    limit = runtime.settings.max_bulk_items
    if count > limit:
        raise LimitExceeded(
            f"{count} elements exceed the limit of {limit} per request",
            field="input",
            limit=("maxBulkItems", limit),
        )


def _parse_fields(
    spec: EntitySpec, item: Mapping[str, Any], *, creating: bool
) -> tuple[Row, dict[str, list[Row]]]:
    allowed = {f.name for f in spec.fields} | {j.name for j in spec.joins}
    for key in item:
        if key not in allowed:
            raise FieldError(key, f"is not a field of {spec.name}", reason=Reason.UNKNOWN_FIELD)
    values: Row = {}
    for f in spec.fields:
        if f.name in item:
            raw = item[f.name]
            if raw is None and creating and f.default is not None:
                raw = f.default
            values[f.name] = check_value(f, list(raw) if isinstance(raw, tuple) else raw)
        elif creating:
            if f.required:
                raise FieldError(f.label, "is required", reason=Reason.REQUIRED)
            values[f.name] = list(f.default) if isinstance(f.default, tuple) else f.default
    for twin_of, twin in spec.legacy_twins.items():
        if twin_of in values and twin not in item:
            values[twin] = None  # a new enum value supersedes the legacy text
    joins: dict[str, list[Row]] = {}
    for join in spec.joins:
        if join.name in item:
            raw = item[join.name]
            if raw is None:
                raw = []
            if not isinstance(raw, list):
                raise FieldError(join.label, "expected a list")
            if len(raw) > MAX_LIST_ENTRIES:
                raise FieldError(
                    join.label,
                    f"at most {MAX_LIST_ENTRIES} entries (got {len(raw)})",
                    ItemErrorCode.LIMIT,
                    Reason.LIMIT_EXCEEDED,
                )
            joins[join.name] = [join.parse(join.label, pos, el) for pos, el in enumerate(raw)]
            _reject_duplicate_members(
                join.label, join.ref_column, joins[join.name], unique=join.name != "components"
            )
    return values, joins


def _missing(value: Any) -> bool:
    """Absent the way legacy clients mean it: null, an empty string, list or object."""
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _check_required(spec: EntitySpec, item: Mapping[str, Any], required: Sequence[str]) -> None:
    for name in required:
        if _missing(item.get(name)):
            known = spec.field(name)
            raise FieldError(known.label if known else name, "is required", reason=Reason.REQUIRED)


def _forget_replaced_arrays(spec: EntitySpec, element: _Element) -> None:
    """A verbatim legacy array describes the relation it was written with. An update that
    replaces the relation itself (GraphQL `components`, `toolPresetIds`, `toolInstanceIds`) and
    sends no new array clears it, so legacy readers get the array built from the relation
    instead of the stale one (REST reads derive a missing array from the join)."""
    for link in spec.legacy_links:
        if link.join in element.joins and link.source not in element.values:
            element.values[link.source] = None


def _link_wanted(spec: EntitySpec, owner_id: str, element: _Element) -> list[Wanted]:
    return [
        Wanted(join.label, join.target, row[join.ref_column], owner_id)
        for name, rows in element.links.items()
        for join in (spec.join(name),)
        for row in rows
    ]


def _resolve_links(
    spec: EntitySpec,
    element: _Element,
    owner_id: str,
    targets: Mapping[EntityType, Mapping[str, Mapping[str, Any]]],
) -> None:
    def owned(entity: EntityType, row_id: str) -> bool:
        target = targets.get(entity, {}).get(row_id)
        return target is not None and target["owner_id"] == owner_id

    element.joins.update(kept_links(spec, element.links, owned))


def _reject_duplicate_members(label: str, column: str, rows: list[Row], *, unique: bool) -> None:
    if not unique:
        return
    seen: set[str] = set()
    for position, row in enumerate(rows):
        if row[column] in seen:
            raise FieldError(f"{label}[{position}]", f"{row[column]} is listed twice")
        seen.add(row[column])


def _expand_assembly_shorthand(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """On create, `holderId` / `cutterId` are a short way to write two components."""
    if "holder_id" not in item and "cutter_id" not in item:
        return item
    item = dict(item)
    components = list(item.get("components") or [])
    for key, role in (("holder_id", "HOLDER"), ("cutter_id", "CUTTER")):
        value = item.pop(key, None)
        if value is not None:
            components.append({"item_id": value, "role": role})
    item["components"] = components
    return item


def _derive_from_references(
    spec: EntitySpec, values: Row, targets: Mapping[EntityType, Mapping[str, Mapping[str, Any]]]
) -> None:
    """A usage record names a preset: its instance and machine come from there."""
    if spec.type is not EntityType.TOOL_USAGE or not values.get("preset_id"):
        return
    preset = targets[EntityType.TOOL_PRESET][values["preset_id"]]
    instance = values.get("tool_instance_id")
    if (
        instance is not None
        and preset["tool_instance_id"] is not None
        and instance != preset["tool_instance_id"]
    ):
        raise FieldError("toolInstanceId", "differs from the instance of the given preset")
    if instance is None:
        values["tool_instance_id"] = preset["tool_instance_id"]
    if values.get("machine_id") is None:
        values["machine_id"] = preset["machine_id"]


async def _insert_joins(uow: UnitOfWork, spec: EntitySpec, elements: Sequence[_Element]) -> None:
    for join in spec.joins:
        rows = [
            {**row, join.parent_column: element.id}
            for element in elements
            for row in element.joins.get(join.name, ())
        ]
        if rows:
            await uow.session.execute(insert(join.table), rows)


# --- create ---------------------------------------------------------------------


async def create_entities(
    runtime: Runtime,
    principal: Principal,
    entity: EntityType,
    items: Sequence[Mapping[str, Any]],
    *,
    atomic: bool = False,
    within: UnitOfWork | None = None,
    required: Sequence[str] = (),
) -> BulkOutcome:
    """`required` names fields a door demands beyond the entity's own rules (the legacy
    REST contract requires e.g. a tool item's category), checked first, in that order."""
    spec = SPECS[entity]
    authorize_write(principal, spec)
    _check_size(runtime, len(items))
    now = utcnow()
    errors = _Errors()
    pending: list[_Element] = []
    seen: set[str] = set()
    supplied: list[str] = []  # server-made uuid4s cannot collide; only these need a lookup
    for index, item in enumerate(items):
        element = _Element(index, None)
        try:
            raw_id = item.get("id")
            if raw_id is None:
                element.id, element.made_up = str(uuid.uuid4()), True
            else:
                element.id = check_id("id", raw_id)
            if element.id in seen:
                raise FieldError(
                    "id", "appears more than once in this batch", reason=Reason.DUPLICATE_IN_BATCH
                )
            seen.add(element.id)
            if raw_id is not None:
                supplied.append(element.id)
            fields = {k: v for k, v in item.items() if k != "id"}
            _check_required(spec, fields, required)
            if spec.type is EntityType.TOOL_ASSEMBLY:
                fields = dict(_expand_assembly_shorthand(fields))
            element.values, element.joins = _parse_fields(spec, fields, creating=True)
            element.links = proposed_links(spec, fields)
        except FieldError as error:
            element.id = item.get("id") if isinstance(item.get("id"), str) else None
            errors.add(element, error)
            continue
        element.values.update(
            id=element.id,
            owner_id=principal.user_id,
            created_by=principal.user_id,
            updated_by=principal.user_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        pending.append(element)

    async with joined(runtime, within) as uow:
        wanted = {e.index: wanted_ids(spec, principal.user_id, e.values, e.joins) for e in pending}
        linked = [w for e in pending for w in _link_wanted(spec, principal.user_id, e)]
        targets = await load_targets(
            uow.session, principal, [*(w for ws in wanted.values() for w in ws), *linked]
        )
        taken = await _existing_ids(uow, spec, supplied)
        valid: list[_Element] = []
        for element in pending:
            try:
                if element.id in taken:
                    raise FieldError("id", "already exists", ItemErrorCode.CONSTRAINT, Reason.ALREADY_EXISTS)
                check_targets(wanted[element.index], targets)
                _resolve_links(spec, element, principal.user_id, targets)
                _derive_from_references(spec, element.values, targets)
                _check_reach(principal, spec, element.values, element.values)
            except FieldError as error:
                errors.add(element, error)
                continue
            valid.append(element)
        if atomic and errors:
            return BulkOutcome(errors=_sorted(errors))
        written = await _write_guarded(uow, valid, errors, lambda batch: _insert_batch(uow, spec, batch))
        if atomic and errors:
            return BulkOutcome(errors=_sorted(errors))
        journal = Journal(principal, now)
        for element in written:
            journal.record(
                element.index,
                spec,
                Operation.CREATED,
                element.values,
                {"after": jsonable_row(element.values)},
            )
        for failed in errors.values():
            journal.failure(failed, spec, Operation.CREATED, principal.user_id)
        await journal.write(uow)
        await finish(uow, within)
    return BulkOutcome([e.values for e in written], _sorted(errors))


async def _existing_ids(uow: UnitOfWork, spec: EntitySpec, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    rows = await uow.session.execute(select(spec.table.c.id).where(spec.table.c.id.in_(ids)))
    return set(rows.scalars())


async def _insert_batch(uow: UnitOfWork, spec: EntitySpec, batch: Sequence[_Element]) -> None:
    columns = [c.name for c in spec.table.columns]
    await uow.session.execute(insert(spec.table), [{c: e.values.get(c) for c in columns} for e in batch])
    await _insert_joins(uow, spec, batch)


async def _write_guarded(
    uow: UnitOfWork,
    elements: list[_Element],
    errors: _Errors,
    write: Callable[[list[_Element]], Awaitable[None]],
) -> list[_Element]:
    """Write all elements at once; if the database refuses, find the culprits one by one."""
    if not elements:
        return []
    try:
        async with uow.session.begin_nested():
            await write(elements)
        return elements
    except DBAPIError:
        pass
    written: list[_Element] = []
    for element in elements:
        try:
            async with uow.session.begin_nested():
                await write([element])
            written.append(element)
        except DBAPIError as exc:
            errors.add(element, constraint_error(exc))
    return written


def _not_found(spec: EntitySpec, row_id: str) -> FieldError:
    return FieldError("id", f"no {spec.name} with id {row_id}", ItemErrorCode.NOT_FOUND, Reason.NOT_FOUND)


def _owner(rows: Mapping[str, Mapping[str, Any]], row_id: str | None) -> str | None:
    row = rows.get(row_id) if row_id else None
    return None if row is None else str(row["owner_id"])


def _sorted(errors: _Errors) -> list[ItemError]:
    return [errors[i] for i in sorted(errors)]


# --- update ---------------------------------------------------------------------


@dataclass
class _Update:
    """One element applied to the in-memory state of its row."""

    element: _Element
    before: Row
    after: Row
    joins_before: dict[str, list[Row]]
    joins_after: dict[str, list[Row]]
    joins_changed: set[str]  # by this or an earlier update of the same id in the batch


@dataclass
class _Plan:
    """The updates of one batch, applied in order to copies of the locked rows."""

    applied: list[_Update] = field(default_factory=list)
    last: dict[str, _Update] = field(default_factory=dict)  # per id: its end state
    snapshots: list[Row] = field(default_factory=list)


async def update_entities(
    runtime: Runtime,
    principal: Principal,
    entity: EntityType,
    items: Sequence[Mapping[str, Any]],
    *,
    atomic: bool = False,
    within: UnitOfWork | None = None,
    history_summary: tuple[str, str] | None = None,
) -> BulkOutcome:
    """Apply each element in order; one id may appear several times, each element
    carrying the version the previous one produced. Restore passes
    `history_summary` and no expected version."""
    spec = SPECS[entity]
    authorize_write(principal, spec)
    _check_size(runtime, len(items))
    now = utcnow()
    errors = _Errors()
    elements: list[_Element] = []
    for index, item in enumerate(items):
        element = _Element(index, item.get("id") if isinstance(item.get("id"), str) else None)
        try:
            element.id = check_id("id", item.get("id"))
            expected = item.get("expected_version")
            if expected is None and history_summary is None:
                raise FieldError("expectedVersion", "is required", reason=Reason.REQUIRED)
            element.expected_version = None if expected is None else check_int("expectedVersion", expected)
            changes = {k: v for k, v in item.items() if k not in ("id", "expected_version")}
            element.values, element.joins = _parse_fields(spec, changes, creating=False)
            _forget_replaced_arrays(spec, element)
            element.links = proposed_links(spec, changes)
        except FieldError as error:
            errors.add(element, error)
            continue
        elements.append(element)

    async with joined(runtime, within) as uow:
        current = await _lock_rows(uow, principal, spec, sorted({e.id for e in elements if e.id}))
        joins_now = await _load_joins(uow, spec, list(current))
        wanted = {
            e.index: wanted_ids(spec, current[e.id]["owner_id"], e.values, e.joins)
            for e in elements
            if e.id in current
        }
        linked = [
            w for e in elements if e.id in current for w in _link_wanted(spec, current[e.id]["owner_id"], e)
        ]
        targets = await load_targets(
            uow.session, principal, [*(w for ws in wanted.values() for w in ws), *linked]
        )
        versions = (
            await tool_set_history.existing_versions(uow.session, list(current)) if spec.keeps_history else {}
        )
        plan = _Plan()
        state = {row_id: dict(row) for row_id, row in current.items()}
        joins_state = {row_id: dict(j) for row_id, j in joins_now.items()}
        for element in elements:
            assert element.id is not None
            row = state.get(element.id)
            try:
                if row is None:
                    raise _not_found(spec, element.id)
                if element.expected_version is not None and element.expected_version != row["version"]:
                    errors.add_conflict(element, row)
                    continue
                check_targets(wanted[element.index], targets)
                _resolve_links(spec, element, row["owner_id"], targets)
                after = _updated_row(spec, row, element, targets)
                _check_reach(principal, spec, after, element.values)
            except FieldError as error:
                errors.add(element, error)
                continue
            after.update(updated_by=principal.user_id, updated_at=now, version=row["version"] + 1)
            joins_before = joins_state[element.id]
            joins_after = {**joins_before, **element.joins}
            if spec.keeps_history:
                known = versions.setdefault(element.id, set())
                plan.snapshots += tool_set_history.snapshots_for_update(
                    row, joins_before, after, joins_after, known, principal, now, history_summary
                )
            earlier = plan.last.get(element.id)
            changed = set(element.joins) | (earlier.joins_changed if earlier else set())
            update_ = _Update(element, row, after, joins_before, joins_after, changed)
            plan.applied.append(update_)
            plan.last[element.id] = update_
            state[element.id], joins_state[element.id] = after, joins_after

        if atomic and errors:
            return BulkOutcome(errors=_sorted(errors))
        finals = [u.element for u in plan.last.values()]
        written = await _write_guarded(
            uow,
            finals,
            errors,
            lambda batch: _update_batch(uow, spec, [plan.last[e.id or ""] for e in batch], current),
        )
        failed_ids = {e.id for e in finals} - {e.id for e in written}
        for update_ in plan.applied:
            if update_.element.id in failed_ids and update_.element.index not in errors:
                reason = "not written: another update of this id in the batch failed"
                errors.add(
                    update_.element, FieldError("id", reason, ItemErrorCode.CONSTRAINT, Reason.CONSTRAINT)
                )
        if atomic and errors:
            return BulkOutcome(errors=_sorted(errors))
        successes = [u for u in plan.applied if u.element.id not in failed_ids]
        await tool_set_history.insert_snapshots(
            uow.session, [s for s in plan.snapshots if s["tool_set_id"] not in failed_ids]
        )
        journal = Journal(principal, now)
        for u in successes:
            changed_joins = set(u.element.joins)
            before = u.before | {name: u.joins_before.get(name, []) for name in changed_joins}
            after = u.after | {name: u.joins_after.get(name, []) for name in changed_joins}
            journal.record(u.element.index, spec, Operation.UPDATED, u.after, diff(before, after))
        for failed in errors.values():
            journal.failure(failed, spec, Operation.UPDATED, _owner(current, failed.id))
        await journal.write(uow)
        await finish(uow, within)
    return BulkOutcome([u.after for u in successes], _sorted(errors))


def _updated_row(
    spec: EntitySpec,
    row: Row,
    element: _Element,
    targets: Mapping[EntityType, Mapping[str, Mapping[str, Any]]],
) -> Row:
    after = {**row, **element.values}
    name_after_update(spec, row, after, element.values)
    if "preset_id" in element.values:
        # A new preset brings its own instance and machine unless the client set them.
        for derived in ("tool_instance_id", "machine_id"):
            if derived not in element.values:
                after[derived] = None
        _derive_from_references(spec, after, targets)
    return after


async def _lock_rows(
    uow: UnitOfWork, principal: Principal, spec: EntitySpec, ids: list[str]
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


# --- delete ---------------------------------------------------------------------


async def delete_entities(
    runtime: Runtime,
    principal: Principal,
    entity: EntityType,
    items: Sequence[Mapping[str, Any]],
    *,
    atomic: bool = False,
    within: UnitOfWork | None = None,
) -> BulkOutcome:
    """Delete by id (and, when given, expected version). A row that others still
    reference is refused, naming the referrers; deletes enter the change log."""
    spec = SPECS[entity]
    policy.require_delete(principal, spec.type)
    _check_size(runtime, len(items))
    now = utcnow()
    errors = _Errors()
    elements: list[_Element] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        element = _Element(index, item.get("id") if isinstance(item.get("id"), str) else None)
        try:
            element.id = check_id("id", item.get("id"))
            expected = item.get("expected_version")
            element.expected_version = None if expected is None else check_int("expectedVersion", expected)
            if element.id in seen:
                raise FieldError(
                    "id", "appears more than once in this batch", reason=Reason.DUPLICATE_IN_BATCH
                )
            seen.add(element.id)
        except FieldError as error:
            errors.add(element, error)
            continue
        elements.append(element)

    async with joined(runtime, within) as uow:
        current = await _lock_rows(uow, principal, spec, [e.id for e in elements if e.id])
        referrers = await find_referrers(uow.session, spec.type, list(current))
        doomed: list[_Element] = []
        for element in elements:
            assert element.id is not None
            row = current.get(element.id)
            if row is None:
                errors.add(element, _not_found(spec, element.id))
            elif element.expected_version is not None and element.expected_version != row["version"]:
                errors.add_conflict(element, row)
            elif referrers.get(element.id):
                errors.add(
                    element,
                    FieldError(
                        "id",
                        referrer_message(referrers[element.id]),
                        ItemErrorCode.CONSTRAINT,
                        Reason.STILL_REFERENCED,
                    ),
                )
            else:
                doomed.append(element)
        if atomic and errors:
            return BulkOutcome(errors=_sorted(errors))

        async def remove(batch: list[_Element]) -> None:
            await uow.session.execute(delete(spec.table).where(spec.table.c.id.in_([e.id for e in batch])))

        deleted = await _write_guarded(uow, doomed, errors, remove)
        if atomic and errors:
            return BulkOutcome(errors=_sorted(errors))
        journal = Journal(principal, now)
        for element in deleted:
            row = current[element.id or ""]
            journal.record(element.index, spec, Operation.DELETED, row, {"before": jsonable_row(row)})
        for failed in errors.values():
            journal.failure(failed, spec, Operation.DELETED, _owner(current, failed.id))
        await journal.write(uow)
        await finish(uow, within)
    return BulkOutcome([dict(current[e.id or ""]) for e in deleted], _sorted(errors))
