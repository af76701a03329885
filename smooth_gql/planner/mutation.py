"""Bulk writes under the plan executor: their variables coerced by precomputed coercers
(inputs.py), their root fields run from graphql-core's coerced arguments.

A mutation's root fields still run one after another through graphql-core's loop
(`execute_fields_serially`), and everything below a root field completes as graphql-core
completes it. What changes is where the 1,000 elements of a bulk write spent their time:

- graphql-core's coercion of the variables walks the input type per value; here a coercer
  built once per type does it (`build`). graphql-core still coerces every other variable,
  and any variable the coercer does not accept, so its errors are its own.
- Strawberry's resolver turns the coerced dictionaries into input objects, field by field
  through their annotations, and the resolver turns them back into dictionaries for the
  services (`to_service`). A bulk field's `BulkWrite.run` (graphql_bulk_guard) takes the
  coerced arguments straight to the same write (`execute_field`).

Under SMOOTH_EXECUTOR=graphql-core none of this runs.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from graphql import DocumentNode, GraphQLField, GraphQLObjectType, GraphQLSchema, OperationDefinitionNode
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.values import VariableValueSource, get_argument_values
from graphql.pyutils import Path
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


class BulkFields(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with bulk variables and bulk root fields taken the short way."""

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

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        run = self._bulk_run(parent_type, field_details_list, path)
        if run is None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        # graphql-core's execute_field, with the field's `run` for Strawberry's resolver.
        first = field_details_list[0]
        field_def = parent_type.fields[first.node.name.value]
        nodes = [details.node for details in field_details_list]
        info = self.build_resolve_info(field_def, nodes, parent_type, path)
        try:
            args = get_argument_values(
                field_def,
                first.node,
                self.variable_values,
                first.fragment_variable_values,
                self.hide_suggestions,
            )
            result = run(self.context_value, args)
            return self.complete_awaitable_value(
                field_def.type, field_details_list, info, path, result, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, field_details_list, path)
            return None

    def _bulk_run(self, parent: GraphQLObjectType, details: FieldDetailsList, path: Path) -> BulkRun | None:
        """The root bulk field's `run`, when nothing else must see its resolver called: no
        resolver middleware (a Strawberry extension's `resolve`)."""
        if (
            path.prev is not None
            or parent is not self.schema.mutation_type
            or settings_of(self.context_value).executor != "plan"
            or (self.middleware_manager is not None and self.middleware_manager.middlewares)
        ):
            return None
        field_def = parent.fields.get(details[0].node.name.value)
        return None if field_def is None else bulk_run(field_def)


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
