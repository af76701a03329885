"""Variables coerced by precomputed coercers: graphql-core's `coerce_input_value`, worked out
once per input type instead of once per value.

graphql-core walks the type of a variable for every value it coerces: for every field of
every element it asks what kind of type it has, looks up the field, its default, whether it
is required. A bulk write of 1,000 elements with 14 fields each asks that 14,000 times. A
coercer here is built once per type (kept by the schema's plan cache) and only runs the
checks: the same checks, in the same order, giving the same values.

It never reports an error itself. A value it cannot coerce (or one it is not sure of) makes
it return Undefined, and graphql-core then coerces that variable as it always does, so a bad
variable gets graphql-core's own errors, word for word. Only variables of a list of input
objects are taken (`[XInput!]!` and its nullable forms): that is where the time is, and it
bounds the coercers kept to four per input type whatever the documents sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
    is_leaf_type,
)
from graphql.pyutils import Undefined, is_iterable
from graphql.type import is_required_input_field
from graphql.utilities.coerce_input_value import coerce_default_value

Coercer = Callable[[Any], Any]  # a raw value to graphql-core's coerced value, or Undefined


class Coercers:
    """The coercers of one schema, by the printed type of a variable (`[ToolItemCreateInput!]!`);
    None for a type that is left to graphql-core (a recursive input type, a @oneOf one)."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._by_type: dict[str, Coercer | None] = {}

    def for_variable(self, type_node: TypeNode) -> Coercer | None:
        named = _list_of_named(type_node)
        if named is None:
            return None
        key = _printed(type_node)
        if key in self._by_type:
            return self._by_type[key]
        input_type = self.schema.get_type(named)
        coercer = None
        if isinstance(input_type, GraphQLInputObjectType) and not _recursive(input_type, set()):
            coercer = _coercer(_wrapped(type_node, input_type), {})
        self._by_type[key] = coercer
        return coercer

    def coerce(self, operation: OperationDefinitionNode, raw: dict[str, Any]) -> dict[str, Any]:
        """The variables of `operation` this could coerce, by name, with their coerced values."""
        coerced: dict[str, Any] = {}
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            value = raw.get(name, Undefined)
            if value is Undefined or value is None:
                continue  # a default or a null: graphql-core's, and cheap
            coercer = self.for_variable(definition.type)
            if coercer is None:
                continue
            result = coercer(value)
            if result is not Undefined:
                coerced[name] = result
        return coerced


def _list_of_named(type_node: TypeNode) -> str | None:
    """The named type of `[X]`, `[X!]`, `[X]!` or `[X!]!`; None for any other shape."""
    if isinstance(type_node, NonNullTypeNode):
        type_node = type_node.type
    if not isinstance(type_node, ListTypeNode):
        return None
    item = type_node.type
    if isinstance(item, NonNullTypeNode):
        item = item.type
    return item.name.value if isinstance(item, NamedTypeNode) else None


def _printed(type_node: TypeNode) -> str:
    if isinstance(type_node, NonNullTypeNode):
        return _printed(type_node.type) + "!"
    if isinstance(type_node, ListTypeNode):
        return f"[{_printed(type_node.type)}]"
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def _wrapped(type_node: TypeNode, named: GraphQLInputObjectType) -> GraphQLInputType:
    if isinstance(type_node, NonNullTypeNode):
        return GraphQLNonNull(_wrapped(type_node.type, named))  # type: ignore[arg-type]
    if isinstance(type_node, ListTypeNode):
        return GraphQLList(_wrapped(type_node.type, named))
    return named


def _recursive(input_type: GraphQLInputObjectType, seen: set[str]) -> bool:
    """Whether the type holds itself, or is a @oneOf type, at any depth: graphql-core bounds
    the nesting of those by the value (`input_is_nested_too_deeply`), which this does not
    repeat; such types are left to graphql-core."""
    if input_type.name in seen or input_type.is_one_of:
        return True
    seen = seen | {input_type.name}
    for field in input_type.fields.values():
        named = field.type
        while isinstance(named, GraphQLNonNull | GraphQLList):
            named = named.of_type
        if isinstance(named, GraphQLInputObjectType) and _recursive(named, seen):
            return True
    return False


def _coercer(input_type: GraphQLInputType, memo: dict[str, Coercer]) -> Coercer:
    """`coerce_input_value(value, input_type)`, with the type's questions answered now."""
    non_null = isinstance(input_type, GraphQLNonNull)
    named = input_type.of_type if isinstance(input_type, GraphQLNonNull) else input_type
    missing = Undefined if non_null else None  # what null gives: a refusal, or null
    if named is GraphQLString:  # most fields: a text taken as it is, in one call
        parse = _leaf_coercer(named)
        return lambda value: (
            value if type(value) is str else missing if value is None or value is Undefined else parse(value)
        )
    inner = _non_null_coercer(named, memo)
    return lambda value: missing if value is None or value is Undefined else inner(value)


def _non_null_coercer(input_type: GraphQLInputType, memo: dict[str, Coercer]) -> Coercer:
    if isinstance(input_type, GraphQLList):
        return _list_coercer(_coercer(input_type.of_type, memo))
    if isinstance(input_type, GraphQLInputObjectType):
        found = memo.get(input_type.name)
        if found is None:
            found = memo[input_type.name] = _object_coercer(input_type, memo)
        return found
    assert is_leaf_type(input_type)
    return _leaf_coercer(input_type)  # type: ignore[arg-type]


def _list_coercer(item: Coercer) -> Coercer:
    def coerce(value: Any) -> Any:
        if not is_iterable(value):  # a lone value is a list of one
            coerced = item(value)
            return Undefined if coerced is Undefined else [coerced]
        items = []
        for element in value:
            coerced = item(element)
            if coerced is Undefined:
                return Undefined
            items.append(coerced)
        return items

    return coerce


def _object_coercer(input_type: GraphQLInputObjectType, memo: dict[str, Coercer]) -> Coercer:
    names = frozenset(input_type.fields)
    # Per field: its name, where the value goes, its coercer, and when the value lacks it:
    # Undefined for a required field, else its coerced default (or Undefined: left out).
    fields: list[tuple[str, str, Coercer, Any, bool]] = []
    for name, field in input_type.fields.items():
        required = is_required_input_field(field)
        default = Undefined if required else coerce_default_value(field)
        fields.append((name, field.out_name or name, _coercer(field.type, memo), default, required))
    out_type = input_type.out_type

    def coerce(value: Any) -> Any:
        if not isinstance(value, dict) or not names.issuperset(value):
            return Undefined  # not an object, or a field the type does not have
        coerced: dict[str, Any] = {}
        for name, out_name, field_coercer, default, required in fields:
            field_value = value.get(name, Undefined)
            if field_value is Undefined:
                if required:
                    return Undefined
                if default is not Undefined:
                    coerced[out_name] = default
                continue
            result = field_coercer(field_value)
            if result is Undefined:
                return Undefined
            coerced[out_name] = result
        return out_type(coerced)

    return coerce


def _leaf_coercer(leaf: GraphQLScalarType) -> Coercer:
    parse = leaf.coerce_input_value

    def coerce(value: Any) -> Any:
        try:
            return parse(value)
        except Exception:  # graphql-core reports it, when it coerces the variable again
            return Undefined

    return coerce
