"""The Strawberry schema and how its errors reach clients."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from .errors import ServiceError
from .extension_runner import ExtensionsRunner
from .feed_executor import SharedEventExecutor
from .graphql_limits import DocumentLimits, ExecutionTimeout, document_limit
from .graphql_read_rule import MutationReadRule
from .observability.graphql_metrics import OperationMetrics
from .observability.request_id import with_request_id
from .resolvers.mutation import Mutation
from .resolvers.query import Query
from .resolvers.subscription import Subscription
from .trusted_gate import TrustedDocuments, admit
from .trusted_gate import operation_extensions as ws_operation_extensions
from .types.bulk import ConstraintError, ForbiddenError, NotFoundError, ValidationError, VersionConflict

log = logging.getLogger("smooth_gql.graphql")


def _should_mask(error: GraphQLError) -> bool:
    """Mask what a resolver raised unexpectedly; never the client's own mistakes.

    Syntax, validation and variable-coercion errors have no path (they happen
    before execution) and describe the request, so they go back as they are.
    """
    original = error.original_error
    if error.path is None or original is None or isinstance(original, ServiceError):
        return False
    log.error("unexpected error at %s", error.path, exc_info=original)
    return True


class ErrorCodes(MaskErrors):
    """Every error carries `extensions.code`; unexpected ones become a bare INTERNAL.

    A masked error also carries `requestId`: its details are only in the log,
    and the id is how a user's report finds them. (A client's own mistake
    needs no log to be understood; its response still has the id in the
    `X-Request-ID` header.)
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=_mask_or_code, error_message="Internal server error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = with_request_id({"code": "INTERNAL"})
        return masked


def _mask_or_code(error: GraphQLError) -> bool:
    """MaskErrors' public hook, which sees every error once before it is answered: an error
    to mask says so (`anonymise_error` gives it its code); one answered as it is gets its
    code here if it has none (a client's mistake: BAD_USER_INPUT, and the limit it broke)."""
    if _should_mask(error):
        return True
    if not error.extensions or "code" not in error.extensions:
        limit = document_limit(error) or {}
        error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT", **limit}
    return False


class Schema(strawberry.Schema):
    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """One result, for one plain HTTP request: never a subscription. Strawberry would run
        one there and fail on its stream (INTERNAL); refused, the view answers 400
        "subscriptions are not allowed when using POST". Subscriptions go over a WebSocket or
        Server-Sent Events, which call `subscribe`, not this."""
        allowed = (
            DEFAULT_ALLOWED_OPERATION_TYPES if allowed_operation_types is None else allowed_operation_types
        )
        admitted = await admit(query, operation_extensions, context_value, self._schema)
        if isinstance(admitted, GraphQLError):
            return ExecutionResult(data=None, errors=[admitted])
        return await super().execute(
            admitted,
            variable_values,
            context_value,
            root_value,
            operation_name,
            set(allowed) - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        """Server-Sent Events and both WebSocket protocols (`subscribe` calls this): the
        trusted-document gate first, as in `execute`; a refusal is the stream's one result,
        a pre-execution error (the WebSocket handlers answer it with an `error` message)."""
        operation_extensions = operation_extensions or ws_operation_extensions.get()
        admitted = await admit(query, operation_extensions, context_value, self._schema)
        if isinstance(admitted, GraphQLError):
            return _refused(admitted)
        return await super().stream(
            admitted,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """Hooks found once per operation, not once per streamed result (extension_runner.py)."""
        return ExtensionsRunner(execution_context, extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Strawberry would log every error at ERROR with a traceback, a client's bad cursor
        or stale version included. Unexpected errors are logged once, with their traceback
        and the request id, where ErrorCodes masks them; the rest are the client's own
        business and are answered, not logged."""


async def _refused(error: GraphQLError) -> AsyncGenerator[PreExecutionError, None]:
    yield PreExecutionError(data=None, errors=[error])


def build_schema() -> strawberry.Schema:
    """The schema, built once per process (`schema` below) and shared by every app in it.

    Nothing in it depends on an app's settings or metrics: its extensions read
    them from each request's context. Building a schema takes 50-100 ms, so a
    test process that makes hundreds of apps must not build one per app.
    Extensions listed first see the result last, so the metrics see the masked
    errors and their codes.
    """
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            OperationMetrics,
            TrustedDocuments,
            DocumentLimits,
            ExecutionTimeout,
            MutationReadRule,
            ErrorCodes,
        ],
        types=[ValidationError, NotFoundError, ForbiddenError, ConstraintError, VersionConflict],
        # Queries and subscription events run from a cached plan (SMOOTH_EXECUTOR picks per app);
        # a change-feed event runs once for all subscribers that ask the same with the same access.
        execution_context_class=SharedEventExecutor,
    )


schema = build_schema()
