"""The Strawberry extension that feeds GraphQL operations into the app's metrics."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from .metrics import Metrics


class OperationMetrics(SchemaExtension):
    """Counts operations by name and type, times queries and mutations, counts error codes,
    and keeps the gauge of open subscriptions.

    Listed before the error-masking extension so that it sees the final errors
    (masked ones as INTERNAL). For a subscription `on_operation` spans the whole
    stream, so the gauge goes down when the stream ends however it ends.
    """

    def __init__(self) -> None:
        super().__init__()
        self._streaming = False

    @property
    def metrics(self) -> Metrics | None:
        """The metrics of the app serving the request (the schema is shared by every app);
        None when the schema runs without an app's context."""
        metrics = getattr(self.execution_context.context, "metrics", None)
        return metrics if isinstance(metrics, Metrics) else None

    def _operation_type(self) -> str:
        try:
            return self.execution_context.operation_type.value
        except Exception:  # no document (syntax error) or no such operation in it
            return "unknown"

    async def on_execute(self) -> AsyncIterator[None]:
        metrics = self.metrics
        if metrics is not None and self._operation_type() == OperationType.SUBSCRIPTION.value:
            self._streaming = True
            metrics.active_subscriptions.inc()
        yield

    async def on_operation(self) -> AsyncIterator[None]:
        metrics = self.metrics
        if metrics is None:
            yield
            return
        start = time.perf_counter()
        codes: list[str] = []
        try:
            yield
        except GraphQLError as error:  # raised by an extension, e.g. the execution timeout
            codes.append(_code(error))
            raise
        finally:
            context = self.execution_context
            name = metrics.operation_label(context.operation_name)
            metrics.graphql_operations.labels(name, self._operation_type()).inc()
            if self._streaming:
                metrics.active_subscriptions.dec()
            else:
                metrics.graphql_duration.labels(name).observe(time.perf_counter() - start)
            result = context.result
            codes.extend(_code(error) for error in (getattr(result, "errors", None) or ()))
            for code in codes:
                metrics.graphql_errors.labels(code).inc()


def _code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else "UNSET"  # ErrorCodes gives every error a code
