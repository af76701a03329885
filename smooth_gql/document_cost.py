"""What a GraphQL document would cost, measured in one pass linear in its size.

Fields, depth and aliases are counted with fragments expanded — a fragment
spread three times counts three times — because that is what execution (and
much of validation) does. Expanding by walking every spread again, as
Strawberry's depth and alias limiters do, takes time exponential in the
document: `{...F0} fragment F0 on Query {...F1 ...F1 ...F1} …` to F14 is
1 KB and walks 3^14 spreads (13 s on one event loop, every other request
waiting). Here each fragment is measured once and its figures reused at every
spread, so the cost is linear in the document whatever it expands to.

Given the schema and the request's variables (`Pricing`), the same walk prices
each operation by the static cost rule of `query_cost`: a fragment is priced
once, and charged at each spread by how many times it is resolved there.

This runs before graphql-core's validation, so nothing here may assume the
document is valid: an unknown fragment counts as nothing, and a fragment cycle
(`NoFragmentCycles` reports it later) is cut where it closes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from .query_cost import CAP, Pricing, price


@dataclass(frozen=True)
class OperationCost:
    name: str  # the operation's name, or "anonymous"
    fields: int  # fields it would resolve, fragments expanded (at most CAP)
    depth: int  # nesting of fields with a selection, introspection fields left out
    aliases: int  # aliased fields, fragments expanded (at most CAP)
    cost: int = 0  # the static cost of `query_cost` (at most CAP); 0 when not priced


class _Spread(NamedTuple):
    """A priced fragment spread: resolved `instances` times, where a list gets `page` elements
    (None at the top of a fragment: the page of wherever that fragment is spread)."""

    name: str
    instances: int
    page: int | None
    scaled: bool  # `instances` is to be multiplied by the page of wherever the fragment is spread


@dataclass
class _Own:
    """What one definition holds itself, and where it spreads which fragments."""

    fields: int = 0
    aliases: int = 0
    depth: int = 0
    spreads: Counter[str] = field(default_factory=Counter)  # fragment name -> times spread
    spread_depth: dict[str, int] = field(default_factory=dict)  # fragment name -> deepest spread
    cost: int = 0  # the definition's own cost
    per_page: int = 0  # cost to multiply by the page of wherever a fragment is spread
    priced: list[_Spread] = field(default_factory=list)

    def charge(self, amount: int, scaled: bool) -> None:
        if scaled:
            self.per_page = min(CAP, self.per_page + amount)
        else:
            self.cost = min(CAP, self.cost + amount)


@dataclass(frozen=True)
class _Total:
    fields: int
    aliases: int
    depth: int
    cost: int = 0
    per_page: int = 0


_NOTHING = _Total(0, 0, 0)


class _Place(NamedTuple):
    """A selection set on the walk's stack, and what its fields are resolved under."""

    selections: SelectionSetNode
    depth: int  # of the fields around it
    ignored: bool  # inside an introspection field: no depth, no cost
    parent: GraphQLNamedType | None  # the type its selections are on (None: unknown or unpriced)
    instances: int  # times it is resolved
    page: int | None  # the length of a list selected here (None: see _Spread)
    scaled: bool


def _measure(selection_set: SelectionSetNode, root: _Place | None, pricing: Pricing | None) -> _Own:
    """One walk over a definition's own nodes (no spread followed), without recursion:
    a document may nest as deep as its token limit allows. `root` places it for pricing."""
    own = _Own()
    stack = [root or _Place(selection_set, 0, False, None, 1, None, False)]
    while stack:
        place = stack.pop()
        for selection in place.selections.selections:
            if isinstance(selection, FieldNode):
                _field(own, place, selection, pricing, stack)
            elif isinstance(selection, InlineFragmentNode):
                parent = pricing.condition(selection.type_condition, place.parent) if pricing else None
                stack.append(place._replace(selections=selection.selection_set, parent=parent))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                own.spreads[name] += 1
                if not place.ignored:
                    own.spread_depth[name] = max(own.spread_depth.get(name, 0), place.depth)
                    own.priced.append(_Spread(name, place.instances, place.page, place.scaled))
    return own


def _field(own: _Own, place: _Place, node: FieldNode, pricing: Pricing | None, stack: list[_Place]) -> None:
    own.fields += 1
    own.aliases += node.alias is not None
    # Depth as Strawberry's limiter defines it: introspection (`__schema`, …) is free; so is its cost.
    skip = place.ignored or node.name.value.startswith("__")
    priced = None if skip or pricing is None else price(pricing, place.parent, node)
    if priced is not None:
        own.charge(min(CAP, place.instances * priced.cost), place.scaled)
    if node.selection_set is None:
        return
    if not skip:
        own.depth = max(own.depth, place.depth + 1)
    child = _Place(node.selection_set, place.depth if skip else place.depth + 1, skip, None, 1, None, False)
    if priced is not None:
        # Selected in a list, a field's selections are resolved once per element: the page of the
        # place it sits in, or, at the top of a fragment, of wherever the fragment is spread.
        length = (1 if place.page is None else place.page) if priced.is_list else 1
        scaled = place.scaled or (priced.is_list and place.page is None)
        instances = min(CAP, place.instances * length)
        child = child._replace(parent=priced.selects, instances=instances, page=priced.page, scaled=scaled)
    stack.append(child)


def _combine(own: _Own, totals: dict[str, _Total]) -> _Total:
    fields, aliases, depth = own.fields, own.aliases, own.depth
    for name, times in own.spreads.items():
        total = totals.get(name, _NOTHING)
        fields = min(CAP, fields + times * total.fields)
        aliases = min(CAP, aliases + times * total.aliases)
    for name, at in own.spread_depth.items():
        depth = max(depth, at + totals.get(name, _NOTHING).depth)
    priced = _Own(cost=own.cost, per_page=own.per_page)
    for spread in own.priced:
        total = totals.get(spread.name, _NOTHING)
        if spread.page is None:  # at the top of a fragment: its page is the spread's, later
            priced.charge(spread.instances * total.cost, spread.scaled)
            priced.charge(spread.instances * total.per_page, True)
        else:
            priced.charge(spread.instances * (total.cost + total.per_page * spread.page), spread.scaled)
    return _Total(fields, aliases, depth, priced.cost, priced.per_page)


def dependency_order(spreads: Mapping[str, Iterable[str]]) -> list[str]:
    """Fragment names, each after the fragments it spreads (an explicit stack, not recursion:
    a chain of fragments may be as long as the token limit allows).

    A spread that closes a cycle is cut; which one depends on where the walk
    entered, which is fine: such a document is refused by validation anyway,
    and here it only must not loop. Spreads of unknown fragments are ignored.
    """
    order: list[str] = []
    done: set[str] = set()
    open_: set[str] = set()
    for start in spreads:
        if start in done:
            continue
        # (fragment, the fragments it spreads still to look at): each spread is looked at once.
        stack = [(start, iter(spreads[start]))]
        open_.add(start)
        while stack:
            name, pending = stack[-1]
            waiting = next((d for d in pending if d in spreads and d not in done and d not in open_), None)
            if waiting is not None:
                open_.add(waiting)
                stack.append((waiting, iter(spreads[waiting])))
                continue
            stack.pop()
            open_.discard(name)
            done.add(name)
            order.append(name)
    return order


@dataclass(frozen=True)
class DocumentCost:
    operations: list[OperationCost]
    fragments: list[OperationCost]  # each fragment on its own, as if it were an operation
    ordered_fragments: list[FragmentDefinitionNode]  # dependencies first, for `field_merges`


def document_cost(document: DocumentNode, pricing: Pricing | None = None) -> DocumentCost:
    """The cost of every operation in `document` (all of them are validated, not only the one run)
    and of every fragment (validated too, even one no operation uses); priced by the rule of
    `query_cost` when `pricing` is given, in the same walk."""
    fragments: dict[str, _Own] = {}
    nodes: dict[str, FragmentDefinitionNode] = {}
    operations: list[tuple[str, _Own]] = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            name = definition.name.value
            if name not in fragments:
                on = pricing.condition(definition.type_condition, None) if pricing else None
                top = _Place(definition.selection_set, 0, False, on, 1, None, False)
                fragments[name] = _measure(definition.selection_set, top, pricing)
                nodes[name] = definition
        elif isinstance(definition, OperationDefinitionNode):
            name = definition.name.value if definition.name else "anonymous"
            root = pricing.root(definition.operation) if pricing else None
            page = pricing.default_page if pricing else None
            top = _Place(definition.selection_set, 0, False, root, 1, page, False)
            operations.append((name, _measure(definition.selection_set, top, pricing)))
    order = dependency_order({name: own.spreads for name, own in fragments.items()})
    totals: dict[str, _Total] = {}
    for name in order:
        totals[name] = _combine(fragments[name], totals)
    costs = []
    for name, own in operations:
        total = _combine(own, totals)
        costs.append(OperationCost(name, total.fields, total.depth, total.aliases, total.cost))
    parts = [OperationCost(name, t.fields, t.depth, t.aliases) for name, t in totals.items()]
    return DocumentCost(costs, parts, [nodes[name] for name in order])


Path = tuple[str, ...]
# A spread is heavier than a field: graphql-core compares two fragments' field maps as a whole
# (measured: about ten field pairs' worth).
SPREAD_WEIGHT = 10


@dataclass
class _Paths:
    """Where a definition's fields and fragment spreads land, fragments expanded: response
    paths from the definition's root, with how many fields (spreads) land on each."""

    fields: Counter[Path] = field(default_factory=Counter)
    spreads: Counter[Path] = field(default_factory=Counter)

    def walk(self, selection_set: SelectionSetNode, prefix: Path, fragments: Mapping[str, _Paths]) -> None:
        # Recursion is fine: graphql-core's parser refuses a definition nested deeper than 200.
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                path = (*prefix, (selection.alias or selection.name).value)
                self.fields[path] += 1
                if selection.selection_set is not None:
                    self.walk(selection.selection_set, path, fragments)
            elif isinstance(selection, InlineFragmentNode):
                self.walk(selection.selection_set, prefix, fragments)
            elif isinstance(selection, FragmentSpreadNode):
                self.spreads[prefix] += 1
                spread = fragments.get(selection.name.value)
                if spread is not None:
                    for path, times in spread.fields.items():
                        self.fields[prefix + path] += times
                    for path, times in spread.spreads.items():
                        self.spreads[prefix + path] += times

    def merges(self) -> int:
        pairs = sum(n * (n - 1) // 2 for n in self.fields.values())
        return pairs + SPREAD_WEIGHT * sum(n * (n - 1) // 2 for n in self.spreads.values())


def field_merges(document: DocumentNode, fragments: list[FragmentDefinitionNode], max_path_steps: int) -> int:
    """What graphql-core's `OverlappingFieldsCanBeMerged` will do: compare every two fields
    that land on the same response path, and every two fragments spread at the same place.

    That rule is quadratic: 300 copies of `toolItems { totalCount }` (1,200 tokens,
    600 fields) take it 0.35 s. Counting the pairs it compares bounds its time
    before it runs (it memoizes some pairs, so this is an upper bound). Only for
    a document whose every definition is within the field limit: each map then
    has at most that many paths. Past `max_path_steps` (the paths' lengths
    summed over all definitions: many definitions expanding large or deep
    fragments), counting would itself take too long: CAP then. `fragments` must
    come dependencies first.
    """
    maps: dict[str, _Paths] = {}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    total = paths_seen = 0
    for definition in [*fragments, *operations]:
        paths = _Paths()
        paths.walk(definition.selection_set, (), maps)
        if isinstance(definition, FragmentDefinitionNode):
            maps[definition.name.value] = paths
        total += paths.merges()
        paths_seen += sum(map(len, paths.fields)) + sum(map(len, paths.spreads))
        if paths_seen > max_path_steps:
            return CAP
    return min(CAP, total)
