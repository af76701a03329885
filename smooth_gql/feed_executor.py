"""Each change-feed event executed once per (document, variables, access), not once per subscriber.

graphql-core runs a subscription's selection again for every event of every
subscriber. A burst of 1,000 changes to 200 subscribers was 200,000
executions, each with its own read of the entity (a fresh loader per event, so
it is current): on SQLite those reads queued on the worker's two reader
connections, and the last delivery came 13-20 s after the last commit.

The answer to an event depends on nothing but the operation, its variables,
the change, the database, and what the subscriber may read. So the executor
keys each event by those (access is the principal without its identity:
two keys or sessions of one user that reach the same rows share) and the
worker's `SharedResults` runs one execution per key; every subscriber with
the same key gets a copy of that result. Subscribers with different access get
their own execution, so nobody sees what they may not; each still checks its
credential and filters the log for itself (changes/feed.py), so which changes a
subscriber gets, and in which order, is untouched. A shared result is at most
a second older than the subscriber's own would be (changes/shared.py), and
never older than the change itself: the change is committed before any
follower is woken for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from typing import Any

from graphql import ExecutionResult
from graphql.pyutils import AwaitableOrValue

from .auth.principal import Principal
from .context import Context
from .planner.executor import PlanExecutor
from .types.changes import Change

_UNKEYED = object()


def access_of(principal: Principal) -> Principal:
    """What decides the rows a principal reaches, without which credential it is."""
    return dataclasses.replace(principal, session_id=None, api_key_id=None, expires_at=None)


class SharedEventExecutor(PlanExecutor):
    """The plan executor (planner/), sharing the execution of change-feed events (see the module):
    a shared event runs from its plan once, or on graphql-core where the plan cannot go."""

    _subscription_key: object = _UNKEYED  # then the key of the subscription, or None: not shared

    def build_per_event_executor(self, payload: Any) -> SharedEventExecutor:
        if self._subscription_key is _UNKEYED:
            self._subscription_key = self._key_of_subscription()  # copied into every event's executor
        executor = super().build_per_event_executor(payload)
        assert isinstance(executor, SharedEventExecutor)
        return executor

    def __copy__(self) -> SharedEventExecutor:
        """graphql-core copies the executor for every event of every subscriber (`copy.copy` in
        `build_per_event_executor`): the same shallow copy of the attributes, without the
        generic copy protocol's detour through `__reduce_ex__` (about a third of the time)."""
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        return twin

    def execute_operation(self, serially: bool | None = None) -> AwaitableOrValue[Any]:
        key = self._subscription_key
        context = self.context_value
        if key is _UNKEYED or key is None or not isinstance(self.root_value, Change):
            return super().execute_operation(serially)
        assert isinstance(context, Context)
        return self._shared(context, (key, self.root_value.cursor), serially)

    async def _shared(self, context: Context, key: Hashable, serially: bool | None) -> ExecutionResult:
        async def execute() -> Any:
            result = super(SharedEventExecutor, self).execute_operation(serially)
            return await result if self.is_awaitable(result) else result

        result = await context.tail.shared.get(key, execute)
        # Each subscriber's own result object: Strawberry's extensions may replace its errors.
        return ExecutionResult(result.data, None if result.errors is None else list(result.errors))

    def _key_of_subscription(self) -> Hashable | None:
        """The document, operation, variables and access, or None when they cannot be told apart
        safely (no source text to compare, variables that are not plain values)."""
        loc = self.operation.loc
        context = self.context_value
        if loc is None or not isinstance(context, Context):
            return None
        name = None if self.operation.name is None else self.operation.name.value
        try:
            variables = _frozen(self.variable_values.coerced)
            hash(variables)
        except TypeError:
            return None
        return (loc.source.body, name, variables, access_of(context.principal))


def _frozen(value: Any) -> Hashable:
    """A hashable twin of coerced variable values (lists, dicts and scalars, enums included)."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return (type(value), value)
