"""The executor of plans, as graphql-core's executor class for the schema.

Strawberry hands graphql-core an executor class (`Schema(execution_context_class=...)`); this
one overrides `execute_operation`, which graphql-core calls once per query and once per
subscription event. When the operation has a plan, the plan runs; otherwise graphql-core's
own method does, unchanged.

What runs for a planned operation is graphql-core's `execute_fields` / `complete_value`
written out per kind of type, with the collection of fields, the field definitions, the
arguments and the serializers taken from the plan instead of looked up per object. The same
methods record errors (`handle_field_error`, `collected_errors`) and build the response, so
messages, paths, locations and null propagation are graphql-core's. Resolve info is built
only where our code can see it: for a resolver, a type resolver or an `is_type_of` that reads it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, cast

from graphql import GraphQLError, OperationType
from graphql.execution import ExecutionResult
from graphql.execution.collect_fields import collect_fields
from graphql.execution.executor import invalid_return_type_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, gather_with_cancel, inspect, is_iterable
from graphql.type import GraphQLAbstractType, GraphQLResolveInfo

from ..graphql_bulk_guard import BulkRun
from .cache import plan_cache
from .mutation import PrecoercedVariables, bulk_run, settings_of
from .plan import (
    ABSTRACT,
    LEAF,
    LIST,
    NON_NULL,
    PLAIN,
    FieldPlan,
    Leaves,
    ObjectPlan,
    Scope,
    TypePlan,
    Unplannable,
    plain_leaves,
)
from .plan import object_plan as build_object_plan


class PlanExecutor(PrecoercedVariables):
    """graphql-core's executor, with planned operations run from their plan (and bulk writes'
    inputs taken the short way: mutation.py)."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        plan = self._plan(serially)
        if plan is None:
            return super().execute_operation(serially)
        try:
            if self.operation.operation == OperationType.MUTATION:
                result: Any = self._execute_serially(plan)
            else:
                result = self.execute_plan(plan, self.root_value, None)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self.build_response(None))
        if self.is_awaitable(result):
            return self._await_response(result)
        return self.finish(self.build_response(result))

    async def _await_response(self, result: Awaitable[dict[str, Any]]) -> ExecutionResult:
        try:
            data = await result
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return cast(ExecutionResult, self.build_response(None))
        except Exception:
            await self.cancel_incremental_work()
            self.run_async_work_finished_hook()
            raise
        return cast(ExecutionResult, self.build_response(data))

    def _plan(self, serially: bool | None) -> ObjectPlan | None:
        """The operation's plan, or None for graphql-core: anything with an abort signal or a
        resolver middleware, an operation that opts out of error propagation, one asked to run
        serially (a mutation runs serially without being asked: `_execute_serially`)."""
        settings = settings_of(self.context_value)
        operation = self.operation
        if (
            settings.executor != "plan"
            or serially
            or self.abort_signal is not None
            or (self.middleware_manager is not None and self.middleware_manager.middlewares)
            or not self.error_propagation
        ):
            return None
        cache = plan_cache(self.schema, settings.query_cache_size)
        key, found = cache.lookup(operation, self.fragment_definitions.values(), self.variable_values.coerced)
        if found:
            return cast(ObjectPlan | None, key)
        plan = self._build_plan(cache.leaves)
        cache.store(key, plan)
        return plan

    def _build_plan(self, leaves: Leaves) -> ObjectPlan | None:
        root_type = self.schema.get_root_type(self.operation.operation)
        if root_type is None:
            return None
        scope = Scope(
            self.schema, self.fragments, self.variable_values, self.operation, self.hide_suggestions, leaves
        )
        try:
            collected = collect_fields(
                self.schema,
                self.fragments,
                self.variable_values,
                root_type,
                self.operation,
                self.hide_suggestions,
            )
            if collected.new_defer_usages:
                return None
            plan = build_object_plan(scope, root_type, collected.grouped_field_set)
            if self.operation.operation == OperationType.MUTATION:
                for field in plan.fields:  # a write may keep or change what it is given: fresh
                    field.static_args = None  # arguments per request, as graphql-core's
            return plan
        except (Unplannable, GraphQLError, RecursionError):
            return None

    async def _execute_serially(self, plan: ObjectPlan) -> dict[str, Any]:
        """graphql-core's execute_fields_serially over a plan: a mutation's root fields one after
        another, a bulk write's run from its coerced arguments (mutation.py)."""
        results: dict[str, Any] = {}
        for field in plan.fields:
            path = Path(None, field.name, plan.type.name)
            run = bulk_run(field.field_def)
            if run is None:
                result = self._execute_field(field, self.root_value, path)
            else:
                result = self._run_bulk(field, run, path)
            results[field.name] = await result if self.is_awaitable(result) else result
        return results

    def _run_bulk(self, field: FieldPlan, run: BulkRun, path: Path) -> Any:
        try:
            args = get_argument_values(
                field.field_def, field.nodes[0], self.variable_values, None, self.hide_suggestions
            )
            return self._complete_awaitable(field, path, run(self.context_value, args))
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.field_def.type, field.details, path)
            return None

    # graphql-core's execute_fields, over a plan.

    def execute_plan(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for field in plan.fields:
                if field.leaf_attribute:  # never awaitable when it returns
                    results[field.name] = self._leaf_attribute(field, source, path)
                    continue
                result = self._execute_field(field, source, Path(path, field.name, plan.type.name))
                results[field.name] = result
                if is_awaitable(result):
                    awaitable_fields.append(field.name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather_fields(results, awaitable_fields)

    async def _gather_fields(self, results: dict[str, Any], names: list[str]) -> dict[str, Any]:
        if len(names) == 1:
            results[names[0]] = await results[names[0]]
        else:
            awaited = await gather_with_cancel(*(results[name] for name in names))
            results.update(zip(names, awaited, strict=True))
        return results

    def _leaf_attribute(self, field: FieldPlan, source: Any, path: Path | None) -> Any:
        """A scalar or enum a Strawberry field reads off its object, without a path or an info
        unless it fails. Plain values (str, int, ...) are neither awaitable nor exceptions, so
        graphql-core's two checks are skipped; a String's or ID's str is its own coercion."""
        try:
            value = getattr(source, field.attr)  # type: ignore[arg-type]
            if type(value) is str:
                if field.str_is_itself:
                    return value
                if field.str_names is not None and value in field.str_names:
                    return field.str_names[value]
            if value is None:
                if field.non_null:
                    raise TypeError(field.non_null_message)
                return None
            if type(value) not in PLAIN and (isinstance(value, Exception) or self.is_awaitable(value)):
                return self._execute_field(field, source, Path(path, field.name, field.parent_type.name))
            coerced = field.coerce(value)  # type: ignore[misc]
            if coerced is None or coerced is Undefined:
                return self._complete(field.type, field, None, value)  # raises graphql-core's error
            return coerced
        except Exception as raw_error:
            field_path = Path(path, field.name, field.parent_type.name)
            self.handle_field_error(raw_error, field.field_def.type, field.details, field_path)
            return None

    def _execute_field(self, field: FieldPlan, source: Any, path: Path) -> Any:
        """graphql-core's execute_field: get the value, complete it; an error is the field's."""
        try:
            if field.attr is not None:
                result = getattr(source, field.attr)
            elif field.constant is not None:
                result = field.constant
            elif field.direct is not None:  # a resolver method of (self, info): plan.py
                result = field.direct(source, self._info(field, path))
            else:
                info = self._info(field, path)
                args = field.static_args
                if args is None:
                    args = get_argument_values(
                        field.field_def, field.nodes[0], self.variable_values, None, self.hide_suggestions
                    )
                result = field.field_def.resolve(source, info, **args)  # type: ignore[misc]
            if self.is_awaitable(result):
                return self._complete_awaitable(field, path, result)
            completed = self._complete(field.type, field, path, result)
            if self.is_awaitable(completed):
                return self._await_completed(field, path, completed)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.field_def.type, field.details, path)
            return None
        return completed

    async def _complete_awaitable(self, field: FieldPlan, path: Path, result: Any) -> Any:
        try:
            resolved = await self.with_abort_signal(result)
            completed = self._complete(field.type, field, path, resolved)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.field_def.type, field.details, path)
            return None
        return completed

    async def _await_completed(self, field: FieldPlan, path: Path, completed: Awaitable[Any]) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.field_def.type, field.details, path)
            return None

    def _info(self, field: FieldPlan, path: Path | None) -> GraphQLResolveInfo[Any]:
        assert path is not None  # only leaves complete without a path, and they need no info
        return self.build_resolve_info(field.field_def, field.nodes, field.parent_type, path)

    # graphql-core's complete_value, one branch per kind of type.

    def _complete(self, plan: TypePlan, field: FieldPlan, path: Path | None, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        kind = plan.kind
        if kind == NON_NULL:
            completed = self._complete(plan.of, field, path, result)  # type: ignore[arg-type]
            if completed is None:
                raise TypeError(field.non_null_message)
            return completed
        if result is None or result is Undefined:
            return None
        if kind == LEAF:
            coerced = plan.coerce(result)  # type: ignore[misc]
            if coerced is Undefined or coerced is None:
                raise TypeError(
                    f"Expected `{inspect(plan.gql_type)}.coerce_output_value("
                    f"{inspect(result)})` to return non-nullable value, returned: {inspect(coerced)}"
                )
            return coerced
        assert path is not None
        if kind == LIST:
            return self._complete_list(plan, field, path, result)
        if kind == ABSTRACT:
            return self._complete_abstract(plan, field, path, result)
        return self._complete_object(plan.objects[plan.gql_type.name], field, path, result)  # type: ignore[index,union-attr]

    def _complete_object(self, sub_plan: ObjectPlan, field: FieldPlan, path: Path, result: Any) -> Any:
        check = sub_plan.is_type_of
        if check is not None:
            matches = check(result, self._info(field, path) if sub_plan.is_type_of_needs_info else None)
            if self.is_awaitable(matches):
                return self._complete_object_later(matches, sub_plan, field, path, result)
            if not matches:
                raise invalid_return_type_error(sub_plan.type, result, field.details)
        return self.execute_plan(sub_plan, result, path)

    async def _complete_object_later(
        self, matches: Awaitable[Any], sub_plan: ObjectPlan, field: FieldPlan, path: Path, result: Any
    ) -> Any:
        if not await self.with_abort_signal(matches):
            raise invalid_return_type_error(sub_plan.type, result, field.details)
        completed = self.execute_plan(sub_plan, result, path)
        return await completed if self.is_awaitable(completed) else completed

    def _complete_abstract(self, plan: TypePlan, field: FieldPlan, path: Path, result: Any) -> Any:
        abstract = cast(GraphQLAbstractType, plan.gql_type)
        info = self._info(field, path)
        resolve_type = abstract.resolve_type or self.type_resolver
        runtime_name = resolve_type(result, info, abstract)
        if self.is_awaitable(runtime_name):
            return self._complete_abstract_later(plan, runtime_name, field, path, info, result)
        runtime = self.ensure_valid_runtime_type(runtime_name, abstract, field.details, info, result)
        return self._complete_object(plan.objects[runtime.name], field, path, result)  # type: ignore[index]

    async def _complete_abstract_later(
        self,
        plan: TypePlan,
        runtime_name: Awaitable[Any],
        field: FieldPlan,
        path: Path,
        info: GraphQLResolveInfo[Any],
        result: Any,
    ) -> Any:
        name = await self.with_abort_signal(runtime_name)
        runtime = self.ensure_valid_runtime_type(name, plan.gql_type, field.details, info, result)  # type: ignore[arg-type]
        completed = self._complete_object(plan.objects[runtime.name], field, path, result)  # type: ignore[index]
        return await completed if self.is_awaitable(completed) else completed

    def _complete_list(self, plan: TypePlan, field: FieldPlan, path: Path, result: Any) -> Any:
        if self.is_async_iterable(result) or not is_iterable(result):
            if not self.is_async_iterable(result):
                raise GraphQLError(
                    "Expected Iterable, but did not find one for field"
                    f" '{field.parent_type}.{field.field_name}'."
                )
            info = self._info(field, path)
            return self.complete_list_value(plan.gql_type, field.details, info, path, result, None)  # type: ignore[arg-type]
        item_plan = cast(TypePlan, plan.of)
        leaves = plain_leaves(item_plan, result)
        if leaves is not None:
            return leaves
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        is_awaitable = self.is_awaitable
        try:
            for index, item in enumerate(result):
                item_path = Path(path, index, None)
                if is_awaitable(item):
                    info = self._info(field, path)
                    completed.append(
                        self.complete_awaitable_list_item_value(
                            item, item_plan.gql_type, field.details, info, item_path, None
                        )
                    )
                    awaitable_indices.append(index)
                    continue
                value = self._list_item(item_plan, field, item_path, item)
                completed.append(value)
                if is_awaitable(value):
                    awaitable_indices.append(index)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed[i] for i in awaitable_indices])
            raise
        if not awaitable_indices:
            return completed
        return self._gather_items(completed, awaitable_indices)

    def _list_item(self, item_plan: TypePlan, field: FieldPlan, item_path: Path, item: Any) -> Any:
        try:
            value = self._complete(item_plan, field, item_path, item)
            if self.is_awaitable(value):
                return self._await_item(item_plan, field, item_path, value)
            return value
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_plan.gql_type, field.details, item_path)
            return None

    async def _await_item(self, item_plan: TypePlan, field: FieldPlan, item_path: Path, value: Any) -> Any:
        try:
            return await value
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_plan.gql_type, field.details, item_path)
            return None

    async def _gather_items(self, completed: list[Any], indices: list[int]) -> list[Any]:
        if len(indices) == 1:
            completed[indices[0]] = await completed[indices[0]]
        else:
            awaited = await gather_with_cancel(*(completed[i] for i in indices))
            for index, value in zip(indices, awaited, strict=True):
                completed[index] = value
        return completed
