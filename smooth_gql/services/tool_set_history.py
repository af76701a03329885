"""Tool-set version history (contract §11 and §0.1 item 9).

A snapshot of the state *before* each successful update is kept under the
pre-update version number; a restore records "Before restore to version v",
applies the snapshot as a new version and records "Restored from version v".
The state at one version number never changes, so a version already in the
history is not stored again: version numbers are unique per set.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..auth.principal import Principal
from ..db import models
from .fields import to_jsonable

VERSIONS = models.table_of(models.ToolSetVersion)
# What a restore brings back; a snapshot adds who owns the set and when it changed.
RESTORABLE_FIELDS = (
    "name",
    "description",
    "type",
    "legacy_type",
    "status",
    "legacy_status",
    "is_global",
    "machine_id",
    "job_id",
    "members",
    "capacity",
    "activation",
    "tags",
)
SNAPSHOT_FIELDS = (
    "id",
    *RESTORABLE_FIELDS,
    "owner_id",
    "created_by",
    "created_at",
    "updated_at",
    "updated_by",
)
MEMBER_LISTS = {"tool_instance_ids": "tool_instance_id", "tool_preset_ids": "tool_preset_id"}


def snapshot(row: Mapping[str, Any], joins: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    data = {name: to_jsonable(row.get(name)) for name in SNAPSHOT_FIELDS}
    for name, column in MEMBER_LISTS.items():
        data[name] = [member[column] for member in joins.get(name, [])]
    return data


def restore_input(data: Mapping[str, Any]) -> dict[str, Any]:
    """The update that brings a set back to a snapshot's state."""
    values = {name: data.get(name) for name in RESTORABLE_FIELDS if name in data}
    values["members"] = data.get("members", [])  # snapshots that predate the key restore as empty
    for name in MEMBER_LISTS:
        values[name] = list(data.get(name) or [])
    return values


async def existing_versions(session: AsyncSession, set_ids: list[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    if set_ids:
        rows = await session.execute(
            select(VERSIONS.c.tool_set_id, VERSIONS.c.version).where(VERSIONS.c.tool_set_id.in_(set_ids))
        )
        for set_id, version in rows:
            found[set_id].add(version)
    return found


def snapshots_for_update(
    before: Mapping[str, Any],
    joins_before: Mapping[str, list[dict[str, Any]]],
    after: Mapping[str, Any],
    joins_after: Mapping[str, list[dict[str, Any]]],
    known: set[int],
    principal: Principal,
    now: datetime,
    restore_summary: tuple[str, str] | None,
) -> list[dict[str, Any]]:
    """Snapshot rows one update adds: the pre-update state, and after a restore the new state."""
    rows: list[dict[str, Any]] = []
    summary_before, summary_after = restore_summary or (None, None)

    def add(row: Mapping[str, Any], joins: Mapping[str, list[dict[str, Any]]], summary: str | None) -> None:
        if row["version"] in known:
            return
        known.add(row["version"])
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "tool_set_id": row["id"],
                "owner_id": row["owner_id"],
                "version": row["version"],
                "snapshot": snapshot(row, joins),
                "changed_at": now,
                "changed_by": principal.user_id,
                "change_summary": summary,
            }
        )

    add(before, joins_before, summary_before)
    if restore_summary is not None:
        add(after, joins_after, summary_after)
    return rows


async def insert_snapshots(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(VERSIONS), rows)
