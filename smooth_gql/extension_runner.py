"""Strawberry's extension runner, with the per-result work that does nothing left out.

Strawberry runs its extension hooks around every result a stream yields: for
each change-feed event of each subscriber it builds a context manager that
looks up every extension's `on_stream_result` hook anew (six extensions, six
lookups, one wrapped generator each), and it asks every extension for its
`get_results`, awaiting each through `inspect.isawaitable`. In a profile of
50 subscribers following 200 changes this was a third of the server's event
loop: more than executing and sending the events.

The hooks an extension class has do not change during an operation, so this
runner finds them once. And the one stream hook the schema has
(`MaskErrors.on_stream_result`, under `ErrorCodes`) reads and rewrites a
result's errors only: a result without errors passes it unchanged, so such a
result enters no hook at all. A result with errors, an initial refusal
(`PreExecutionError`) and anything else still goes through Strawberry's own
context manager, hook by hook, as before.
"""

from __future__ import annotations

import inspect
from types import TracebackType
from typing import Any

from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.context import StreamResultContextManager
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import StreamExecutionResult


def _overrides(extension: SchemaExtension, hook: str) -> bool:
    return getattr(type(extension), hook) is not getattr(SchemaExtension, hook)


class _NoHooks(StreamResultContextManager):
    """A result that no extension needs to see: entering and leaving it does nothing."""

    def __init__(self, result: StreamExecutionResult) -> None:
        self.result = result
        self.hooks = []

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        return None

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        return None


class ExtensionsRunner(SchemaExtensionsRunner):
    """One operation's extensions (a query, a mutation, a whole subscription stream)."""

    def __init__(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None
    ) -> None:
        super().__init__(execution_context, extensions)
        self._with_results = [e for e in self.extensions if _overrides(e, "get_results")]
        stream_hooked = [e for e in self.extensions if _overrides(e, "on_stream_result")]
        # MaskErrors' stream hook touches errors only; any other hook must see every result.
        self._errors_only = all(isinstance(e, MaskErrors) for e in stream_hooked)

    def on_stream_result(self, result: StreamExecutionResult) -> StreamResultContextManager:
        if self._errors_only and type(result) is ExecutionResult and not result.errors:
            return _NoHooks(result)
        return super().on_stream_result(result)

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        """Strawberry's merge, asking only the extensions that answer something (the base
        class's `get_results` answers `{}`), in the same order."""
        data: dict[str, Any] = {}
        for extension in self._with_results:
            results = extension.get_results()
            data.update(await results if inspect.isawaitable(results) else results)
        data.update(ctx.extensions_results)
        return data
