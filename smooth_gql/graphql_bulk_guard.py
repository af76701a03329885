"""Bulk writes refused on the number of their elements, before graphql-core coerces them.

graphql-core coerces a mutation's variables (and Strawberry turns them into
input objects) before any resolver runs, on the event loop: 90,000 elements of
`createToolItems` held every other request for 8.7 s, only to be refused as too
many, or as anonymous, by the write service afterwards. Counting the elements
of an `input` list is cheap, so the write's first checks — the caller's right
to write, then the size limit (`write_request.check_bulk_request`) — run on the count
alone before execution starts, and a refusal is the very error the resolver
would have raised, at the same path.

What is let through is at most `max_bulk_items` elements per field, in a body
of at most `max_body_bytes`; coercing that is bounded.

One difference from refusing in the resolver: a mutation's root fields run one
after another, and a refused field now stops the operation before any of them
runs (before, the fields ahead of it ran first). A field skipped with
`@skip`/`@include` is checked all the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    VariableNode,
    get_operation_ast,
    located_error,
)
from strawberry.types import ExecutionContext
from strawberry.types.field import StrawberryField

from .enums import EntityType
from .errors import ServiceError
from .services.write_request import check_bulk_request

BULK_WRITE = "smooth_gql.bulk_write"  # metadata key on every bulk mutation field


# The field's write from graphql-core's coerced arguments and the request's context.
BulkRun = Callable[[Any, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class BulkWrite:
    """What a bulk mutation field writes, so the guard can make the write's first checks.

    `run` is the same write as the field's resolver, taking graphql-core's coerced arguments
    instead of Strawberry's input objects: the query-plan executor (planner/) calls it and
    skips Strawberry's conversion of 1,000 input objects, which only `to_service` undid.
    """

    entity: EntityType
    deleting: bool
    run: BulkRun | None = field(default=None, compare=False)


def bulk_refusal(execution_context: ExecutionContext) -> GraphQLError | None:
    """The error of the first bulk field whose write would be refused on its count alone."""
    context = execution_context.context
    runtime, principal = getattr(context, "runtime", None), getattr(context, "principal", None)
    document = execution_context.graphql_document
    if runtime is None or principal is None or document is None:
        return None  # the schema run without an app's context: the resolvers still check
    operation = get_operation_ast(document, execution_context.operation_name)
    mutation_type = execution_context.schema._schema.mutation_type
    if operation is None or operation.operation != OperationType.MUTATION or mutation_type is None:
        return None
    for node in _root_fields(operation, document):
        definition = mutation_type.fields.get(node.name.value)
        field = definition.extensions.get("strawberry-definition") if definition is not None else None
        bulk = field.metadata.get(BULK_WRITE) if isinstance(field, StrawberryField) else None
        if not isinstance(bulk, BulkWrite):
            continue
        count = _input_length(node, execution_context.variables or {})
        try:
            check_bulk_request(runtime, principal, bulk.entity, count, deleting=bulk.deleting)
        except ServiceError as error:
            return located_error(error, [node], [(node.alias or node.name).value])
    return None


def _root_fields(operation: OperationDefinitionNode, document: DocumentNode) -> Iterator[FieldNode]:
    """The operation's root fields in document order, through fragments (validated: no
    cycles; a fragment is entered once all the same)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    entered: set[str] = set()
    stack: list[Iterator[SelectionNode]] = [iter(operation.selection_set.selections)]
    while stack:
        selection = next(stack[-1], None)
        if selection is None:
            stack.pop()
        elif isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            stack.append(iter(selection.selection_set.selections))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in entered:
            entered.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                stack.append(iter(fragment.selection_set.selections))


def _input_length(node: FieldNode, variables: Mapping[str, Any]) -> int:
    """How many elements `input` holds, without coercing any (a lone object is a list of one)."""
    for argument in node.arguments or ():
        if argument.name.value != "input":
            continue
        value = argument.value
        if isinstance(value, ListValueNode):
            return len(value.values)
        if isinstance(value, VariableNode):
            sent = variables.get(value.name.value)
            return len(sent) if isinstance(sent, list) else int(sent is not None)
        return 1
    return 0
