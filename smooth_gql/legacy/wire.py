"""How one legacy collection looks on the wire, and the two mappings wire ⇄ model.

A `Collection` is data: its path, its entity, its wire fields (each naming the
model field it carries), its list filters and its legacy messages. The route
handlers, the request models, the OpenAPI document and the error messages are
all derived from it, so the six collections share one code path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from ..enums import EntityType
from ..services.entities import SPECS
from ..services.entity_spec import Join

Row = Mapping[str, Any]


@dataclass(frozen=True)
class WireEnum:
    """A legacy free-text enumeration over a model enum and its verbatim twin.

    The documented lower-case values (and the seed's upper-case ones) map onto
    the enum; any other text is stored verbatim in `twin` beside `fallback`,
    and echoed back unchanged (contract §0.1 item 11).
    """

    enum: type[StrEnum]
    twin: str
    fallback: str = "OTHER"

    def to_model(self, text: str) -> tuple[str, str | None]:
        member = self.enum.__members__.get(text.upper())
        if member is not None:
            return member.value, None
        return self.fallback, text

    def to_wire(self, value: str | None, twin: str | None) -> str | None:
        if twin is not None:
            return twin
        return None if value is None else value.lower()


@dataclass(frozen=True)
class WireField:
    """One legacy JSON key: its request type and the model field that stores it."""

    wire: str
    annotation: Any  # the pydantic type of a non-null value
    model: str
    enum: WireEnum | None = None


@dataclass(frozen=True)
class DerivedArray:
    """A verbatim legacy array the row may lack (written through GraphQL): built from a join."""

    wire: str
    join: Join
    element: Callable[[Row], dict[str, Any]]


@dataclass(frozen=True)
class Collection:
    path: str  # e.g. "tool-items"
    entity: EntityType
    fields: tuple[WireField, ...]
    not_found: str  # per-item message for update/delete of a missing or foreign row
    required: tuple[str, ...]  # model fields a legacy create must carry, in the order checked
    filters: Mapping[str, str] = field(default_factory=dict)  # query parameter -> wire field
    tagged: bool = True
    single_get: bool = True
    # Wire keys where "" means absent on create (enumerations always: legacy checks truthiness).
    drop_empty_on_create: tuple[str, ...] = ()
    derived_array: DerivedArray | None = None
    # The database-column shape of change rows (contract §8.3; backups, §9.1, use the same
    # names): columns the bulk API does not carry, and bulk keys named otherwise there.
    column_extras: tuple[WireField, ...] = ()
    column_names: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def wire_plan(self) -> WirePlan:
        return _plan(self)

    @property
    def title(self) -> str:
        return "".join(part.capitalize() for part in self.path.split("-"))

    def wire_fields(self) -> tuple[WireField, ...]:
        if not self.tagged:
            return self.fields
        return (*self.fields, WireField("tags", list[str], "tags"))

    def field_for_label(self) -> dict[str, str]:
        """Service labels (camelCase, as in its messages) -> the legacy key clients know."""
        spec = SPECS[self.entity]
        labels: dict[str, str] = {"expectedVersion": "version", "id": "id"}
        for wf in self.wire_fields():
            for model in (wf.model, wf.enum.twin if wf.enum else None):
                known = spec.field(model) if model else None
                if known is not None:
                    labels[known.label] = wf.wire
            if wf.model == "legacy_components":
                labels["components"] = wf.wire
        return labels


COMMON_KEYS = ("user_id", "created_by", "updated_by", "created_at", "updated_at", "version")


def to_model(collection: Collection, element: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """A parsed legacy element as the service's input: absent and null leave a field alone."""
    values: dict[str, Any] = {}
    for wf in collection.wire_fields():
        raw = element.get(wf.wire)
        if raw is None:
            continue
        if creating and raw == "" and (wf.enum is not None or wf.wire in collection.drop_empty_on_create):
            continue
        if wf.enum is not None:
            values[wf.model], values[wf.enum.twin] = wf.enum.to_model(raw)
        else:
            values[wf.model] = raw
    derive = SPECS[collection.entity].derive_name
    if creating and derive is not None:
        name = derive(values)
        if name:
            values["name"] = name
    return values


@dataclass(frozen=True)
class WirePlan:
    """`to_wire`'s walk over the collection table, done once per collection instead of per row.

    Every legacy key, in the legacy order, with the model field it comes from;
    most values go out as stored (times too: json_codec writes them as ISO text
    with their offset), and the plan names the few that are converted.
    """

    fields: tuple[str, ...]  # the model fields read, for a read that fetches only those
    sources: tuple[tuple[str, str], ...]  # key <- field, every key in the legacy order
    enums: tuple[tuple[str, WireEnum], ...]  # keys whose field has a verbatim twin
    derived: str | None  # the key of an array that, not stored, is built from the join
    tagged: bool


# Where the keys every row carries (COMMON_KEYS) come from.
_COMMON_SOURCES = {
    "user_id": "owner_id",
    "created_by": "created_by",
    "updated_by": "updated_by",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "version": "version",
}


def _plan(collection: Collection) -> WirePlan:
    sources = [("id", "id")]
    enums: list[tuple[str, WireEnum]] = []
    derived = None
    read: list[str] = ["id", *_COMMON_SOURCES.values()]
    for wf in collection.fields:
        sources.append((wf.wire, wf.model))
        read.append(wf.model)
        if wf.enum is not None:
            enums.append((wf.wire, wf.enum))
            read.append(wf.enum.twin)
        elif collection.derived_array is not None and collection.derived_array.wire == wf.wire:
            derived = wf.wire
    if collection.tagged:
        sources.append(("tags", "tags"))
        read.append("tags")
    sources.extend(_COMMON_SOURCES.items())
    return WirePlan(
        fields=tuple(read),
        sources=tuple(sources),
        enums=tuple(enums),
        derived=derived,
        tagged=collection.tagged,
    )


def to_wire(
    collection: Collection, row: Row, derived: Sequence[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A stored row in the legacy shape, keys in the legacy order (absent values null)."""
    plan = collection.wire_plan
    get = row.get
    out = {key: get(name) for key, name in plan.sources}
    for key, enum in plan.enums:
        out[key] = enum.to_wire(out[key], get(enum.twin))
    if plan.derived is not None and out[plan.derived] is None:
        out[plan.derived] = list(derived or [])
    if plan.tagged and out["tags"] is None:
        out["tags"] = []
    return out


def to_columns(
    collection: Collection, row: Row, derived: Sequence[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A stored row in the legacy database-column shape (change rows, §8.3): the bulk shape
    with its renames (`metadata` is `preset_metadata` there) and the extra columns."""
    out: dict[str, Any] = {}
    for key, value in to_wire(collection, row, derived).items():
        if key == "user_id":
            out.update({wf.wire: row.get(wf.model) for wf in collection.column_extras})
        out[collection.column_names.get(key, key)] = value
    return out


def needs_derived(collection: Collection, rows: Sequence[Row]) -> list[str]:
    """Ids of rows whose legacy array must be built from the join (written without one)."""
    arr = collection.derived_array
    if arr is None:
        return []
    model = next(wf.model for wf in collection.fields if wf.wire == arr.wire)
    return [row["id"] for row in rows if row.get(model) is None]
