"""The Strawberry schema and how its errors reach clients."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext

from .graphql_limits import DocumentLimits, ExecutionTimeout, document_limit
from .observability.graphql_metrics import OperationMetrics
from .observability.request_id import with_request_id
from .resolvers.mutation import Mutation
from .resolvers.query import Query
from .resolvers.subscription import Subscription
from .services.errors import ServiceError
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
        super().__init__(should_mask_error=_should_mask, error_message="Internal server error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = with_request_id({"code": "INTERNAL"})
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if not error.extensions or "code" not in error.extensions:
                limit = document_limit(error) or {}
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT", **limit}
        return processed


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Strawberry would log every error at ERROR with a traceback, a client's bad cursor
        or stale version included. Unexpected errors are logged once, with their traceback
        and the request id, where ErrorCodes masks them; the rest are the client's own
        business and are answered, not logged."""


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
        extensions=[OperationMetrics, DocumentLimits, ExecutionTimeout, ErrorCodes],
        types=[ValidationError, NotFoundError, ForbiddenError, ConstraintError, VersionConflict],
    )


schema = build_schema()
