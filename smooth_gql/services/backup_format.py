"""The backup document (contract §9.1, extended): its lists, and one row of each, both ways.

The eight lists of the contract come first, in its order; the six tool lists
use the legacy wire shape of `legacy/collections.py` (the same table the REST
skin renders with), plus, under their column names, the model columns the
legacy wire has no key for (a tool item's `name`, `tool_type`, ...). Users and
API keys, which the legacy wire never rendered, and the tables the contract's
format lacks (assembly components, tool-set members, tool-set versions, the
audit log) are rows under their column names.

Decoding checks every value with the same field rules the write path uses, so
a document can only store what an API write could; every message starts with
the contract's `Validation error: ` and names the list, the row and the key.
"""

from __future__ import annotations

import dataclasses
import json
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, Integer, String, Table, Text
from sqlalchemy.sql.type_api import TypeEngine

from ..db import models
from ..db.types import UTCDateTime, utcnow
from ..errors import BadInput, FieldError, Reason
from ..legacy.collections import COLLECTIONS
from ..legacy.wire import COMMON_KEYS, Collection
from .entities import SPECS, EntitySpec
from .fields import (
    check_datetime,
    check_id,
    check_int,
    check_json,
    check_string,
    check_value,
)

FORMAT_VERSION = "0.2.1"  # major 0: legacy tools accept it (contract §9.2 step 3)
SUPPORTED_MAJOR = "0"
USER, ADMIN = "user", "admin"
COMMON_COLUMNS = ("id", "owner_id", "created_by", "updated_by", "created_at", "updated_at", "version")


class InvalidBackup(BadInput):
    """A document that cannot be restored; the message starts `Validation error: `."""

    default_reason = Reason.INVALID_BACKUP

    def __init__(self, problem: str) -> None:
        super().__init__(f"Validation error: {problem}", field="document", prefixed=False)


class IncompatibleBackup(BadInput):
    """A document from a newer format or schema; the message starts `Version error: `."""

    default_reason = Reason.INCOMPATIBLE_BACKUP

    def __init__(self, problem: str) -> None:
        super().__init__(f"Version error: {problem}", field="document", prefixed=False)


def parse_json(data: bytes | str) -> Any:
    """The JSON of an uploaded file, or the contract's `Invalid JSON` error."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise InvalidBackup(f"Invalid JSON: {error}") from None


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# --- the six tool lists: legacy wire shape plus the columns it lacks ----------------------------


@dataclass(frozen=True)
class EntityList:
    """One tool list: the legacy collection, the service spec and the columns under own names."""

    key: str  # list name in `entities`
    collection: Collection
    spec: EntitySpec

    @property
    def table(self) -> Table:
        return self.spec.table

    @property
    def model_name(self) -> str:
        return self.spec.name

    def _covered(self) -> set[str]:
        covered = set(COMMON_COLUMNS)
        for wf in self.collection.wire_fields():
            covered.add(wf.model)
            if wf.enum is not None:
                covered.add(wf.enum.twin)
        return covered

    def extras(self) -> list[str]:
        """Model columns the legacy wire has no key for, in table order (not `change_seq`: it is
        this server's bookkeeping, restamped by the restore's own change rows)."""
        covered = self._covered()
        return [c.name for c in self.table.columns if c.name not in covered and c.name != "change_seq"]

    def encode(self, row: Mapping[str, Any], rename: Callable[[str], str]) -> dict[str, Any]:
        """A stored row as a backup row; `rename` maps user ids (user backups hide other accounts)."""
        out: dict[str, Any] = {"id": row["id"]}
        for wf in self.collection.wire_fields():
            if wf.enum is not None:
                out[wf.wire] = wf.enum.to_wire(row.get(wf.model), row.get(wf.enum.twin))
            elif wf.wire == "tags":
                out[wf.wire] = list(row.get("tags") or [])
            else:
                # Stored as is (a null legacy array stays null: its join rows are their own list).
                out[self._key(wf.wire)] = jsonable(row.get(wf.model))
        out["user_id"] = rename(row["owner_id"])
        out["created_by"] = rename(row["created_by"])
        out["updated_by"] = rename(row["updated_by"])
        for key in ("created_at", "updated_at", "version"):
            out[key] = jsonable(row[key])
        for column in self.extras():
            out[column] = jsonable(row[column])
        return out

    def _key(self, wire: str) -> str:
        """A bulk-API key under its database-column name, as backups spell it (contract §9.1:
        a preset's `metadata` is `preset_metadata` there, as in change rows)."""
        return self.collection.column_names.get(wire, wire)

    def _bulk_names(self, where: str, element: Mapping[str, Any]) -> Mapping[str, Any]:
        """The row with bulk-API keys. Backups of Smooth Core and of this server since 0.2.1
        spell a preset's blob `preset_metadata`; this server's 0.2.0 backups said `metadata`."""
        renamed = {column: wire for wire, column in self.collection.column_names.items() if column in element}
        if not renamed:
            return element
        for column, wire in renamed.items():
            if wire in element:
                raise InvalidBackup(f"Restore failed: {where}: both {wire!r} and {column!r}; send one")
        return {renamed.get(key, key): value for key, value in element.items()}

    def decode(self, index: int, element: Any) -> dict[str, Any]:
        """A backup row as column values, every value checked; raises InvalidBackup."""
        where = f"{self.key}[{index}]"
        if not isinstance(element, Mapping):
            raise InvalidBackup(f"Restore failed: {where}: expected an object")
        wire_fields = {wf.wire: wf for wf in self.collection.wire_fields()}
        extras = self.extras()
        known = {"id", *COMMON_KEYS, *wire_fields, *extras}
        element = self._bulk_names(where, element)
        for key in element:
            if key not in known:
                raise InvalidBackup(
                    f"Restore failed: {key!r} is an invalid keyword argument for {self.model_name} ({where})"
                )
        values: dict[str, Any] = _common(where, element)
        for wire, wf in wire_fields.items():
            if wire not in element:
                continue
            raw = element[wire]
            if wf.enum is not None:
                if raw is None:
                    continue  # the column's default
                if not isinstance(raw, str):
                    raise InvalidBackup(f"Restore failed: {where}.{wire}: expected a string")
                values[wf.model], values[wf.enum.twin] = wf.enum.to_model(raw)
            else:
                values[wf.model] = raw
        for column in extras:
            if column in element:
                values[column] = element[column]
        if "name" not in values and self.spec.derive_name is not None:
            derived = self.spec.derive_name(values)
            if derived:
                values["name"] = derived
        missing = [f.name for f in self.spec.fields if f.required and values.get(f.name) is None]
        if missing:
            raise InvalidBackup(f"Entity {self.key} missing required fields: {missing} ({where})")
        labels = {wf.model: wf.wire for wf in self.collection.wire_fields()}
        row: dict[str, Any] = {k: values[k] for k in COMMON_COLUMNS}
        for spec_field in self.spec.fields:
            label = f"{where}.{labels.get(spec_field.name, spec_field.name)}"
            value = values.get(spec_field.name, spec_field.default)
            if isinstance(value, tuple):
                value = list(value)
            try:
                row[spec_field.name] = check_value(dataclasses.replace(spec_field, label=label), value)
            except FieldError as error:
                raise InvalidBackup(f"Restore failed: {error}") from None
        if values.get("insert_seq") is not None:
            # Kept, so rows created together list in the same order after a restore; a row
            # without one (older documents, Smooth Core's) is numbered by the restore's own
            # change rows, in document order.
            try:
                row["insert_seq"] = check_int(f"{where}.insert_seq", values["insert_seq"])
            except FieldError as error:
                raise InvalidBackup(f"Restore failed: {error}") from None
        return row


def _common(where: str, element: Mapping[str, Any]) -> dict[str, Any]:
    """id, owner, authors, times and version: defaults as the legacy importer gave them."""
    now = utcnow()
    try:
        raw_id = element.get("id")
        values: dict[str, Any] = {
            "id": str(uuid.uuid4()) if raw_id is None else check_id(f"{where}.id", raw_id)
        }
        for wire, column in (
            ("user_id", "owner_id"),
            ("created_by", "created_by"),
            ("updated_by", "updated_by"),
        ):
            raw = element.get(wire)
            values[column] = None if raw is None else check_id(f"{where}.{wire}", raw)
        for key in ("created_at", "updated_at"):
            raw = element.get(key)
            values[key] = now if raw is None else check_datetime(f"{where}.{key}", raw)
        raw = element.get("version")
        values["version"] = 1 if raw is None else check_int(f"{where}.version", raw)
    except FieldError as error:
        raise InvalidBackup(f"Restore failed: {error}") from None
    if values["version"] < 1:
        raise InvalidBackup(f"Restore failed: {where}.version: must be at least 1")
    return values


ENTITY_LISTS: tuple[EntityList, ...] = tuple(
    EntityList(key, collection, SPECS[collection.entity])
    for key, collection in zip(
        ("tool_items", "tool_assemblies", "tool_instances", "tool_presets", "tool_usage", "tool_sets"),
        COLLECTIONS,
        strict=True,
    )
)


# --- the other tables: rows under their column names ------------------------------------------


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
        where = f"{self.key}[{index}]"
        if not isinstance(element, Mapping):
            raise InvalidBackup(f"Restore failed: {where}: expected an object")
        if self.from_smooth_core is not None:
            element = self.from_smooth_core(element)
        columns = {c.name: c for c in self.table.columns}
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
        row: dict[str, Any] = {}
        for name, column in columns.items():
            if name not in element:
                continue
            try:
                row[name] = _check_column(
                    f"{where}.{name}", column.type, element[name], bool(column.nullable)
                )
            except FieldError as error:
                raise InvalidBackup(f"Restore failed: {error}") from None
        for name, column in columns.items():
            if name in row or (name in self.optional and name != "version"):
                continue
            if column.nullable:
                row[name] = None
            elif column.default is not None and column.default.is_scalar:
                row[name] = column.default.arg  # type: ignore[attr-defined]
            elif name == "version":
                row[name] = 1
        return row


def _check_column(label: str, kind: TypeEngine[Any], value: Any, nullable: bool) -> Any:
    """A value for a column, by the column's type (the same checks as the write path's fields)."""
    if value is None:
        if not nullable:
            raise FieldError(label, "must not be null")
        return None
    if isinstance(kind, UTCDateTime):
        return check_datetime(label, value)
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise FieldError(label, "expected true or false")
        return value
    if isinstance(kind, Integer):  # BigInteger included
        return check_int(label, value)
    if isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise FieldError(label, "expected a finite number")
        return float(value)
    if isinstance(kind, Text):
        return check_string(label, value, 1_000_000)
    if isinstance(kind, String):
        return check_string(label, value, kind.length or 1_000_000)
    if isinstance(kind, Date):
        raise AssertionError("no plain date column outside the tool lists")  # pragma: no cover
    check_json(label, value)  # JSON columns
    return value


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
API_KEYS = TableList("api_keys", models.table_of(models.ApiKey), ("version",), (), _smooth_core_key)
ASSEMBLY_COMPONENTS = TableList("assembly_components", models.table_of(models.AssemblyComponent), ("id",))
TOOL_SET_INSTANCES = TableList("tool_set_instances", models.table_of(models.ToolSetInstance))
TOOL_SET_PRESETS = TableList("tool_set_presets", models.table_of(models.ToolSetPreset))
TOOL_SET_VERSIONS = TableList("tool_set_versions", models.table_of(models.ToolSetVersion))
AUDIT_LOG = TableList("audit_log", models.table_of(models.AuditLog), ("seq",))

# Document order: the contract's eight lists in its order, then the extension lists.
LIST_KEYS: tuple[str, ...] = (
    "users",
    *(e.key for e in ENTITY_LISTS),
    "api_keys",
    "assembly_components",
    "tool_set_instances",
    "tool_set_presets",
    "tool_set_versions",
    "audit_log",
)
JOIN_LISTS = (ASSEMBLY_COMPONENTS, TOOL_SET_INSTANCES, TOOL_SET_PRESETS)


# --- metadata -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metadata:
    version: str
    backup_type: str  # USER or ADMIN (a document without one is a full backup, as upstream)
    schema_revision: str | None
    change_log_position: int


def check_document(document: Any, known_revisions: Mapping[str, int], head: str) -> Metadata:
    """The document's envelope, in the contract's order of checks (§9.2 steps 2-3)."""
    if not isinstance(document, Mapping) or "metadata" not in document or "entities" not in document:
        raise InvalidBackup("Backup missing required keys: metadata, entities")
    meta, entities = document["metadata"], document["entities"]
    if not isinstance(meta, Mapping):
        raise InvalidBackup("metadata: expected an object")
    if not isinstance(entities, Mapping):
        raise InvalidBackup("entities: expected an object")
    version = meta.get("version")
    if version is None or version == "":
        raise InvalidBackup("Backup missing version in metadata")
    if not isinstance(version, str):
        raise InvalidBackup(f"metadata.version: expected a string such as {FORMAT_VERSION!r}")
    if version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise IncompatibleBackup(f"Incompatible backup version: {version}")
    backup_type = meta.get("backup_type", ADMIN)
    if backup_type not in (USER, ADMIN):
        raise InvalidBackup(f"metadata.backup_type: expected 'user' or 'admin', got {backup_type!r}")
    revision = meta.get("schema_revision")
    if revision is not None:
        if not isinstance(revision, str):
            raise InvalidBackup("metadata.schema_revision: expected a string")
        if revision not in known_revisions:
            raise IncompatibleBackup(
                f"the backup was written at schema revision {revision!r}, which this server does not know "
                f"(its newest is {head!r}): upgrade smooth-gql before restoring it"
            )
        if known_revisions[revision] > known_revisions[head]:  # pragma: no cover - head is newest
            raise IncompatibleBackup(f"schema revision {revision!r} is newer than this database's {head!r}")
    position = meta.get("change_log_position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise InvalidBackup("metadata.change_log_position: expected a whole number ≥ 0")
    for key, value in entities.items():
        if key in LIST_KEYS and not isinstance(value, list):
            raise InvalidBackup(f"entities.{key}: expected a list")
    return Metadata(version, str(backup_type), revision, position)
