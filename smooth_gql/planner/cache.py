"""Plans kept per operation, beside the parse and validation caches, and bounded like them.

A plan is keyed by the document's text, the operation's place in it and the values of the
variables that `@skip`/`@include` read: those are all a plan depends on (the other variables
reach only arguments, which are coerced per request). An operation the plan cannot express is
kept too, as None, so that it is not tried again on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    DirectiveNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)

from .plan import Leaves, ObjectPlan

SWITCHES = frozenset({"skip", "include"})
_VARIANTS = 16  # plans kept per operation, one per combination of its @skip/@include values


@dataclass(slots=True)
class _Entry:
    switches: tuple[str, ...]  # the variables @skip/@include read, in the document
    plans: dict[tuple[Any, ...], ObjectPlan | None] = field(default_factory=dict)


class PlanCache:
    """A least-recently-used map of operations to their plans."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.leaves: Leaves = {}  # leaf type plans, shared by all the plans of the schema
        self._entries: OrderedDict[tuple[str, int], _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(
        self,
        operation: OperationDefinitionNode,
        fragments: Iterable[FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> tuple[Any, bool]:
        """(key, found) — the plan or None when found, else the key to `store` the plan under."""
        loc = operation.loc
        if loc is None:  # a document parsed without locations has no text to key it by
            return None, False
        document_key = (loc.source.body, loc.start)
        entry = self._entries.get(document_key)
        if entry is None:
            entry = _Entry(_switch_variables((operation, *fragments)))
            self._entries[document_key] = entry
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(document_key)
        values = tuple(variables.get(name) for name in entry.switches)
        if values in entry.plans:
            return entry.plans[values], True
        return (entry, values), False

    @staticmethod
    def store(key: Any, plan: ObjectPlan | None) -> None:
        if key is None:
            return
        entry, values = key
        if len(entry.plans) >= _VARIANTS:
            entry.plans.pop(next(iter(entry.plans)))
        entry.plans[values] = plan


def _switch_variables(nodes: Iterable[Node]) -> tuple[str, ...]:
    """The variables that `@skip`/`@include` read in the operation and the document's fragments;
    reading a few more than the operation needs only splits the cache a little more."""
    names: set[str] = set()

    class Switches(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            if node.name.value in SWITCHES:
                names.update(
                    argument.value.name.value
                    for argument in node.arguments or ()
                    if isinstance(argument.value, VariableNode)
                )

    for node in nodes:
        visit(node, Switches())
    return tuple(sorted(names))


_CACHES: WeakKeyDictionary[GraphQLSchema, dict[int, PlanCache]] = WeakKeyDictionary()


def plan_cache(schema: GraphQLSchema, size: int) -> PlanCache:
    """The process's cache for a schema and a size (the schema is built once per process)."""
    by_size = _CACHES.setdefault(schema, {})
    cache = by_size.get(size)
    if cache is None:
        cache = by_size[size] = PlanCache(size)
    return cache
