"""What an entity is made of, as data: fields, references, relations, and its own rules.

The write path (services/write_pipeline.py) is generic; whatever is particular to
one entity is declared on its `EntitySpec` as a hook and called from there, so a
rule like "a usage record takes its machine from its preset" lives with the
entity (services/entities.py), not inside the code every write runs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table

from ..enums import EntityType
from ..errors import FieldError
from .fields import MAX_LIST_ENTRIES, Field

Row = dict[str, Any]
# Rows an element references, loaded once per batch: entity -> id -> row.
Targets = Mapping[EntityType, Mapping[str, Mapping[str, Any]]]
# (row being written, the fields its element sent, the rows it references)
DeriveHook = Callable[[Row, Collection[str], Targets], None]


@dataclass(frozen=True)
class Ref:
    """A foreign-key column naming another entity of the same owner."""

    column: str
    label: str
    target: EntityType


@dataclass(frozen=True)
class Join:
    """A list input stored as rows of a join table (assembly components, tool-set members)."""

    name: str  # input key
    label: str
    table: Table
    parent_column: str
    ref_column: str
    target: EntityType
    parse: Callable[[str, int, Any], dict[str, Any]]  # (label, position, element) -> row
    ref_label: str = ""  # how an element's id is named in errors, after "label[i]"
    # May a row be listed twice? A tool set holds a preset once; an assembly may use
    # two identical inserts.
    unique: bool = True


@dataclass(frozen=True)
class LegacyLink:
    """A verbatim legacy array whose elements also become join rows where their ids resolve.

    Legacy clients write free-form `components` / `members` arrays with ids that
    may be placeholders ("tool-1"). The array is stored as written; every
    element that names one of the owner's rows is linked through `join` as
    well, and the rest are simply not linked (no error). An input that names
    `join` itself wins over the derived links.
    """

    source: str  # the field holding the verbatim array
    join: str  # the Join it feeds
    candidates: Callable[[list[Any]], list[Any]]  # array -> join input elements, before parsing


@dataclass(frozen=True)
class EntitySpec:
    type: EntityType
    table: Table
    fields: tuple[Field, ...]
    refs: tuple[Ref, ...] = ()
    joins: tuple[Join, ...] = ()
    # Enum columns whose legacy free-text twin must be cleared when the enum changes.
    legacy_twins: Mapping[str, str] = field(default_factory=dict)
    keeps_history: bool = False
    legacy_links: tuple[LegacyLink, ...] = ()
    # The name of a row written without one (legacy clients never send names, contract §16),
    # made from its other fields; see `name_after_update`.
    derive_name: Callable[[Mapping[str, Any]], str | None] | None = None
    # Hook: a create's input with its shorthand spelled out, before it is parsed.
    expand_create: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    # Hook: fill in (or refuse) values that follow from the rows an element references,
    # once they are loaded; raises FieldError. Creates pass every field as sent.
    derive_from_references: DeriveHook | None = None

    @property
    def name(self) -> str:
        return self.type.value

    def join(self, name: str) -> Join:
        """The relation called `name` (its input key): relations are named, never picked by position."""
        for join in self.joins:
            if join.name == name:
                return join
        raise KeyError(f"{self.name} has no relation {name!r}")

    def field(self, name: str) -> Field | None:
        return self._by_name.get(name)

    @property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}


def name_after_update(
    spec: EntitySpec, before: Mapping[str, Any], after: dict[str, Any], sent: Collection[str]
) -> None:
    """A derived name follows the fields it was derived from.

    While a row's name is still exactly what `derive_name` makes of it (a legacy
    preset's `T3`, an item's description), the name was never chosen: an update
    that changes those fields without sending a name re-derives it, through either
    door. A name that differs was chosen by someone and is kept.
    """
    derive = spec.derive_name
    if derive is None or "name" in sent:
        return
    if before.get("name") != derive(before):
        return
    renamed = derive(after)
    if renamed:
        after["name"] = renamed


def proposed_links(spec: EntitySpec, item: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Join rows the verbatim legacy arrays of `item` propose (see LegacyLink); elements
    that cannot be parsed are not linked. An item that names the join itself wins."""
    links: dict[str, list[dict[str, Any]]] = {}
    for link in spec.legacy_links:
        if link.source not in item or link.join in item:
            continue
        array = item[link.source]
        join = spec.join(link.join)
        rows: list[dict[str, Any]] = []
        for element in link.candidates(array if isinstance(array, list) else [])[:MAX_LIST_ENTRIES]:
            try:
                rows.append(join.parse(join.label, len(rows), element))
            except FieldError:
                continue
        links[link.join] = rows
    return links


def kept_links(
    spec: EntitySpec,
    proposed: Mapping[str, list[dict[str, Any]]],
    resolves: Callable[[EntityType, str], bool],
) -> dict[str, list[dict[str, Any]]]:
    """The proposed links whose ids `resolves` (the owner's rows), each once where a join's
    links are unique (tool-set members, renumbered), every one for assembly components."""
    kept_by_join: dict[str, list[dict[str, Any]]] = {}
    for name, rows in proposed.items():
        join = spec.join(name)
        kept: list[dict[str, Any]] = []
        seen: set[str] = set()
        for row in rows:
            if not resolves(join.target, row[join.ref_column]):
                continue
            if join.unique:
                if row[join.ref_column] in seen:
                    continue
                seen.add(row[join.ref_column])
                row = {**row, "position": len(kept)}
            kept.append(row)
        kept_by_join[name] = kept
    return kept_by_join
