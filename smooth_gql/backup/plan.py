"""The checked plan of a restore: every row of the document decoded, before anything is written.

`RestorePlan.decode` checks the whole document (every value, duplicate ids,
references, per-owner unique keys), so a bad document is refused with a
message naming the row, and `restore.Restore` only has rows a write could
have stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..enums import EntityType
from ..services.entity_spec import kept_links, proposed_links
from .entity_lists import ENTITY_LISTS, EntityList
from .errors import InvalidBackup
from .table_lists import API_KEYS, AUDIT_LOG, JOIN_LISTS, JOIN_REFS, TOOL_SET_VERSIONS, USERS

Row = dict[str, Any]
BY_ENTITY = {el.spec.type: el for el in ENTITY_LISTS}


def refuse(problem: str) -> InvalidBackup:
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
            plan._claim_for(importer)
        plan._link_legacy_arrays(sent=set(entities))
        plan._check()
        return plan

    def _claim_for(self, importer: str) -> None:
        """A user restore plants nothing in another account, whatever the rows claim."""
        for rows in self.entities.values():
            for row in rows:
                row["owner_id"] = row["created_by"] = row["updated_by"] = importer
        for row in self.versions:
            row["owner_id"] = row["changed_by"] = importer
        for row in self.joins["assembly_components"]:
            row.pop("id", None)  # the database numbers them; ids of another account must not clash

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
            self._check_accounts()
        for el in ENTITY_LISTS:
            _check_refs(el, self.entities[el.key], ids)
        self._check_joins(ids)
        _unique_ids("tool_set_versions", self.versions)
        _references("tool_set_versions", self.versions, "tool_set_id", ids["tool_sets"], "tool_sets")
        _unique("tool_set_versions", self.versions, _pair("tool_set_id", "version"), "version")
        self._check_unique_keys()

    def _check_accounts(self) -> None:
        """A full restore's accounts, keys and audit log: unique, and every user id one of them."""
        users = _unique_ids("users", self.users)
        _unique("users", self.users, _column("email"), "email")
        _unique_ids("api_keys", self.api_keys)
        _unique_ids("audit_log", self.audit)
        _unique("audit_log", [r for r in self.audit if "seq" in r], _column("seq"), "seq")
        for key, rows in self.entities.items():
            for column in ("owner_id", "created_by", "updated_by"):
                wire = "user_id" if column == "owner_id" else column
                _references(key, rows, column, users, "users", wire=wire)
        _references("api_keys", self.api_keys, "user_id", users, "users")
        _references("audit_log", self.audit, "user_id", users, "users")
        _references("tool_set_versions", self.versions, "owner_id", users, "users")
        _references("tool_set_versions", self.versions, "changed_by", users, "users")

    def _check_joins(self, ids: Mapping[str, set[Any]]) -> None:
        """Join rows name rows of the document, once each."""
        for key, ((parent, parents), (linked, targets)) in JOIN_REFS.items():
            rows = self.joins[key]
            _references(key, rows, parent, ids[parents], parents)
            _references(key, rows, linked, ids[targets], targets)
            if key == "assembly_components":
                _unique(key, [r for r in rows if "id" in r], _column("id"), "id")
            else:
                _unique(key, rows, _pair(parent, linked), f"({parent}, {linked})")

    def _check_unique_keys(self) -> None:
        """The per-owner unique keys the database would refuse, named by row instead."""
        instances = [r for r in self.entities["tool_instances"] if r["serial_number"] is not None]
        _unique("tool_instances", instances, _pair("owner_id", "serial_number"), "serial_number")
        presets = [r for r in self.entities["tool_presets"] if r["tool_number"] is not None]
        _unique(
            "tool_presets",
            presets,
            lambda r: (r["owner_id"], r["machine_id"], r["tool_number"]),
            "tool_number (per machine_id)",
        )


def _check_refs(el: EntityList, rows: Sequence[Row], ids: Mapping[str, set[Any]]) -> None:
    """A tool row's references (a preset's instance, ...) name rows of the document."""
    for ref in el.spec.refs:
        target = BY_ENTITY[ref.target]
        wire = next((wf.wire for wf in el.collection.fields if wf.model == ref.column), ref.column)
        _references(el.key, rows, ref.column, ids[target.key], target.key, wire=wire)


def _unique(key: str, rows: Sequence[Row], value: Callable[[Row], Any], what: str) -> None:
    seen: dict[Any, int] = {}
    for index, row in enumerate(rows):
        found = value(row)
        if found in seen:
            raise refuse(f"{key}[{index}]: duplicate {what}: the same as {key}[{seen[found]}] ({found!r})")
        seen[found] = index


def _column(name: str) -> Callable[[Row], Any]:
    return lambda row: row[name]


def _pair(first: str, second: str) -> Callable[[Row], tuple[Any, Any]]:
    return lambda row: (row[first], row[second])


def _unique_ids(key: str, rows: Sequence[Row]) -> set[Any]:
    _unique(key, rows, _column("id"), "id")
    return {row["id"] for row in rows}


def _references(
    key: str, rows: Sequence[Row], column: str, known: set[Any], target: str, *, wire: str | None = None
) -> None:
    for index, row in enumerate(rows):
        value = row.get(column)
        if value is not None and value not in known:
            raise refuse(f"{key}[{index}].{wire or column}: {value!r} is not the id of a row in {target}")
