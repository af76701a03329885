"""The write half of a restore: one transaction that applies a checked plan.

`Restore` replaces the rows in one unit of work; should the database still
refuse something, the transaction rolls back and nothing has changed. It
writes the change rows and the audit record that keep the feed truthful
(see the package's docstring).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from ..auth.principal import Principal
from ..db import models
from ..db.types import utcnow
from ..enums import Operation
from ..runtime import Runtime
from ..services.journal import change_row, log_floor, mark_floor, stamp_rows
from ..services.unit_of_work import USERS_LOCK, UnitOfWork
from .document import Metadata
from .entity_lists import BY_ENTITY_KEY, ENTITY_LISTS, EntityList
from .plan import RestorePlan, Row, refuse
from .table_lists import API_KEYS, AUDIT_LOG, JOIN_LISTS, TOOL_SET_VERSIONS, USERS, parent_of

CHANGES = models.table_of(models.ChangeLog)
AUDIT = models.table_of(models.AuditLog)
ASSEMBLY_TABLE = JOIN_LISTS[0].table
CHUNK = 500


@dataclass(frozen=True)
class Applied:
    restored: int
    removed: int
    position: int


class Restore:
    """Applies a plan in one unit of work (the caller's `async with` rolls back on failure)."""

    def __init__(
        self,
        runtime: Runtime,
        principal: Principal,
        plan: RestorePlan,
        meta: Metadata,
        progress: Callable[[str], None],
    ) -> None:
        self._uow = UnitOfWork(runtime)
        self._principal = principal
        self._plan = plan
        self._meta = meta
        self._progress = progress
        self._now = utcnow()

    async def __aenter__(self) -> Restore:
        await self._uow.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._uow.__aexit__(exc_type, exc, tb)

    @property
    def _me(self) -> str:
        return self._principal.user_id

    def _mine(self, table: Table) -> Any:
        return () if self._plan.full else (table.c.owner_id == self._me,)

    async def run(self) -> Applied:
        uow, plan = self._uow, self._plan
        if plan.full:
            await uow.advisory_lock(USERS_LOCK)
        await uow.serialize_change_log()
        before = await self._current_rows()
        if not plan.full:
            await self._refuse_foreign_ids()
        # An emptied log still has a floor: numbers at or below it were handed out before.
        newest = int((await uow.session.execute(select(func.max(CHANGES.c.seq)))).scalar() or 0)
        old_head = max(newest, await log_floor(uow.session))
        await self._remove()
        restored = await self._insert()
        removed, position = await self._record_changes(before, old_head)
        await self._audit(restored, removed)
        await uow.commit()
        return Applied(restored, removed, position)

    async def _current_rows(self) -> dict[str, dict[str, Row]]:
        """What each tool row was before, for the change rows (id, owner, version, tags, machine)."""
        found: dict[str, dict[str, Row]] = {}
        for el in ENTITY_LISTS:
            table = el.table
            columns = [table.c.id, table.c.owner_id, table.c.version, table.c.tags]
            if "machine_id" in table.c:
                columns.append(table.c.machine_id)
            result = await self._uow.session.execute(select(*columns).where(*self._mine(table)))
            found[el.key] = {row["id"]: dict(row) for row in result.mappings()}
        return found

    async def _refuse_foreign_ids(self) -> None:
        """A user's document may not name rows of another account (their ids are taken)."""
        lists: list[tuple[str, Table, list[Row]]] = [
            (el.key, el.table, self._plan.entities[el.key]) for el in ENTITY_LISTS
        ]
        lists.append(("tool_set_versions", TOOL_SET_VERSIONS.table, self._plan.versions))
        for key, table, rows in lists:
            wanted = [row["id"] for row in rows]
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                taken = await self._uow.session.execute(
                    select(table.c.id).where(table.c.id.in_(chunk), table.c.owner_id != self._me).limit(1)
                )
                clash = taken.scalar()
                if clash is not None:
                    index = wanted.index(clash)
                    raise refuse(f"{key}[{index}].id: {clash!r} is the id of another account's row")

    async def _remove(self) -> None:
        session, plan = self._uow.session, self._plan
        items = BY_ENTITY_KEY["tool_items"].table
        for join in JOIN_LISTS:
            parent, parents = parent_of(join)
            source = BY_ENTITY_KEY[parents].table
            mine = select(source.c.id).where(*self._mine(source))
            await session.execute(delete(join.table).where(*(() if plan.full else (parent.in_(mine),))))
        sets = BY_ENTITY_KEY["tool_sets"].table
        mine_sets = select(sets.c.id).where(*self._mine(sets))
        versions = TOOL_SET_VERSIONS.table
        await session.execute(
            delete(versions).where(*(() if plan.full else (versions.c.tool_set_id.in_(mine_sets),)))
        )
        await session.execute(update(items).where(*self._mine(items)).values(parent_tool_id=None))
        for el in reversed(ENTITY_LISTS):
            await self._execute(delete(el.table).where(*self._mine(el.table)), el.key)
        if plan.full:
            await session.execute(delete(AUDIT))
            await session.execute(delete(API_KEYS.table))
            await session.execute(delete(CHANGES))
            keep = [u["id"] for u in plan.users]
            # Accounts the document does not hold go, and their sessions with them (cascade).
            await session.execute(delete(USERS.table).where(USERS.table.c.id.not_in(keep)))
        self._progress("removed the rows being replaced")

    async def _execute(self, statement: Any, key: str) -> None:
        try:
            await self._uow.session.execute(statement)
        except DBAPIError as error:
            raise refuse(
                f"{key}: rows outside this restore still refer to the rows it replaces ({_first_line(error)})"
            ) from None

    async def _insert(self) -> int:
        plan, count = self._plan, 0
        if plan.full:
            count += await self._upsert_users()
            count += await self._insert_rows(API_KEYS.key, API_KEYS.table, plan.api_keys)
        for el in ENTITY_LISTS:
            if el.key == "tool_items":
                count += await self._insert_items(el, plan.entities[el.key])
            else:
                count += await self._insert_rows(el.key, el.table, plan.entities[el.key])
        for join in JOIN_LISTS:
            count += await self._insert_rows(join.key, join.table, plan.joins[join.key])
        count += await self._insert_rows(TOOL_SET_VERSIONS.key, TOOL_SET_VERSIONS.table, plan.versions)
        if plan.full:
            count += await self._insert_rows(AUDIT_LOG.key, AUDIT, plan.audit)
            await self._advance(AUDIT, "seq", 0)
            await self._advance(ASSEMBLY_TABLE, "id", 0)
        return count

    async def _insert_items(self, el: EntityList, rows: Sequence[Row]) -> int:
        """Tool items: parents may come after their children in the list, so every item is
        inserted without its parent, then the parents are linked once all exist."""
        parents = [{"b_id": r["id"], "b_parent": r["parent_tool_id"]} for r in rows if r["parent_tool_id"]]
        count = await self._insert_rows(el.key, el.table, [{**r, "parent_tool_id": None} for r in rows])
        if parents:
            statement = (
                update(el.table)
                .where(el.table.c.id == bindparam("b_id"))
                .values(parent_tool_id=bindparam("b_parent"))
            )
            await self._uow.session.execute(statement, parents)
        return count

    async def _upsert_users(self) -> int:
        """Accounts in the document: updated in place when they exist (their sessions survive)."""
        existing = await self._existing_users()
        changed = [u for u in self._plan.users if u["id"] in existing]
        if changed:
            users = USERS.table
            columns = [c.name for c in users.columns if c.name != "id"]
            statement = (
                update(users)
                .where(users.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}") for c in columns})
            )
            try:
                await self._uow.session.execute(
                    statement, [{f"b_{k}": v for k, v in u.items()} for u in changed]
                )
            except DBAPIError as error:
                raise refuse(f"users: {_first_line(error)}") from None
        added = [u for u in self._plan.users if u["id"] not in existing]
        await self._insert_rows(USERS.key, USERS.table, added)
        return len(self._plan.users)

    async def _existing_users(self) -> set[str]:
        """The document's accounts this database already has."""
        users = USERS.table
        wanted = [u["id"] for u in self._plan.users]
        existing: set[str] = set()
        for start in range(0, len(wanted), CHUNK):
            found = await self._uow.session.execute(
                select(users.c.id).where(users.c.id.in_(wanted[start : start + CHUNK]))
            )
            existing.update(found.scalars())
        return existing

    async def _insert_rows(self, key: str, table: Table, rows: Sequence[Row]) -> int:
        # executemany needs one key set per statement (some rows may leave `seq` or `id` out).
        groups: dict[frozenset[str], list[Row]] = {}
        for row in rows:
            groups.setdefault(frozenset(row), []).append(row)
        for group in groups.values():
            for start in range(0, len(group), CHUNK):
                try:
                    await self._uow.session.execute(insert(table), group[start : start + CHUNK])
                except DBAPIError as error:
                    raise refuse(f"{key}: the database refused a row: {_first_line(error)}") from None
        if rows:
            self._progress(f"restored {key}: {len(rows)}")
        return len(rows)

    async def _record_changes(
        self, before: Mapping[str, Mapping[str, Row]], old_head: int
    ) -> tuple[int, int]:
        """One change row per removed and per restored tool row (see the package's docstring)."""
        changes, removed = self._changes(before)
        session = self._uow.session
        if self._plan.full:
            position = await self._number_after(changes, old_head)
        for start in range(0, len(changes), CHUNK):
            await session.execute(insert(CHANGES), changes[start : start + CHUNK])
        # Restored rows take the seqs of their change rows, so the legacy since-version sync
        # (changes/sync.py) finds them after any cursor handed out before the restore.
        await stamp_rows(session, old_head)
        if self._plan.full:
            await self._advance(CHANGES, "seq", position)
        else:
            position = int((await session.execute(select(func.max(CHANGES.c.seq)))).scalar() or 0)
        if changes:
            await self._uow.announce(position)
        return removed, position

    def _changes(self, before: Mapping[str, Mapping[str, Row]]) -> tuple[list[Row], int]:
        """The change rows, list by list: the removed rows' DELETED, then the restored rows'."""
        changes: list[Row] = []
        removed = 0
        for el in ENTITY_LISTS:
            restored = self._plan.entities[el.key]
            kept = {row["id"] for row in restored}
            gone = [row for row_id, row in before[el.key].items() if row_id not in kept]
            changes.extend(self._change(el, Operation.DELETED, row) for row in gone)
            removed += len(gone)
            for row in restored:
                operation = Operation.UPDATED if row["id"] in before[el.key] else Operation.CREATED
                changes.append(self._change(el, operation, row))
        return changes, removed

    async def _number_after(self, changes: list[Row], old_head: int) -> int:
        """A full restore's change rows, numbered after this log and the backup's, so no
        cursor ever sees a number twice; every cursor below the first is expired (the log up
        to there is gone), even when there is no change row to show where the new log starts.
        Returns the newest number."""
        first = max(old_head, self._meta.change_log_position) + 1
        await mark_floor(self._uow.session, first - 1)
        for offset, change in enumerate(changes):
            change["seq"] = first + offset
        return first - 1 + len(changes)

    def _change(self, el: EntityList, operation: Operation, row: Mapping[str, Any]) -> Row:
        return change_row(el.spec.name, operation, row, self._now, self._me)

    async def _advance(self, table: Table, column: str, at_least: int) -> None:
        """Move the table's id sequence past explicit ids (and past `at_least`); never back."""
        session = self._uow.session
        top = (await session.execute(select(func.max(table.c[column])))).scalar() or 0
        value = max(int(top), at_least)
        if self._uow.is_postgres:
            if value >= 1:
                await session.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, true)"),
                    {"t": table.name, "c": column, "v": value},
                )
        elif table.dialect_options["sqlite"].get("autoincrement"):
            await session.execute(
                text("UPDATE sqlite_sequence SET seq = max(seq, :v) WHERE name = :t"),
                {"t": table.name, "v": value},
            )
            await session.execute(
                text(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT :t, :v WHERE NOT EXISTS "
                    "(SELECT 1 FROM sqlite_sequence WHERE name = :t)"
                ),
                {"t": table.name, "v": value},
            )

    async def _audit(self, restored: int, removed: int) -> None:
        """One audit record for the restore itself (when its actor has an account to name)."""
        session, users = self._uow.session, USERS.table
        actor = (await session.execute(select(users.c.id).where(users.c.id == self._me))).scalar()
        if actor is None:
            return  # the console restoring a document without its account: the log says it
        counts = Counter({key: len(rows) for key, rows in self._plan.entities.items()})
        await session.execute(
            insert(AUDIT),
            {
                "id": str(uuid.uuid4()),
                "user_id": self._me,
                "owner_id": None if self._plan.full else self._me,
                "timestamp": self._now,
                "operation": "RESTORE",
                "entity_type": "Backup",
                "entity_id": str(uuid.uuid4()),
                "changes": {
                    "backup_type": self._meta.backup_type,
                    "format_version": self._meta.version,
                    "restored": dict(counts),
                    "removed": removed,
                    "rows": restored,
                },
                "result": "success",
                "error_message": None,
            },
        )


def _first_line(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0][:300] if error.orig is not None else "constraint failed"
