"""What a GraphQL request may cost, as Strawberry's own extensions configured from Settings.

Depth, aliases and tokens are checked while the document is parsed and
validated, so an over-limit request is refused before any resolver runs (and
before any SQL). The parser and validation caches are bounded: a public
endpoint must not let unique query texts grow memory without limit.
Page size (`first`) is enforced by the read services, batch size of writes by
the write services; both are settings too. Strawberry has no execution
timeout, so `ExecutionTimeout` is ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Any

from graphql import ASTValidationRule, GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from .config import Settings
from .observability.request_id import with_request_id
from .services.errors import limit_extension

log = logging.getLogger("smooth_gql.graphql")

ExtensionFactory = Callable[[], SchemaExtension]

# How graphql-core and Strawberry word a refusal by each document limit, with the limit's
# value; they give no other handle on which limit it was (test_limits pins the wording).
_DOCUMENT_LIMITS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"exceeds maximum operation depth of (\d+)$"), "maxQueryDepth"),
    (re.compile(r"^\d+ aliases found\. Allowed: (\d+)$"), "maxAliases"),
    (re.compile(r"Document contains more than (\d+) tokens\. Parsing aborted\.$"), "maxTokens"),
)


def document_limit(error: GraphQLError) -> dict[str, Any] | None:
    """`extensions.limit` for an error that refused the document for its size, else None."""
    if error.path is not None:  # raised while executing, not while parsing or validating
        return None
    for pattern, name in _DOCUMENT_LIMITS:
        found = pattern.search(error.message)
        if found is not None:
            return limit_extension(name, int(found.group(1)))
    return None


def limit_extensions(settings: Settings) -> list[ExtensionFactory]:
    """Factories, not instances: Strawberry builds each extension fresh per request.

    The depth and alias rules are the validators behind Strawberry's
    `QueryDepthLimiter` and `MaxAliasesLimiter` (and introspection's, behind
    `DisableIntrospection`), made once here rather than by those extensions on
    every request: the rule classes are part of the validation cache's key, and
    a new class per request would make every lookup a miss.
    """
    rules: list[type[ASTValidationRule]] = [
        max_depth_rule(settings.max_query_depth, should_ignore=None),
        max_aliases_rule(settings.max_aliases),
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return [
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(SyntaxReportingParserCache, maxsize=settings.query_cache_size),
        partial(AddValidationRules, rules),
        partial(ValidationCache, maxsize=settings.query_cache_size),
        partial(ExecutionTimeout, seconds=settings.execution_timeout_seconds),
    ]


class ExecutionTimeout(SchemaExtension):
    """Cancels a query or mutation still executing after `seconds`; answers TIMEOUT.

    Cancellation reaches the resolvers as `CancelledError`: a write's unit of
    work rolls back, unless the cancellation lands while COMMIT itself is in
    flight, when the write may or may not have been stored (the client learns
    which by reading it back). A subscription's stream is not limited: only
    its start runs inside `on_execute`.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    async def on_execute(self) -> AsyncIterator[None]:
        deadline = asyncio.timeout(self.seconds)
        try:
            async with deadline:
                yield
        except TimeoutError:
            if not deadline.expired():  # a TimeoutError of somebody else's
                raise
            name = self.execution_context.operation_name or "anonymous"
            log.warning("operation %s cancelled after %s s", name, self.seconds)
            raise GraphQLError(
                f"The operation ran longer than {self.seconds:g} s and was cancelled.",
                extensions=with_request_id({"code": "TIMEOUT"}),
            ) from None


class SyntaxReportingParserCache(ParserCache):
    """Strawberry's parser cache, but a document that fails to parse is left to Strawberry.

    The stock extension raises the syntax error (or the token limit's error)
    out of its hook, which skips the error-masking extension, so the error
    would reach the client without `extensions.code`. Leaving the document
    unset makes Strawberry parse it once more and report the error as usual.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield
