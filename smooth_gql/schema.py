"""The Strawberry schema and how its errors reach clients."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

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
    """Every error carries `extensions.code`; unexpected ones become a bare INTERNAL."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_should_mask, error_message="Internal server error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL"}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if not error.extensions or "code" not in error.extensions:
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
        return processed


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[ErrorCodes],
        types=[ValidationError, NotFoundError, ForbiddenError, ConstraintError, VersionConflict],
    )


schema = build_schema()
