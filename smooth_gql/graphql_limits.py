"""What a GraphQL request may cost, checked by extensions that read the limits per request.

In order: tokens while parsing; then the document's cost — fields, depth,
aliases and field merges, measured in time linear in the document
(`document_cost`), and in the same walk the static cost of the operation that
runs (`query_cost`; COST_LIMIT over SMOOTH_MAX_QUERY_COST, and reported in
`extensions.cost` of every response) — before graphql-core's validation, which
is quadratic in places; then validation; then, before variables are coerced, the count of a
bulk write's input (`graphql_bulk_guard`). Each refusal comes before any
resolver runs and before any SQL. The schema, and so its extensions, is built
once per process and shared by every app in it; the limits are the settings
of the app serving the request, read from its context. The parser and
validation caches are bounded: a public endpoint must not let unique query
texts grow memory without limit. Page size (`first`) is enforced by the read
services, batch size of writes by the write services as well. Strawberry has
no execution timeout, so `ExecutionTimeout` is ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    Node,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache
from strawberry.types import ExecutionContext

from .config import Settings
from .document_cost import DocumentCost, OperationCost, document_cost, field_merges
from .errors import limit_extension
from .graphql_budget import charge
from .graphql_bulk_guard import bulk_refusal
from .observability.request_id import with_request_id
from .query_cost import CAP, CostReport, Pricing

log = logging.getLogger("smooth_gql.graphql")

# How graphql-core words a refusal by the token limit, with the limit's value; it gives no
# other handle on which limit it was (test_limits pins the wording). Our own refusals carry
# their `extensions.limit` from the start.
_DOCUMENT_LIMITS: tuple[tuple[re.Pattern[str], str], ...] = (
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


@lru_cache(maxsize=2)
def extra_validation_rules(introspection: bool) -> tuple[type[ASTValidationRule], ...]:
    """Our rules beyond graphql-core's own; the rule classes are part of the validation
    cache's key, so the same settings must give the very same tuple."""
    return () if introspection else (NoSchemaIntrospectionCustomRule,)


def cost_errors(document: DocumentNode, cost: DocumentCost, settings: Settings) -> list[GraphQLError]:
    """Refusals of a document over the field, depth or alias limit (measured linearly, `cost`).

    The messages of depth and aliases are those of Strawberry's `QueryDepthLimiter`
    and `MaxAliasesLimiter`, which this replaces: they walk every fragment spread
    again, exponential in the document (see `document_cost`).
    """
    errors: list[GraphQLError] = []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation, node in zip(cost.operations, operations, strict=True):
        errors.extend(_size_errors(f"'{operation.name}'", operation, node, settings))
    # A fragment no operation uses is validated too. Its depth is not checked: alone, it cannot
    # tell introspection types (free, under `__schema`) from others.
    for fragment in cost.fragments if not errors else ():
        if fragment.fields > settings.max_query_fields:
            errors = _size_errors(f"fragment '{fragment.name}'", replace(fragment, depth=0), None, settings)
            break
    # Only now that every definition is within the field limit is counting merges cheap.
    merges = 0 if errors else field_merges(document, cost.ordered_fragments, 50 * settings.max_query_fields)
    if merges > settings.max_field_merges:
        pairs = "too many" if merges >= CAP else f"{merges}"
        errors.append(
            _limit_error(
                f"The document repeats fields too often: validating it would compare {pairs} "
                f"pairs of fields; the limit is {settings.max_field_merges}",
                None,
                "maxFieldMerges",
                settings.max_field_merges,
            )
        )
    aliases = min(CAP, sum(operation.aliases for operation in cost.operations))
    if aliases > settings.max_aliases:
        found = f"More than {CAP - 1}" if aliases >= CAP else f"{aliases}"
        errors.append(
            _limit_error(
                f"{found} aliases found. Allowed: {settings.max_aliases}",
                None,
                "maxAliases",
                settings.max_aliases,
            )
        )
    return errors


def selected_operation(
    document: DocumentNode, name: str | None
) -> tuple[int, OperationDefinitionNode | None]:
    """The operation a request runs (its index among the document's operations), as graphql-core
    picks it; None when it names none (graphql-core then answers that itself)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for index, operation in enumerate(operations):
        if (name is None and len(operations) == 1) or (operation.name and operation.name.value == name):
            return index, operation
    return -1, None


def cost_limit_errors(
    cost: int, operation: OperationDefinitionNode, settings: Settings
) -> list[GraphQLError]:
    """COST_LIMIT for an operation over SMOOTH_MAX_QUERY_COST, with the limit and the cost."""
    limit = settings.max_query_cost
    if cost <= limit:
        return []
    shown = f"more than {CAP - 1}" if cost >= CAP else f"{cost}"
    return [
        GraphQLError(
            f"The operation costs {shown}; the limit is {limit} (each object resolved costs 1, "
            "a list multiplies what it selects by its page size)",
            operation,
            extensions={"code": "COST_LIMIT", **limit_extension("maxQueryCost", limit), "cost": cost},
        )
    ]


def _size_errors(what: str, cost: OperationCost, node: Node | None, settings: Settings) -> list[GraphQLError]:
    errors = []
    if cost.fields > settings.max_query_fields:
        count = f"more than {CAP - 1}" if cost.fields >= CAP else f"{cost.fields}"
        errors.append(
            _limit_error(
                f"{what} selects {count} fields, counting a fragment at every spread; "
                f"the limit is {settings.max_query_fields}",
                node,
                "maxQueryFields",
                settings.max_query_fields,
            )
        )
    if cost.depth > settings.max_query_depth:
        errors.append(
            _limit_error(
                f"{what} exceeds maximum operation depth of {settings.max_query_depth}",
                node,
                "maxQueryDepth",
                settings.max_query_depth,
            )
        )
    return errors


def _limit_error(message: str, node: Node | None, name: str, value: int) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": "BAD_USER_INPUT", **limit_extension(name, value)})


class DocumentLimits(SchemaExtension):
    """Tokens, document cost, the operation's static cost, introspection and bulk input counts,
    with the parse and validation caches.

    Parsing and validation results are kept in Strawberry's bounded LRU caches
    (`query_cache_size` entries each, shared by the process). The token limit
    is a parse option and the introspection switch a validation rule, so both
    are part of the cache keys; the cost is measured on every request, ahead of
    the validation cache: apps with different limits never share a verdict.
    """

    def __init__(self) -> None:
        super().__init__()
        self.settings = _DEFAULT_SETTINGS
        self.cost = 0  # of the operation that runs; 0 until priced (a document that did not parse)
        self.remaining: int | None = None  # the caller's points left after it (graphql_budget)

    def get_results(self) -> dict[str, Any]:
        """`extensions.cost` on every response of the operation, refusals and events included."""
        report: CostReport = {
            "requested": self.cost,
            "limit": self.settings.max_query_cost,
            "remaining": self.remaining,
        }
        return {"cost": report}

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
        if context.graphql_document is not None:  # a trusted document, parsed when registered
            yield
            return
        parse = _get_parse_cache(self.settings.query_cache_size)
        with contextlib.suppress(GraphQLError):
            context.graphql_document = parse(context.query, **context.parse_options)
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        """The cost first, in time linear in the document; graphql-core's validation only for a
        document within it (validation of a document within the limits is bounded in time, and
        it is cached; the cost is not, so renaming fragments gains nothing); then, for a valid
        operation only, its points charged to the caller's budget (`graphql_budget`)."""
        context = self.execution_context
        settings = self.settings
        # A trusted document was validated when it was registered (TrustedDocuments says so
        # with an empty error list); it is still priced, as its cost depends on the variables.
        validated = context.pre_execution_errors is not None
        document = context.graphql_document
        assert document is not None  # Strawberry validates parsed documents only
        index, operation = selected_operation(document, context.operation_name)
        pricing = Pricing.of(
            context.schema._schema,
            operation,
            context.variables,
            default_page=settings.default_page_size,
            max_page=settings.max_page_size,
        )
        measured = document_cost(document, pricing)
        refused = cost_errors(document, measured, settings)
        if operation is not None:
            self.cost = measured.operations[index].cost
            refused.extend(cost_limit_errors(self.cost, operation, settings))
        if not refused and not validated:
            context.validation_rules = (
                *context.validation_rules,
                *extra_validation_rules(settings.introspection),
            )
            validate = _get_validate_cache(settings.query_cache_size)
            refused = list(validate(context.schema._schema, document, context.validation_rules))
        if not refused:  # a refused document runs nothing and is not counted
            self.remaining, over_budget = await charge(context.context, self.cost)
            refused = [over_budget] if over_budget is not None else []
        context.pre_execution_errors = refused
        yield

    def on_execute(self) -> Iterator[None]:
        """A bulk write refused on the count of its input, before graphql-core coerces it;
        a result set here is returned instead of executing (see `graphql_bulk_guard`)."""
        refusal = bulk_refusal(self.execution_context)
        if refusal is not None:
            self.execution_context.result = GraphQLExecutionResult(data=None, errors=[refusal])
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
