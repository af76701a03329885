"""The `read` rule on what a mutation selects, checked on the document before it runs.

A mutation's result is a way to read: the written row's other fields, its
relations (`toolInstance { usages … }`), a conflicting row's `current` state.
A key holding only a write scope is refused every query, so it must not read
through a write either. Before a mutation executes, every field it selects on
a stored entity goes through `policy.result_field_problem`, the same rule as
queries with the write's receipt (`id`, `version`) exempt. Refusing the whole
operation before execution (rather than nulling fields after the write) means
a refused mutation writes nothing, and the error names the field to drop.

The walk visits each fragment once (its type condition fixes what it selects
on), so its cost is linear in the document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from .auth import policy
from .auth.principal import Principal

ENTITY_INTERFACE = "Entity"  # implemented by the six stored entity types (types/common.py)


class MutationReadRule(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        principal = getattr(context.context, "principal", None)
        if (
            context.result is None
            and isinstance(principal, Principal)
            and not policy.reads_every_result(principal)
            and context.operation_type is OperationType.MUTATION
            and context.graphql_document is not None
        ):
            refusal = _first_refusal(
                context.schema._schema,
                context.graphql_document.definitions,
                context.operation_name,
                principal,
            )
            if refusal is not None:
                context.result = ExecutionResult(data=None, errors=[refusal])
        yield


def _first_refusal(
    schema: GraphQLSchema, definitions: object, operation_name: str | None, principal: Principal
) -> GraphQLError | None:
    fragments: dict[str, FragmentDefinitionNode] = {}
    operation: OperationDefinitionNode | None = None
    for definition in definitions:  # type: ignore[attr-defined]
        if isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition
        elif isinstance(definition, OperationDefinitionNode) and (
            operation_name is None
            or (definition.name is not None and definition.name.value == operation_name)
        ):
            operation = operation or definition
    root = schema.mutation_type
    if operation is None or root is None:
        return None
    walk = _Walk(schema, fragments, principal)
    return walk.selections(operation.selection_set, root, "")


class _Walk:
    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], principal: Principal
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.principal = principal
        self.seen: set[str] = set()
        entity = schema.get_type(ENTITY_INTERFACE)
        assert isinstance(entity, GraphQLInterfaceType)
        self.entities = {entity.name, *(t.name for t in schema.get_implementations(entity).objects)}

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, path: str
    ) -> GraphQLError | None:
        for selection in selection_set.selections:
            refusal: GraphQLError | None = None
            if isinstance(selection, FieldNode):
                refusal = self.field(selection, parent, path)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = parent if condition is None else self.schema.get_type(condition.name.value)
                if target is not None:
                    refusal = self.selections(selection.selection_set, target, path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in self.seen:
                    self.seen.add(name)
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    if target is not None:
                        refusal = self.selections(fragment.selection_set, target, path)
            if refusal is not None:
                return refusal
        return None

    def field(self, node: FieldNode, parent: GraphQLNamedType, path: str) -> GraphQLError | None:
        name = node.name.value
        if name.startswith("__"):
            return None
        where = f"{path}.{name}" if path else name
        if parent.name in self.entities:
            problem = policy.result_field_problem(self.principal, name)
            if problem is not None:
                return GraphQLError(
                    f"{where}: {problem}", nodes=[node], extensions={"code": "FORBIDDEN", "field": where}
                )
        if node.selection_set is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return None
        definition = parent.fields.get(name)
        if definition is None:
            return None
        return self.selections(node.selection_set, get_named_type(definition.type), where)
