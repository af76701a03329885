"""A plan: for each selection set and runtime type, the collected fields, and for each field how
to get its value and how to complete it, worked out once per operation.

The builder asks graphql-core itself for everything that has a meaning (`collect_fields`,
`collect_subfields`, `get_argument_values`), so the plan holds graphql-core's own answers,
only computed once instead of once per object. The plan keeps no request's variables: they
decide only `@skip`/`@include` while it is built, and the cache keys plans by those values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    Undefined,
    ValueNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
)
from graphql.execution.collect_fields import (
    FieldDetailsList,
    FragmentDetails,
    GroupedFieldSet,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.type.scalars import serialize_id, serialize_string

# Values that are never awaitable nor an exception: what rows hold.
PLAIN = frozenset({str, int, float, bool, dict, list, datetime, date})
# How a value of a type is completed (graphql-core's `complete_value`, one branch each).
LEAF, OBJECT, ABSTRACT, LIST, NON_NULL = range(5)
_STRAWBERRY_FIELD = "strawberry-definition"  # Strawberry's back reference on a GraphQLField
_INTROSPECTION = frozenset({"__schema", "__type"})
# graphql-core's String and ID output coercions: both return a str unchanged.
_STR_AS_IS = (serialize_string, serialize_id)


Leaves = dict[tuple[Any, bool], "TypePlan"]


class Unplannable(Exception):
    """The operation holds something a plan does not express; graphql-core runs it instead."""


@dataclass(slots=True, eq=False)
class Scope:
    """What sub-plans are collected with: graphql-core's own inputs to `collect_subfields`.

    The variables only decide `@skip`/`@include` here, and a plan is cached per value of
    those, so a plan built with one request's variables serves every request that shares them.
    A scope lives while its plan is built, never in the plan.
    """

    schema: GraphQLSchema
    fragments: dict[str, FragmentDetails]
    variables: VariableValues
    operation: OperationDefinitionNode
    hide_suggestions: bool
    leaves: Leaves  # the shared leaf plans (kept by the cache, one set per schema)


@dataclass(slots=True, eq=False)
class TypePlan:
    """How to complete a value of one output type at one field (its sub-plans are the field's)."""

    kind: int
    gql_type: GraphQLOutputType
    of: TypePlan | None = None  # the item or inner type of a list or non-null
    coerce: Callable[[Any], Any] | None = None  # a leaf's output coercion
    # Sub-plans by runtime type name, for an object or abstract type (a leaf's plan has none,
    # so one leaf plan per type serves every field of that type: `Scope.leaves`).
    objects: dict[str, ObjectPlan] | None = None
    # A leaf's coercion of a str, when known without calling it: the str itself (String, ID),
    # or an enum's name for each of its str values (the type's own coercion, asked once).
    str_as_is: bool = False
    str_names: dict[str, str] | None = None


@dataclass(slots=True, eq=False)
class FieldPlan:
    """One response key of a selection set on one object type."""

    name: str  # the response name (alias or field name)
    field_name: str
    parent_type: GraphQLObjectType
    field_def: GraphQLField
    details: FieldDetailsList
    nodes: list[FieldNode]
    type: TypePlan
    attr: str | None  # a Strawberry field without a resolver: the attribute it reads
    constant: Any  # `__typename`: the parent type's name; None otherwise
    static_args: dict[str, Any] | None  # arguments that use no variable, coerced once
    leaf_attribute: bool  # a scalar or enum (maybe non-null) read off an attribute
    non_null: bool
    coerce: Callable[[Any], Any] | None  # a leaf's output coercion
    direct: Callable[[Any, Any], Any] | None = None  # a plain resolver, called as Strawberry does
    str_is_itself: bool = False  # a String or ID leaf: graphql-core's coercion returns a str as is
    str_names: dict[str, str] | None = None  # an enum leaf: the name of each str value

    @property
    def non_null_message(self) -> str:
        return f"Cannot return null for non-nullable field {self.parent_type}.{self.field_name}."


@dataclass(slots=True, eq=False)
class ObjectPlan:
    """The fields of one selection set on one object type, in response order."""

    type: GraphQLObjectType
    fields: tuple[FieldPlan, ...]
    is_type_of: Callable[..., Any] | None  # the type's check of a value, when it has one
    is_type_of_needs_info: bool


def object_plan(scope: Scope, parent: GraphQLObjectType, grouped: GroupedFieldSet) -> ObjectPlan:
    """The plan of a grouped field set (graphql-core's `execute_fields` input) on `parent`."""
    plans = []
    for name, details in grouped.items():
        plan = _field_plan(scope, parent, name, details)
        if plan is not None:
            plans.append(plan)
    check = parent.is_type_of
    return ObjectPlan(parent, tuple(plans), check, not _ignores_info(check))


def _fill(scope: Scope, type_plan: TypePlan, details: FieldDetailsList) -> None:
    """Collect the sub-selection of a field on each object type its value may have (one for an
    object type, every possible type for an interface or union): graphql-core's
    `collect_subfields`, done once here instead of once per value."""
    base = type_plan
    while base.of is not None:
        base = base.of
    if base.kind == LEAF:
        return
    if base.kind == OBJECT:
        runtimes: Any = (base.gql_type,)
    else:
        runtimes = scope.schema.get_possible_types(base.gql_type)  # type: ignore[arg-type]
    for runtime in runtimes:
        collected = collect_subfields(
            scope.schema,
            scope.fragments,
            scope.variables,
            scope.operation,
            runtime,
            details,
            scope.hide_suggestions,
        )
        if collected.new_defer_usages:
            raise Unplannable("@defer")
        base.objects = {} if base.objects is None else base.objects
        base.objects[runtime.name] = object_plan(scope, runtime, collected.grouped_field_set)


def _field_plan(
    scope: Scope, parent: GraphQLObjectType, name: str, details: FieldDetailsList
) -> FieldPlan | None:
    first = details[0]
    if first.defer_usage is not None or first.fragment_variable_values is not None:
        raise Unplannable("@defer or fragment variables")
    field_name = first.node.name.value
    if field_name in _INTROSPECTION:
        raise Unplannable("introspection")
    field_def = scope.schema.get_field(parent, field_name)
    if field_def is None:  # graphql-core leaves the key out (validation forbids it)
        return None
    if field_def.resolve is None and field_name != "__typename":
        raise Unplannable("a field on graphql-core's default resolver")  # Strawberry sets them all
    type_plan = type_plan_of(field_def.type, scope.leaves)
    _fill(scope, type_plan, details)
    attr = _attribute(field_def)
    return FieldPlan(
        name=name,
        field_name=field_name,
        parent_type=parent,
        field_def=field_def,
        details=details,
        nodes=[d.node for d in details],
        type=type_plan,
        attr=attr,
        constant=parent.name if field_name == "__typename" else None,
        static_args=_static_args(scope, field_def, first.node),
        leaf_attribute=attr is not None and _leaf_of(type_plan) is not None,
        non_null=type_plan.kind == NON_NULL,
        coerce=None if (leaf := _leaf_of(type_plan)) is None else leaf.coerce,
        direct=_direct_resolver(field_def),
        str_is_itself=leaf is not None and leaf.str_as_is,
        str_names=None if leaf is None else leaf.str_names,
    )


def type_plan_of(gql_type: GraphQLOutputType, leaves: Leaves) -> TypePlan:
    """How values of `gql_type` complete. Leaf plans (a scalar or enum, non-null or not) hold
    nothing of a field, so one per named type and nullability serves all (`leaves`)."""
    non_null = isinstance(gql_type, GraphQLNonNull)
    named = gql_type.of_type if non_null else gql_type  # type: ignore[union-attr]
    if is_leaf_type(named):
        shared = leaves.get((named, non_null))
        if shared is None:
            shared = TypePlan(LEAF, named, coerce=named.coerce_output_value)
            shared.str_as_is = shared.coerce in _STR_AS_IS
            shared.str_names = _enum_names(named) if isinstance(named, GraphQLEnumType) else None
            if non_null:
                shared = TypePlan(NON_NULL, gql_type, of=type_plan_of(named, leaves))
            leaves[named, non_null] = shared
        return shared
    if non_null:
        return TypePlan(NON_NULL, gql_type, of=type_plan_of(named, leaves))
    if isinstance(gql_type, GraphQLList):
        return TypePlan(LIST, gql_type, of=type_plan_of(gql_type.of_type, leaves))
    if is_abstract_type(gql_type):
        return TypePlan(ABSTRACT, gql_type)
    return TypePlan(OBJECT, gql_type)


def _enum_names(enum: GraphQLEnumType) -> dict[str, str]:
    """An enum's output name for each of its str values, as its own coercion answers (Strawberry's,
    which hands a plain str to graphql-core's lookup): asked once here, not once per value."""
    names = {}
    for enum_value in enum.values.values():
        value = enum_value.value
        if type(value) is not str:
            continue
        try:
            name = enum.coerce_output_value(value)
        except Exception:  # left to the coercion per value, which reports it
            continue
        if type(name) is str:
            names[value] = name
    return names


def plain_leaves(item_plan: TypePlan, items: Any) -> list[Any] | None:
    """A list of scalars or enums (tags, say) whose items are all plain and coerce to a value:
    completed in one loop. None for anything else, which the general loop completes (and
    reports), coercing again: output coercion has no side effect."""
    leaf = item_plan.of if item_plan.kind == NON_NULL else item_plan
    if leaf is None or leaf.kind != LEAF or leaf.coerce is None or type(items) not in (list, tuple):
        return None  # an iterator could not be read a second time by the general loop
    coerce, as_is, names = leaf.coerce, leaf.str_as_is, leaf.str_names or {}
    completed = []
    for item in items:
        if type(item) is str and (as_is or item in names):
            completed.append(item if as_is else names[item])
            continue
        if type(item) not in PLAIN:
            return None
        coerced = coerce(item)
        if coerced is None or coerced is Undefined:
            return None
        completed.append(coerced)
    return completed


def _ignores_info(check: Callable[..., Any] | None) -> bool:
    """Strawberry's generated `is_type_of(obj, _info)` never reads its info; building one per
    object for it would be most of the cost of a list of entities."""
    return (
        check is not None
        and check.__module__ == "strawberry.schema.schema_converter"
        and check.__qualname__.endswith("_get_is_type_of.<locals>.is_type_of")
    )


def _leaf_of(plan: TypePlan) -> TypePlan | None:
    """The leaf plan of a scalar or enum type, non-null or not; None for any other type."""
    if plan.kind == NON_NULL and plan.of is not None:
        plan = plan.of
    return plan if plan.kind == LEAF else None


def _attribute(field_def: GraphQLField) -> str | None:
    """The attribute a Strawberry field without a resolver reads: what its own resolver
    (`_get_basic_result` → `field.get_result` → `getattr(source, python_name)`) does."""
    resolve = field_def.resolve
    strawberry_field = (field_def.extensions or {}).get(_STRAWBERRY_FIELD)
    if (
        resolve is None
        or strawberry_field is None
        or getattr(resolve, "__name__", "") != "_get_basic_result"
        or not strawberry_field.is_basic_field
        or strawberry_field.default_resolver is not getattr
    ):
        return None
    name: str = strawberry_field.python_name
    return name


def _direct_resolver(field_def: GraphQLField) -> Callable[[Any, Any], Any] | None:
    """For a Strawberry resolver method taking no argument but maybe `info`, on a field with
    no extension nor exception handler: what Strawberry's wrapper (`from_resolver`:
    `_async_resolver` / `_resolver`) ends in, `resolver(source, info=Info(...))`, without
    its argument conversion, extension chain and extra coroutine per call (a machine view
    has five such fields per preset). None for anything else: the wrapper runs."""
    wrapper = _plain_wrapper(field_def)
    if wrapper is None:
        return None
    resolver, make_info = wrapper
    if (
        resolver.arguments
        or resolver.self_parameter is None
        or resolver.parent_parameter is not None
        or resolver.root_parameter is not None
        or not callable(resolver.wrapped_func)
    ):
        return None
    function = resolver.wrapped_func
    if resolver.info_parameter is None:
        return lambda source, _info: function(source)
    name = resolver.info_parameter.name
    return lambda source, info: function(source, **{name: make_info(info)})


def _plain_wrapper(field_def: GraphQLField) -> tuple[Any, Callable[[Any], Any]] | None:
    """The resolver and the Info factory of Strawberry's wrapper for a field without arguments,
    extensions or exception handlers (read from the wrapper's closure); None otherwise."""
    resolve = field_def.resolve
    strawberry_field = (field_def.extensions or {}).get(_STRAWBERRY_FIELD)
    if (
        strawberry_field is None
        or getattr(resolve, "__name__", "") not in ("_async_resolver", "_resolver")
        or field_def.args
        or strawberry_field.extensions
        or strawberry_field.base_resolver is None
    ):
        return None
    names = getattr(getattr(resolve, "__code__", None), "co_freevars", ())
    cells = getattr(resolve, "__closure__", None) or ()
    found = dict(zip(names, (cell.cell_contents for cell in cells), strict=True))
    make_info = found.get("_strawberry_info_from_graphql")
    if found.get("field_exception_handlers") != () or make_info is None:
        return None
    return strawberry_field.base_resolver, make_info


def _static_args(scope: Scope, field_def: GraphQLField, node: FieldNode) -> dict[str, Any] | None:
    """The coerced arguments, when no variable feeds them (then they are the same on every
    request); None when they must be coerced per request. A literal graphql-core would refuse
    at every object is left to graphql-core."""
    if not field_def.args and not node.arguments:
        return {}
    if any(_uses_variables(argument.value) for argument in node.arguments or ()):
        return None
    try:
        return get_argument_values(field_def, node, scope.variables, None, scope.hide_suggestions)
    except Exception as error:
        raise Unplannable("an argument graphql-core refuses") from error


def _uses_variables(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_uses_variables(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_uses_variables(f.value) for f in value.fields)
    return False
