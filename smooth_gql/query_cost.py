"""The static cost rule of a GraphQL operation: what one field costs, and how many elements a
list it selects has. `document_cost` applies it in its single walk over the document.

The rule (README, "Query cost"):

- A field that returns an object (or a list of objects) costs 1 each time it is
  resolved; a scalar or enum field costs 0 (it comes with its parent's row);
  introspection (`__schema`, `__type`, `__typename`) costs 0.
- A field is resolved once for every element of the list it sits in, so nested
  lists multiply through: a field under a list of 10 under a list of 100 costs
  1,000.
- A list's length is the page size of the field it is selected in: that field's
  `first` argument (a literal or a variable; absent: the argument's default, or
  SMOOTH_DEFAULT_PAGE_SIZE), never more than SMOOTH_MAX_PAGE_SIZE; for a bulk
  write, the number of elements of its `input`. A list anywhere else (an
  unpaged back-reference such as `instances`) counts SMOOTH_DEFAULT_PAGE_SIZE.
- A bulk write costs 1 per element of its `input` (at least 1), not 1.
- Fragments count where they are spread, as if written there.
- A subscription's cost is that of one event: its selection, resolved once per
  change it delivers.

A document that is not valid (this runs before validation) is priced as far as
it can be: a field the schema does not have costs 0 and selects nothing
priced. Validation refuses it afterwards anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    Undefined,
    ValueNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)

# Counts and costs stop growing here: past any sensible limit, and small enough to stay cheap integers.
CAP = 10**9

PAGE_ARGUMENT = "first"  # the page size of a connection, of changesSince and of auditLog
BULK_ARGUMENT = "input"  # the element list of a bulk write
_PRICED = frozenset({PAGE_ARGUMENT, BULK_ARGUMENT})


@dataclass(frozen=True)
class Pricing:
    """What the rule needs besides the document: the schema's types, the request's variables
    (with the defaults of the operation that runs filled in) and the page sizes."""

    schema: GraphQLSchema
    variables: dict[str, Any]
    default_page: int
    max_page: int

    @classmethod
    def of(
        cls,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode | None,
        variables: Mapping[str, Any] | None,
        *,
        default_page: int,
        max_page: int,
    ) -> Pricing:
        defaults: dict[str, Any] = {}
        for definition in (operation.variable_definitions or ()) if operation is not None else ():
            if definition.default_value is not None:
                defaults[definition.variable.name.value] = value_from_ast_untyped(definition.default_value)
        return cls(schema, {**defaults, **(variables or {})}, default_page, max_page)

    def root(self, operation: OperationType) -> GraphQLNamedType | None:
        return self.schema.get_root_type(operation)

    def condition(
        self, node: NamedTypeNode | None, parent: GraphQLNamedType | None
    ) -> GraphQLNamedType | None:
        """The type a fragment's selections are on: its type condition, else where it sits."""
        return parent if node is None else self.schema.get_type(node.name.value)


class CostReport(TypedDict):
    """`extensions.cost` of every GraphQL response: the operation's cost, the limit it is held
    to, and the caller's points left in the current minute after it (`services/rate_limits`;
    null when the points budget is off, the operation was refused, or it was not priced)."""

    requested: int
    limit: int
    remaining: int | None


class FieldPrice(NamedTuple):
    cost: int  # what resolving the field once costs
    selects: GraphQLNamedType | None  # the type its selections are on (None: unknown, unpriced)
    is_list: bool  # its selections are resolved once per element of the list it returns
    page: int  # the length of a list selected in it


def price(pricing: Pricing, parent: GraphQLNamedType | None, node: FieldNode) -> FieldPrice:
    """The rule for one field, arguments and variables resolved."""
    definition = _definition(parent, node.name.value)
    if definition is None:
        return FieldPrice(0, None, False, pricing.default_page)
    named = get_named_type(definition.type)
    arguments = {a.name.value: a.value for a in node.arguments or () if a.name.value in _PRICED}
    if BULK_ARGUMENT in arguments:
        elements = _elements(value_from_ast_untyped(arguments[BULK_ARGUMENT], pricing.variables))
        cost, page = max(1, elements), elements
    else:
        cost, page = int(is_composite_type(named)), _page(pricing, definition, arguments.get(PAGE_ARGUMENT))
    is_list = is_list_type(get_nullable_type(definition.type))
    return FieldPrice(cost, named, is_list, page)


def _definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None  # a union selects only fragments and __typename; scalars select nothing


def _page(pricing: Pricing, definition: GraphQLField, node: ValueNode | None) -> int:
    """A page's size: `first` as given, else its default, else the server's default page size;
    within [0, SMOOTH_MAX_PAGE_SIZE] (a larger `first` is refused when the page is read)."""
    argument = definition.args.get(PAGE_ARGUMENT)
    if argument is None:
        return pricing.default_page
    given = Undefined if node is None else value_from_ast_untyped(node, pricing.variables)
    if given is Undefined:  # not written, or a variable without a value
        given = argument.default_value
    if not isinstance(given, int) or isinstance(given, bool):
        return pricing.default_page  # absent, null, or not a number (validation refuses that)
    return max(0, min(given, pricing.max_page))


def _elements(value: Any) -> int:
    """Elements of a bulk write's input: a single object stands for a list of one (GraphQL's
    input coercion), null for none."""
    if isinstance(value, list):
        return min(CAP, len(value))
    return 0 if value is None or value is Undefined else 1
