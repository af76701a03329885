"""Bulk writes under the plan executor: where the 1,000 elements of a bulk write spent their
time, and what takes that work instead.

- graphql-core's coercion of the variables walks the input type per value; here a coercer
  built once per type does it (`PrecoercedVariables.build`, inputs.py). graphql-core still
  coerces every other variable, and any variable the coercer does not accept, so its
  errors are its own.
- Strawberry's resolver turns the coerced dictionaries into input objects, field by field
  through their annotations, and the resolver turns them back into dictionaries for the
  services (`to_service`). A bulk field's `BulkWrite.run` (graphql_bulk_guard) takes the
  coerced arguments straight to the same write; the plan executor calls it (`bulk_run`)
  when it runs a mutation's root fields (executor.py, `_execute_serially`). A mutation the
  plan cannot express runs on graphql-core with Strawberry's resolvers, unchanged.

Under SMOOTH_EXECUTOR=graphql-core none of this runs.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from graphql import DocumentNode, GraphQLField, GraphQLSchema, OperationDefinitionNode
from graphql.execution.values import VariableValueSource
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from ..config import Settings
from ..graphql_bulk_guard import BULK_WRITE, BulkRun, BulkWrite
from .inputs import Coercers

_DEFAULTS = Settings()
_STRAWBERRY_FIELD = "strawberry-definition"  # Strawberry's back reference on a GraphQLField
_COERCERS: WeakKeyDictionary[GraphQLSchema, Coercers] = WeakKeyDictionary()


def settings_of(context: Any) -> Settings:
    settings = getattr(getattr(context, "runtime", None), "settings", None)
    return settings if isinstance(settings, Settings) else _DEFAULTS


def coercers(schema: GraphQLSchema) -> Coercers:
    """The schema's coercers, built as variables of each type arrive and kept (a few per
    input type: see inputs.py)."""
    found = _COERCERS.get(schema)
    if found is None:
        found = _COERCERS[schema] = Coercers(schema)
    return found


class PrecoercedVariables(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with the variables a coercer takes coerced by it."""

    @classmethod
    def build(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """graphql-core's `build`, with the variables a coercer took standing in as empty lists
        (always valid for a list type, and coerced at once), then put back coerced."""
        precoerced: dict[str, Any] = {}
        if raw_variable_values and settings_of(context_value).executor == "plan":
            operation = _operation(document, operation_name)
            if operation is not None:
                precoerced = coercers(schema).coerce(operation, raw_variable_values)
        if not precoerced:
            return super().build(
                schema,
                document,
                root_value,
                context_value,
                raw_variable_values,
                operation_name,
                *args,
                **kwargs,
            )
        assert raw_variable_values is not None
        stand_ins = {**raw_variable_values, **{name: [] for name in precoerced}}
        executor = super().build(
            schema, document, root_value, context_value, stand_ins, operation_name, *args, **kwargs
        )
        if isinstance(executor, list):  # another variable's errors: the same with or without ours
            return executor
        sources, coerced = executor.variable_values
        for name, value in precoerced.items():
            sources[name] = VariableValueSource(sources[name].signature, raw_variable_values[name])
            coerced[name] = value
        return executor


def bulk_run(field_def: GraphQLField) -> BulkRun | None:
    """A bulk field's `run` (graphql_bulk_guard.BulkWrite), unless the field has a Strawberry
    field extension (a permission class, say), which must see its resolver called."""
    strawberry_field = (field_def.extensions or {}).get(_STRAWBERRY_FIELD)
    bulk = None if strawberry_field is None else strawberry_field.metadata.get(BULK_WRITE)
    if not isinstance(bulk, BulkWrite) or strawberry_field is None or strawberry_field.extensions:
        return None
    return bulk.run


def _operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation graphql-core will run; None when it will answer with an error instead."""
    found = None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if operation_name is None:
                if found is not None:
                    return None
                found = definition
            elif definition.name is not None and definition.name.value == operation_name:
                found = definition
    return found
