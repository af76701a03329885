"""The backup lists that have no legacy shape: rows under their column names.

Users and API keys, which the legacy wire never rendered, and the tables the
contract's format lacks (assembly components, tool-set members, tool-set
versions, the audit log). Smooth Core's users and keys (contract §9.1) are
translated into this model's columns before they are checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table

from ..db import models
from ..db.types import utcnow
from .errors import InvalidBackup
from .values import check_column, jsonable, restore_failed

Columns = Mapping[str, Column[Any]]


@dataclass(frozen=True)
class TableList:
    """A table whose rows are written under their column names (no legacy shape exists)."""

    key: str
    table: Table
    # Columns the database fills when a row omits them (autoincrement keys, versions).
    optional: tuple[str, ...] = ()
    hidden_in_user_backups: tuple[str, ...] = ()
    # A row as Smooth Core wrote it, in this table's columns (contract §9.1); None: no such rows.
    from_smooth_core: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None

    @property
    def model_name(self) -> str:
        return self.key

    def encode(self, row: Mapping[str, Any], *, hide: bool = False) -> dict[str, Any]:
        return {
            c.name: jsonable(row[c.name])
            for c in self.table.columns
            if not (hide and c.name in self.hidden_in_user_backups)
        }

    def decode(self, index: int, element: Any) -> dict[str, Any]:
        """A backup row as column values, every value checked; raises InvalidBackup."""
        where = f"{self.key}[{index}]"
        if not isinstance(element, Mapping):
            raise InvalidBackup(f"Restore failed: {where}: expected an object")
        if self.from_smooth_core is not None:
            element = self.from_smooth_core(element)
        columns: Columns = {c.name: c for c in self.table.columns}
        self._refuse_unknown_or_missing(where, element, columns)
        row: dict[str, Any] = {}
        for name, column in columns.items():
            if name in element:
                with restore_failed():
                    row[name] = check_column(
                        f"{where}.{name}", column.type, element[name], bool(column.nullable)
                    )
        self._fill_defaults(row, columns)
        return row

    def _refuse_unknown_or_missing(self, where: str, element: Mapping[str, Any], columns: Columns) -> None:
        for key in element:
            if key not in columns:
                raise InvalidBackup(
                    f"Restore failed: {key!r} is an invalid keyword argument for {self.key} ({where})"
                )
        missing = [
            name
            for name, column in columns.items()
            if name not in element and not column.nullable and name not in self.optional
        ]
        if missing:
            raise InvalidBackup(f"Entity {self.key} missing required fields: {missing} ({where})")

    def _fill_defaults(self, row: dict[str, Any], columns: Columns) -> None:
        """Columns the row left out: null, the column's default, or version 1; an optional
        column with none of those is left to the database."""
        for name, column in columns.items():
            if name in row:
                continue
            if column.nullable:
                row[name] = None
            elif column.default is not None and column.default.is_scalar:
                row[name] = column.default.arg  # type: ignore[attr-defined]
            elif name == "version":
                row[name] = 1


SMOOTH_CORE_USER_COLUMNS = ("role", "manufacturer_profile", "is_verified")
SMOOTH_CORE_KEY = "smooth-core"  # the prefix shown for a key carried over from Smooth Core
UNUSABLE_SECRET_HASH = "smooth-core key: reissue it"  # never equal to a SHA-256 digest


def _smooth_core_user(element: Mapping[str, Any]) -> Mapping[str, Any]:
    """Smooth Core's user columns this model has no place for are dropped: `role` only
    repeats `is_admin`, and manufacturer profiles and verification have no feature here.
    Its bcrypt password hashes are kept, so people log in with their old passwords."""
    return {k: v for k, v in element.items() if k not in SMOOTH_CORE_USER_COLUMNS}


def _smooth_core_key(element: Mapping[str, Any]) -> Mapping[str, Any]:
    """A Smooth Core key (a bcrypt `key_hash` of a secret in that server's format) can never
    authenticate here. It is carried over revoked, with its name, owner and scopes, so its
    owner sees which keys to reissue; no hash of the old secret is kept."""
    if "key_hash" not in element:
        return element
    row = {k: v for k, v in element.items() if k not in ("key_hash", "is_active", "updated_at")}
    row.update(
        prefix=SMOOTH_CORE_KEY,
        secret_hash=UNUSABLE_SECRET_HASH,
        tags=element.get("tags") or [],
        revoked_at=utcnow().isoformat(),  # revoked by being carried over
    )
    return row


USERS = TableList("users", models.table_of(models.User), ("version",), ("password_hash",), _smooth_core_user)
# Backups written before trusted documents have no `trusted_documents_only`: such keys run any document.
API_KEYS = TableList(
    "api_keys", models.table_of(models.ApiKey), ("version", "trusted_documents_only"), (), _smooth_core_key
)
ASSEMBLY_COMPONENTS = TableList("assembly_components", models.table_of(models.AssemblyComponent), ("id",))
TOOL_SET_INSTANCES = TableList("tool_set_instances", models.table_of(models.ToolSetInstance))
TOOL_SET_PRESETS = TableList("tool_set_presets", models.table_of(models.ToolSetPreset))
TOOL_SET_VERSIONS = TableList("tool_set_versions", models.table_of(models.ToolSetVersion))
AUDIT_LOG = TableList("audit_log", models.table_of(models.AuditLog), ("seq",))

JOIN_LISTS = (ASSEMBLY_COMPONENTS, TOOL_SET_INSTANCES, TOOL_SET_PRESETS)
JOIN_REFS: Mapping[str, tuple[tuple[str, str], tuple[str, str]]] = {
    # join list -> ((parent column, parent list), (reference column, referenced list)); a join
    # row belongs to whoever owns its parent, so a user backup holds those of its own parents.
    "assembly_components": (("assembly_id", "tool_assemblies"), ("item_id", "tool_items")),
    "tool_set_instances": (("tool_set_id", "tool_sets"), ("tool_instance_id", "tool_instances")),
    "tool_set_presets": (("tool_set_id", "tool_sets"), ("tool_preset_id", "tool_presets")),
}


def parent_of(join: TableList) -> tuple[Column[Any], str]:
    """A join list's parent column and the list of the rows it names."""
    (column, parents), _ = JOIN_REFS[join.key]
    return join.table.c[column], parents
