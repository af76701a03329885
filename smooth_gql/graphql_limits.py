"""What a GraphQL request may cost, checked by extensions that read the limits per request.

Depth, aliases and tokens are checked while the document is parsed and
validated, so an over-limit request is refused before any resolver runs (and
before any SQL). The schema, and so its extensions, is built once per process
and shared by every app in it; the limits are the settings of the app serving
the request, read from its context. The parser and validation caches are
bounded: a public endpoint must not let unique query texts grow memory
without limit. Page size (`first`) is enforced by the read services, batch size of writes by
the write services; both are settings too. Strawberry has no execution
timeout, so `ExecutionTimeout` is ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Iterator
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.extensions.validation_cache import _get_validate_cache
from strawberry.types import ExecutionContext

from .config import Settings
from .observability.request_id import with_request_id
from .services.errors import limit_extension

log = logging.getLogger("smooth_gql.graphql")

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


def request_settings(execution_context: ExecutionContext) -> Settings:
    """The settings of the app serving this request.

    The schema is built once per process and shared by every app in it, so no
    limit is baked into it: each request reads its app's settings from the
    context. A request run without our context (the schema executed directly)
    gets the defaults, which are the safe ones.
    """
    context = execution_context.context
    runtime = getattr(context, "runtime", None)
    settings = getattr(runtime, "settings", None)
    return settings if isinstance(settings, Settings) else _DEFAULT_SETTINGS


_DEFAULT_SETTINGS = Settings()


@lru_cache(maxsize=64)
def _validation_rules(
    max_depth: int, max_aliases: int, introspection: bool
) -> tuple[type[ASTValidationRule], ...]:
    """The rules of one combination of limits, made once per combination.

    The rule classes are part of the validation cache's key: a new class per
    request would make every lookup a miss, so the same limits must give the
    very same classes (the depth and alias rules are the validators behind
    Strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter`).
    """
    rules: list[type[ASTValidationRule]] = [
        max_depth_rule(max_depth, should_ignore=None),
        max_aliases_rule(max_aliases),
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


class DocumentLimits(SchemaExtension):
    """Tokens, depth, aliases and introspection, with the parse and validation caches.

    Parsing and validation results are kept in Strawberry's bounded LRU caches
    (`query_cache_size` entries each, shared by the process): a public endpoint
    must not let unique query texts grow memory without limit. The token limit
    is a parse option and the other limits are validation rules, so both are
    part of the cache keys: apps with different limits never share an entry.
    """

    def __init__(self) -> None:
        super().__init__()
        self.settings = _DEFAULT_SETTINGS

    def on_operation(self) -> Iterator[None]:
        self.settings = request_settings(self.execution_context)
        self.execution_context.parse_options["max_tokens"] = self.settings.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        """A document that fails to parse is left to Strawberry.

        Raising the syntax error (or the token limit's error) out of this hook
        would skip the error-masking extension, so the error would reach the
        client without `extensions.code`. Leaving the document unset makes
        Strawberry parse it once more and report the error as usual.
        """
        context = self.execution_context
        parse = _get_parse_cache(self.settings.query_cache_size)
        with contextlib.suppress(GraphQLError):
            context.graphql_document = parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        settings = self.settings
        rules = _validation_rules(settings.max_query_depth, settings.max_aliases, settings.introspection)
        context.validation_rules = (*context.validation_rules, *rules)
        validate = _get_validate_cache(settings.query_cache_size)
        context.pre_execution_errors = validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        yield


class ExecutionTimeout(SchemaExtension):
    """Cancels a query or mutation still executing after `seconds`; answers TIMEOUT.

    Cancellation reaches the resolvers as `CancelledError`: a write's unit of
    work rolls back, unless the cancellation lands while COMMIT itself is in
    flight, when the write may or may not have been stored (the client learns
    which by reading it back). A subscription's stream is not limited: only
    its start runs inside `on_execute`.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        seconds = request_settings(self.execution_context).execution_timeout_seconds
        deadline = asyncio.timeout(seconds)
        try:
            async with deadline:
                yield
        except TimeoutError:
            if not deadline.expired():  # a TimeoutError of somebody else's
                raise
            name = self.execution_context.operation_name or "anonymous"
            log.warning("operation %s cancelled after %s s", name, seconds)
            raise GraphQLError(
                f"The operation ran longer than {seconds:g} s and was cancelled.",
                extensions=with_request_id({"code": "TIMEOUT"}),
            ) from None
