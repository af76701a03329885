"""The write half of a restore: a checked plan, then one transaction that applies it.

`RestorePlan.decode` checks the whole document before anything is written
(every value, duplicate ids, references, per-owner unique keys), so a bad
document is refused with a message naming the row. `Restore` then replaces
the rows in one unit of work; should the database still refuse something,
the transaction rolls back and nothing has changed.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from ..auth.principal import Principal
from ..db import models
from ..db.migrate import alembic_config
from ..db.types import utcnow
from ..enums import EntityType, Operation
from .backup_format import (
    API_KEYS,
    AUDIT_LOG,
    ENTITY_LISTS,
    JOIN_LISTS,
    TOOL_SET_VERSIONS,
    USERS,
    EntityList,
    InvalidBackup,
    Metadata,
)
from .entity_spec import kept_links, proposed_links
from .journal import change_row, log_floor, mark_floor, stamp_rows
from .unit_of_work import USERS_LOCK, Runtime, UnitOfWork

Row = dict[str, Any]
CHANGES = models.table_of(models.ChangeLog)
AUDIT = models.table_of(models.AuditLog)
CHUNK = 500
BY_ENTITY = {el.spec.type: el for el in ENTITY_LISTS}
JOIN_REFS: Mapping[str, tuple[tuple[str, str], tuple[str, str]]] = {
    # join list -> ((parent column, parent list), (reference column, referenced list))
    "assembly_components": (("assembly_id", "tool_assemblies"), ("item_id", "tool_items")),
    "tool_set_instances": (("tool_set_id", "tool_sets"), ("tool_instance_id", "tool_instances")),
    "tool_set_presets": (("tool_set_id", "tool_sets"), ("tool_preset_id", "tool_presets")),
}


def known_revisions() -> tuple[dict[str, int], str]:
    """Every Alembic revision this code knows, numbered from the oldest, and the head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    newest_first = [rev.revision for rev in script.walk_revisions()]
    order = {rev: i for i, rev in enumerate(reversed(newest_first))}
    head = script.get_current_head()
    assert head is not None
    return order, head


def _refuse(problem: str) -> InvalidBackup:
    return InvalidBackup(f"Restore failed: {problem}")


@dataclass
class RestorePlan:
    """The document's rows, decoded and checked, ready to insert."""

    full: bool
    entities: dict[str, list[Row]]  # entity list key -> rows
    joins: dict[str, list[Row]]
    versions: list[Row]
    users: list[Row] = field(default_factory=list)
    api_keys: list[Row] = field(default_factory=list)
    audit: list[Row] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        lists: Iterable[Sequence[Row]] = (
            *self.entities.values(),
            *self.joins.values(),
            self.versions,
            self.users,
            self.api_keys,
            self.audit,
        )
        return sum(len(rows) for rows in lists)

    @classmethod
    def decode(cls, entities: Mapping[str, Any], importer: str, *, full: bool) -> RestorePlan:
        def rows_of(key: str, decode: Callable[[int, Any], Row]) -> list[Row]:
            return [decode(i, element) for i, element in enumerate(entities.get(key) or [])]

        plan = cls(
            full=full,
            entities={el.key: rows_of(el.key, el.decode) for el in ENTITY_LISTS},
            joins={j.key: rows_of(j.key, j.decode) for j in JOIN_LISTS},
            versions=rows_of(TOOL_SET_VERSIONS.key, TOOL_SET_VERSIONS.decode),
        )
        if full:
            plan.users = rows_of(USERS.key, USERS.decode)
            plan.api_keys = rows_of(API_KEYS.key, API_KEYS.decode)
            plan.audit = rows_of(AUDIT_LOG.key, AUDIT_LOG.decode)
            for user in plan.users:
                user["email"] = user["email"].strip().lower()
        else:
            # A user restore plants nothing in another account, whatever the rows claim.
            for rows in plan.entities.values():
                for row in rows:
                    row["owner_id"] = row["created_by"] = row["updated_by"] = importer
            for row in plan.versions:
                row["owner_id"] = row["changed_by"] = importer
            for row in plan.joins["assembly_components"]:
                row.pop("id", None)  # the database numbers them; ids of another account must not clash
        plan._link_legacy_arrays(sent=set(entities))
        plan._check()
        return plan

    def _link_legacy_arrays(self, sent: set[str]) -> None:
        """A Smooth Core backup has no join lists: its assemblies' `components` and its tool
        sets' `members` name the related rows. Where a join list is missing, the ids in those
        arrays that name the same owner's rows in this document are linked, exactly as a
        legacy write links them; the arrays themselves are kept verbatim either way."""
        owners = {
            el.spec.type: {row["id"]: row["owner_id"] for row in self.entities[el.key]} for el in ENTITY_LISTS
        }
        for el in ENTITY_LISTS:
            for link in el.spec.legacy_links:
                join = el.spec.join(link.join)
                if join.table.name in sent:
                    continue
                for parent in self.entities[el.key]:

                    def resolves(entity: EntityType, row_id: str, owner: Any = parent["owner_id"]) -> bool:
                        return row_id in owners[entity] and bool(owners[entity][row_id] == owner)

                    proposed = proposed_links(el.spec, {link.source: parent.get(link.source)})
                    for row in kept_links(el.spec, proposed, resolves).get(link.join, []):
                        self.joins[join.table.name].append({join.parent_column: parent["id"], **row})

    def _check(self) -> None:
        ids = {key: _unique_ids(key, rows) for key, rows in self.entities.items()}
        if self.full:
            users = _unique_ids("users", self.users)
            _unique("users", self.users, lambda r: r["email"], "email")
            _unique_ids("api_keys", self.api_keys)
            _unique_ids("audit_log", self.audit)
            _unique("audit_log", [r for r in self.audit if "seq" in r], lambda r: r["seq"], "seq")
            for key, rows in self.entities.items():
                for column in ("owner_id", "created_by", "updated_by"):
                    wire = "user_id" if column == "owner_id" else column
                    _references(key, rows, column, users, "users", wire=wire)
            _references("api_keys", self.api_keys, "user_id", users, "users")
            _references("audit_log", self.audit, "user_id", users, "users")
            _references("tool_set_versions", self.versions, "owner_id", users, "users")
            _references("tool_set_versions", self.versions, "changed_by", users, "users")
        for el in ENTITY_LISTS:
            for ref in el.spec.refs:
                target = BY_ENTITY[ref.target]
                wire = next((wf.wire for wf in el.collection.fields if wf.model == ref.column), ref.column)
                _references(el.key, self.entities[el.key], ref.column, ids[target.key], target.key, wire=wire)
        for key, ((parent, parents), (linked, targets)) in JOIN_REFS.items():
            rows = self.joins[key]
            _references(key, rows, parent, ids[parents], parents)
            _references(key, rows, linked, ids[targets], targets)
            if key == "assembly_components":
                _unique(key, [r for r in rows if "id" in r], _row_id, "id")
            else:
                _unique(key, rows, _pair(parent, linked), f"({parent}, {linked})")
        _unique_ids("tool_set_versions", self.versions)
        _references("tool_set_versions", self.versions, "tool_set_id", ids["tool_sets"], "tool_sets")
        _unique("tool_set_versions", self.versions, lambda r: (r["tool_set_id"], r["version"]), "version")
        instances = [r for r in self.entities["tool_instances"] if r["serial_number"] is not None]
        _unique("tool_instances", instances, lambda r: (r["owner_id"], r["serial_number"]), "serial_number")
        presets = [r for r in self.entities["tool_presets"] if r["tool_number"] is not None]
        _unique(
            "tool_presets",
            presets,
            lambda r: (r["owner_id"], r["machine_id"], r["tool_number"]),
            "tool_number (per machine_id)",
        )


def _unique(key: str, rows: Sequence[Row], value: Callable[[Row], Any], what: str) -> None:
    seen: dict[Any, int] = {}
    for index, row in enumerate(rows):
        found = value(row)
        if found in seen:
            raise _refuse(f"{key}[{index}]: duplicate {what}: the same as {key}[{seen[found]}] ({found!r})")
        seen[found] = index


def _row_id(row: Row) -> Any:
    return row["id"]


def _pair(first: str, second: str) -> Callable[[Row], tuple[Any, Any]]:
    return lambda row: (row[first], row[second])


def _unique_ids(key: str, rows: Sequence[Row]) -> set[Any]:
    _unique(key, rows, lambda r: r["id"], "id")
    return {row["id"] for row in rows}


def _references(
    key: str, rows: Sequence[Row], column: str, known: set[Any], target: str, *, wire: str | None = None
) -> None:
    for index, row in enumerate(rows):
        value = row.get(column)
        if value is not None and value not in known:
            raise _refuse(f"{key}[{index}].{wire or column}: {value!r} is not the id of a row in {target}")


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
                    raise _refuse(f"{key}[{index}].id: {clash!r} is the id of another account's row")

    async def _remove(self) -> None:
        session, plan = self._uow.session, self._plan
        items = BY_ENTITY_KEY["tool_items"].table
        sets = BY_ENTITY_KEY["tool_sets"].table
        assemblies = BY_ENTITY_KEY["tool_assemblies"].table
        mine_sets = select(sets.c.id).where(*self._mine(sets))
        mine_assemblies = select(assemblies.c.id).where(*self._mine(assemblies))
        for join in JOIN_LISTS:
            parent = (
                join.table.c.assembly_id if join.key == "assembly_components" else join.table.c.tool_set_id
            )
            source = mine_assemblies if join.key == "assembly_components" else mine_sets
            await session.execute(delete(join.table).where(*(() if plan.full else (parent.in_(source),))))
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
            raise _refuse(
                f"{key}: rows outside this restore still refer to the rows it replaces ({_first_line(error)})"
            ) from None

    async def _insert(self) -> int:
        plan, count = self._plan, 0
        if plan.full:
            count += await self._upsert_users()
            count += await self._insert_rows(API_KEYS.key, API_KEYS.table, plan.api_keys)
        parents: list[dict[str, Any]] = []
        for el in ENTITY_LISTS:
            rows = plan.entities[el.key]
            if el.key == "tool_items":
                # Parents may come after their children in the list: link them once all exist.
                parents = [
                    {"b_id": r["id"], "b_parent": r["parent_tool_id"]} for r in rows if r["parent_tool_id"]
                ]
                rows = [{**r, "parent_tool_id": None} for r in rows]
            count += await self._insert_rows(el.key, el.table, rows)
            if parents and el.key == "tool_items":
                statement = (
                    update(el.table)
                    .where(el.table.c.id == bindparam("b_id"))
                    .values(parent_tool_id=bindparam("b_parent"))
                )
                await self._uow.session.execute(statement, parents)
        for join in JOIN_LISTS:
            count += await self._insert_rows(join.key, join.table, plan.joins[join.key])
        count += await self._insert_rows(TOOL_SET_VERSIONS.key, TOOL_SET_VERSIONS.table, plan.versions)
        if plan.full:
            count += await self._insert_rows(AUDIT_LOG.key, AUDIT, plan.audit)
            await self._advance(AUDIT, "seq", 0)
            await self._advance(ASSEMBLY_TABLE, "id", 0)
        return count

    async def _upsert_users(self) -> int:
        """Accounts in the document: updated in place when they exist (their sessions survive)."""
        session, users = self._uow.session, USERS.table
        wanted = [u["id"] for u in self._plan.users]
        existing: set[str] = set()
        for start in range(0, len(wanted), CHUNK):
            found = await session.execute(
                select(users.c.id).where(users.c.id.in_(wanted[start : start + CHUNK]))
            )
            existing.update(found.scalars())
        changed = [u for u in self._plan.users if u["id"] in existing]
        if changed:
            columns = [c.name for c in users.columns if c.name != "id"]
            statement = (
                update(users)
                .where(users.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}") for c in columns})
            )
            try:
                await session.execute(statement, [{f"b_{k}": v for k, v in u.items()} for u in changed])
            except DBAPIError as error:
                raise _refuse(f"users: {_first_line(error)}") from None
        added = [u for u in self._plan.users if u["id"] not in existing]
        await self._insert_rows(USERS.key, users, added)
        return len(self._plan.users)

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
                    raise _refuse(f"{key}: the database refused a row: {_first_line(error)}") from None
        if rows:
            self._progress(f"restored {key}: {len(rows)}")
        return len(rows)

    async def _record_changes(
        self, before: Mapping[str, Mapping[str, Row]], old_head: int
    ) -> tuple[int, int]:
        """One change row per removed and per restored tool row (see services/backup.py)."""
        changes: list[Row] = []
        removed = 0
        for el in ENTITY_LISTS:
            restored = self._plan.entities[el.key]
            kept = {row["id"] for row in restored}
            for row_id, row in before[el.key].items():
                if row_id not in kept:
                    changes.append(self._change(el, Operation.DELETED, row))
                    removed += 1
            for row in restored:
                operation = Operation.UPDATED if row["id"] in before[el.key] else Operation.CREATED
                changes.append(self._change(el, operation, row))
        session = self._uow.session
        if self._plan.full:
            # Numbered after this log and the backup's, so no cursor ever sees a number twice;
            # every cursor below `first` is expired (the log up to there is gone), even when
            # there is no change row to show where the new log starts.
            first = max(old_head, self._meta.change_log_position) + 1
            await mark_floor(session, first - 1)
            for offset, change in enumerate(changes):
                change["seq"] = first + offset
            position = first - 1 + len(changes)
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


BY_ENTITY_KEY: Mapping[str, EntityList] = {el.key: el for el in ENTITY_LISTS}
ASSEMBLY_TABLE = JOIN_LISTS[0].table
