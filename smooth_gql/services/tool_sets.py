"""Reading, comparing and restoring tool-set versions (contract §11)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..auth.principal import Principal
from ..enums import EntityType
from ..errors import BadInput, ItemErrorCode, NotFound, ServiceError
from ..runtime import Runtime
from . import bulk_writes, keyed_reads, reads
from .entities import TOOL_SET
from .tool_set_history import MEMBER_LISTS, RESTORABLE_FIELDS, VERSIONS, restore_input, snapshot
from .write_request import WriteRequest

SET_INSTANCES, SET_PRESETS = TOOL_SET.join("tool_instance_ids"), TOOL_SET.join("tool_preset_ids")
COMPARED = (*RESTORABLE_FIELDS, *MEMBER_LISTS)  # what a restore brings back is what differs


@dataclass(frozen=True)
class SetVersion:
    version: int
    changed_at: datetime
    changed_by: str
    change_summary: str | None
    snapshot: Mapping[str, Any]
    is_current: bool = False
    stored: bool = True  # False for the live state history() adds when no snapshot holds it


@dataclass(frozen=True)
class FieldDifference:
    field: str
    value_a: Any
    value_b: Any


async def _set_row(runtime: Runtime, principal: Principal, set_id: str) -> Mapping[str, Any]:
    reads.authorize_read(principal)
    [row] = await keyed_reads.by_ids(runtime.sessions, principal, EntityType.TOOL_SET, [set_id])
    if row is None:
        raise NotFound(f"no ToolSet with id {set_id}", field="toolSetId", prefixed=False)
    return row


async def _live(runtime: Runtime, principal: Principal, row: Mapping[str, Any]) -> SetVersion:
    joins: dict[str, list[dict[str, Any]]] = {}
    for join in (SET_INSTANCES, SET_PRESETS):
        [rows] = await keyed_reads.join_rows(runtime.sessions, join, "tool_set_id", [row["id"]])
        joins[join.name] = [dict(r) for r in rows]
    return SetVersion(
        row["version"], row["updated_at"], row["updated_by"], None, snapshot(row, joins), True, stored=False
    )


async def history(runtime: Runtime, principal: Principal, set_id: str) -> list[SetVersion]:
    """Newest first; the live state leads as the current version unless it is already stored."""
    row = await _set_row(runtime, principal, set_id)
    async with runtime.sessions() as session:
        rows = await session.execute(
            select(VERSIONS).where(VERSIONS.c.tool_set_id == row["id"]).order_by(VERSIONS.c.version.desc())
        )
        stored = [
            SetVersion(r.version, r.changed_at, r.changed_by, r.change_summary, r.snapshot) for r in rows
        ]
    if any(v.version == row["version"] for v in stored):
        # Right after a restore the live state is stored ("Restored from ..."): mark it current.
        return [replace(v, is_current=v.version == row["version"]) for v in stored]
    return [await _live(runtime, principal, row), *stored]


async def version(runtime: Runtime, principal: Principal, set_id: str, number: int) -> SetVersion:
    for entry in await history(runtime, principal, set_id):
        if entry.version == number:
            return entry
    raise NotFound(f"ToolSet {set_id} has no version {number}", field="version", prefixed=False)


async def compare(
    runtime: Runtime, principal: Principal, set_id: str, a: int, b: int
) -> list[FieldDifference]:
    versions = {v.version: v for v in await history(runtime, principal, set_id)}
    for number, label in ((a, "versionA"), (b, "versionB")):
        if number not in versions:
            raise NotFound(f"ToolSet {set_id} has no version {number}", field=label, prefixed=False)
    left, right = versions[a].snapshot, versions[b].snapshot
    return [
        FieldDifference(name, left.get(name), right.get(name))
        for name in COMPARED
        if left.get(name) != right.get(name)
    ]


async def restore(
    runtime: Runtime, principal: Principal, set_id: str, number: int, *, idempotency_key: str | None = None
) -> Mapping[str, Any]:
    """Write the snapshot's state as a new version, through the one update path (and its
    idempotency key, services/idempotency.py)."""
    target = await version(runtime, principal, set_id, number)
    request = WriteRequest(
        EntityType.TOOL_SET,
        [{"id": set_id, **restore_input(target.snapshot)}],
        atomic=True,
        history_summary=(f"Before restore to version {number}", f"Restored from version {number}"),
        idempotency_key=idempotency_key,
    )
    outcome = await bulk_writes.update(runtime, principal, request)
    if outcome.errors:
        error = outcome.errors[0]
        refusal = NotFound if error.code is ItemErrorCode.NOT_FOUND else BadInput
        problem = f"cannot restore version {number}: {error.message}"
        raise refusal(problem, reason=error.reason, field=error.field, prefixed=False)
    return outcome.results[0]


__all__ = ["FieldDifference", "ServiceError", "SetVersion", "compare", "history", "restore", "version"]
