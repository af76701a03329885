"""Audit and change-log rows, collected during a write and inserted in two batches.

They are written in the same transaction as the data, so the history commits
exactly when the data does (DESIGN §3).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..auth.principal import Principal
from ..db import models
from ..enums import EntityType, Operation
from ..errors import ItemError
from .entities import SPECS
from .entity_spec import EntitySpec
from .fields import is_id, to_jsonable
from .unit_of_work import UnitOfWork

AUDIT_OPERATION = {Operation.CREATED: "CREATE", Operation.UPDATED: "UPDATE", Operation.DELETED: "DELETE"}
AUDIT = models.table_of(models.AuditLog)
CHANGES = models.table_of(models.ChangeLog)
SKIP_IN_AUDIT = frozenset({"owner_id", "created_by", "updated_by", "created_at", "updated_at"})


def jsonable_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: to_jsonable(value) for key, value in row.items()}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Only what an update changed, as {"before": {...}, "after": {...}}."""
    keys = [k for k in after if k not in SKIP_IN_AUDIT and before.get(k) != after.get(k)]
    return {
        "before": {k: to_jsonable(before.get(k)) for k in keys},
        "after": {k: to_jsonable(after.get(k)) for k in keys},
    }


def audit_row(
    actor_id: str,
    now: datetime,
    operation: str,
    entity_type: str,
    entity_id: str,
    owner_id: str | None,
    changes: Any,
    error: str | None = None,
) -> dict[str, Any]:
    """The one shape of an audit record (contract §10.1), for data and accounts alike."""
    return {
        "id": str(uuid.uuid4()),
        "user_id": actor_id,
        "owner_id": owner_id,
        "timestamp": now,
        "operation": operation,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "changes": changes,
        "result": "error" if error else "success",
        "error_message": error,
    }


def change_row(
    entity_type: str, operation: Operation, row: Mapping[str, Any], now: datetime, actor_id: str
) -> dict[str, Any]:
    """The one shape of a change-log row (DESIGN §4): the entity's version, owner, tags and
    machine as the feed's access filter needs them, for writes and restores alike."""
    return {
        "entity_type": entity_type,
        "entity_id": row["id"],
        "operation": operation.value,
        "version": row["version"],
        "owner_id": row["owner_id"],
        "tags": list(row.get("tags") or []),
        "machine_id": row.get("machine_id"),
        "changed_at": now,
        "changed_by": actor_id,
    }


async def audit_account_change(
    session: AsyncSession,
    actor_id: str,
    now: datetime,
    operation: str,
    entity_type: str,
    entity_id: str,
    owner_id: str,
    changes: Any,
) -> None:
    """Users and API keys are audited like data (contract §0.1 item 7: every write), in the
    same transaction as the change. Secrets and hashes never reach `changes`; refused
    account operations write nothing, as there is no element to report on."""
    row = audit_row(actor_id, now, operation, entity_type, entity_id, owner_id, changes)
    await session.execute(insert(AUDIT).values(row))


class Journal:
    def __init__(self, principal: Principal, now: datetime) -> None:
        self._principal = principal
        self._now = now
        self._audit: list[tuple[int, dict[str, Any]]] = []  # (input index, row): logged in input order
        self._changes: list[dict[str, Any]] = []

    def record(
        self, index: int, spec: EntitySpec, operation: Operation, row: Mapping[str, Any], changes: Any
    ) -> None:
        """A successful element: one audit row and one change row."""
        self._audit.append(
            (index, self._audit_row(spec, operation, row["id"], row["owner_id"], changes, None))
        )
        self._changes.append(change_row(spec.name, operation, row, self._now, self._principal.user_id))

    def failure(self, error: ItemError, spec: EntitySpec, operation: Operation, owner_id: str | None) -> None:
        # A malformed client id is echoed in the response, but only a well-formed one is logged,
        # as the client wrote it: the audit column holds a UUID, and PostgreSQL refuses NUL in text.
        sent = error.id or ""
        logged_id = sent if is_id(sent) and len(sent) <= 36 else "unknown"
        self._audit.append(
            (error.index, self._audit_row(spec, operation, logged_id, owner_id, None, error.message))
        )

    def _audit_row(
        self,
        spec: EntitySpec,
        operation: Operation,
        entity_id: str,
        owner_id: str | None,
        changes: Any,
        error: str | None,
    ) -> dict[str, Any]:
        return audit_row(
            self._principal.user_id,
            self._now,
            AUDIT_OPERATION[operation],
            spec.name,
            entity_id,
            owner_id,
            changes,
            error,
        )

    async def write(self, uow: UnitOfWork) -> None:
        session = uow.session
        if self._audit:
            self._audit.sort(key=lambda entry: entry[0])
            await session.execute(insert(AUDIT), [row for _, row in self._audit])
        if self._changes:
            await uow.serialize_change_log()
            # Change-log writers are serialized (advisory lock on PostgreSQL, one writer on
            # SQLite), so the rows after the current end are exactly the ones inserted here.
            # (INSERT ... RETURNING in parameter order would cost SQLite one statement per row.)
            before = (await session.execute(select(func.max(CHANGES.c.seq)))).scalar() or 0
            await session.execute(insert(CHANGES), self._changes)
            await uow.announce(await stamp_rows(session, before))


async def stamp_rows(session: AsyncSession, after: int) -> int:
    """Give each row named by the change rows after `after` the seq of its latest one
    (models.EntityColumns.change_seq), and a row that has no `insert_seq` yet (one just
    inserted) that same seq as its place in creation order; return the newest seq.

    For writers holding the change-log lock (UnitOfWork.serialize_change_log): the
    rows after the end they read are exactly their own. One SELECT, then one
    executemany UPDATE per table.
    """
    written = await session.execute(
        select(CHANGES.c.seq, CHANGES.c.entity_type, CHANGES.c.entity_id, CHANGES.c.operation)
        .where(CHANGES.c.seq > after)
        .order_by(CHANGES.c.seq)
    )
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    newest = after
    for seq, entity_type, entity_id, operation in written:  # in seq order: the last one wins
        latest[entity_type, entity_id] = (int(seq), operation)
        newest = int(seq)
    stamps: dict[EntityType, list[dict[str, Any]]] = {}
    for (entity_type, entity_id), (seq, operation) in latest.items():
        if operation != Operation.DELETED.value:
            stamps.setdefault(EntityType(entity_type), []).append({"s_id": entity_id, "s_seq": seq})
    for entity, params in stamps.items():
        table = SPECS[entity].table
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("s_id"))
            .values(
                change_seq=bindparam("s_seq"),
                insert_seq=func.coalesce(table.c.insert_seq, bindparam("s_seq")),
            ),
            params,
        )
    return newest


FLOOR = models.table_of(models.ChangeLogFloor)


async def log_floor(session: AsyncSession) -> int:
    """Every seq at or below this has left the change log (retention, a full restore), so a
    cursor below it may have missed a change. One round trip."""
    oldest, marked = (
        await session.execute(
            select(
                select(func.min(CHANGES.c.seq)).scalar_subquery(),
                select(func.max(FLOOR.c.seq)).scalar_subquery(),
            )
        )
    ).one()
    return max(0 if oldest is None else int(oldest) - 1, int(marked or 0))


async def mark_floor(session: AsyncSession, seq: int) -> None:
    """A full restore emptied the log up to `seq` (models.ChangeLogFloor); never moves back."""
    if seq > await log_floor(session):
        await session.execute(FLOOR.delete())
        await session.execute(insert(FLOOR), {"seq": seq})
