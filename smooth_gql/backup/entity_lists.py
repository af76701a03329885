"""The six tool lists of a backup: the legacy wire shape plus the columns it lacks.

The tool lists use the legacy wire shape of `legacy/collections.py` (the same
table the REST skin renders with), plus, under their column names, the model
columns the legacy wire has no key for (a tool item's `name`, `tool_type`, ...).
Decoding checks every value with the same field rules the write path uses, so
a document can only store what an API write could; every message starts with
the contract's `Validation error: ` and names the list, the row and the key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from ..legacy.collections import COLLECTIONS
from ..legacy.wire import COMMON_KEYS, Collection, WireField
from ..services.entities import SPECS
from ..services.entity_spec import EntitySpec
from ..services.fields import check_int, check_value
from .errors import InvalidBackup
from .values import AUTHOR_KEYS, COMMON_COLUMNS, common_values, jsonable, restore_failed


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
        for wire, column in AUTHOR_KEYS:
            out[wire] = rename(row[column])
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
        element = self._bulk_names(where, element)
        self._refuse_unknown_keys(where, element)
        values = self._values(where, element)
        missing = [f.name for f in self.spec.fields if f.required and values.get(f.name) is None]
        if missing:
            raise InvalidBackup(f"Entity {self.key} missing required fields: {missing} ({where})")
        row = self._checked(where, values)
        if values.get("insert_seq") is not None:
            # Kept, so rows created together list in the same order after a restore; a row
            # without one (older documents, Smooth Core's) is numbered by the restore's own
            # change rows, in document order.
            with restore_failed():
                row["insert_seq"] = check_int(f"{where}.insert_seq", values["insert_seq"])
        return row

    def _refuse_unknown_keys(self, where: str, element: Mapping[str, Any]) -> None:
        known = {"id", *COMMON_KEYS, *(wf.wire for wf in self.collection.wire_fields()), *self.extras()}
        for key in element:
            if key not in known:
                raise InvalidBackup(
                    f"Restore failed: {key!r} is an invalid keyword argument for {self.model_name} ({where})"
                )

    def _values(self, where: str, element: Mapping[str, Any]) -> dict[str, Any]:
        """The row's values by column, unchecked but for the common ones and the enums."""
        values = common_values(where, element)
        for wf in self.collection.wire_fields():
            if wf.wire in element:
                values.update(_wire_value(where, wf, element[wf.wire]))
        for column in self.extras():
            if column in element:
                values[column] = element[column]
        if "name" not in values and self.spec.derive_name is not None:
            derived = self.spec.derive_name(values)
            if derived:
                values["name"] = derived
        return values

    def _checked(self, where: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The row to insert: every field of the spec checked by the write path's rule."""
        labels = {wf.model: wf.wire for wf in self.collection.wire_fields()}
        row: dict[str, Any] = {k: values[k] for k in COMMON_COLUMNS}
        for spec_field in self.spec.fields:
            label = f"{where}.{labels.get(spec_field.name, spec_field.name)}"
            value = values.get(spec_field.name, spec_field.default)
            if isinstance(value, tuple):
                value = list(value)
            with restore_failed():
                row[spec_field.name] = check_value(dataclasses.replace(spec_field, label=label), value)
        return row


def _wire_value(where: str, wf: WireField, raw: Any) -> dict[str, Any]:
    """The column values one wire key carries: an enum fills the enum and its verbatim twin."""
    if wf.enum is None:
        return {wf.model: raw}
    if raw is None:
        return {}  # the column's default
    if not isinstance(raw, str):
        raise InvalidBackup(f"Restore failed: {where}.{wf.wire}: expected a string")
    model, twin = wf.enum.to_model(raw)
    return {wf.model: model, wf.enum.twin: twin}


ENTITY_LISTS: tuple[EntityList, ...] = tuple(
    EntityList(key, collection, SPECS[collection.entity])
    for key, collection in zip(
        ("tool_items", "tool_assemblies", "tool_instances", "tool_presets", "tool_usage", "tool_sets"),
        COLLECTIONS,
        strict=True,
    )
)
BY_ENTITY_KEY: Mapping[str, EntityList] = {el.key: el for el in ENTITY_LISTS}
