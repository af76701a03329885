"""Trusted documents at the GraphQL door: the persisted-query extension, and keys that run
registered documents only.

Every transport passes `admit` (the schema's `execute` and `stream` call it:
plain HTTP, Server-Sent Events and both WebSocket protocols), before a context
manager of any extension is entered and before any SQL of the operation. It
turns Apollo's `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash":
"…"}}}` into the registered document's text, or into a refusal: a malformed
extension or a hash that does not match the text sent is BAD_USER_INPUT, an
unknown hash PERSISTED_QUERY_NOT_FOUND, an ad-hoc document sent with a
trusted-documents-only key FORBIDDEN. Only a hash lookup reads the database.

The `TrustedDocuments` extension then hands Strawberry the document parsed and
validated at registration, so a registered document is not parsed or
validated again (DocumentLimits skips what is set already).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    parse,
    specified_rules,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from .auth.principal import Principal
from .config import Settings
from .document_cost import document_cost
from .errors import BadInput, Forbidden, PersistedQueryNotFound, Reason, ServiceError
from .graphql_limits import cost_errors, extra_validation_rules
from .runtime import Runtime
from .services import trusted_documents
from .services.trusted_documents import Compiled, Compiler

EXTENSION = "persistedQuery"

# The `extensions` of a graphql-transport-ws `subscribe`, which Strawberry does not pass on:
# set by ws_handlers in the operation's own task, read by the schema's `stream` there.
operation_extensions: ContextVar[dict[str, Any] | None] = ContextVar("operation_extensions", default=None)


def compiler(schema: GraphQLSchema, settings: Settings) -> Compiler:
    """Parses and validates a document against `schema` within `settings`' limits, once."""

    def compile_document(text: str) -> Compiled:
        try:
            document = parse(text, max_tokens=settings.max_tokens)
        except GraphQLSyntaxError as error:
            raise BadInput(error.message) from None
        # The document's size first (linear), as for any request; graphql-core's validation
        # only within it. Its price depends on each request's variables: requests are priced.
        problems = cost_errors(document, document_cost(document), settings) or validate_document(
            schema, document, (*specified_rules, *extra_validation_rules(settings.introspection))
        )
        if problems:
            raise BadInput("; ".join(problem.message for problem in problems))
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if not operations:
            raise BadInput("the document has no operation")
        return Compiled(tuple(op.name.value for op in operations if op.name is not None), document)

    return compile_document


def persisted_hash(extensions: object) -> str | None:
    """The hash a request names in its persisted-query extension, None without one;
    BadInput naming the field when the extension is malformed."""
    if not isinstance(extensions, Mapping) or extensions.get(EXTENSION) is None:
        return None
    field = f"extensions.{EXTENSION}"
    persisted = extensions[EXTENSION]
    if not isinstance(persisted, Mapping):
        raise BadInput("must be an object with `version` and `sha256Hash`", field=field)
    version = persisted.get("version")
    if version != 1 or isinstance(version, bool):
        raise BadInput(f"must be 1, not {version!r}", field=f"{field}.version")
    return trusted_documents.check_hash(persisted.get("sha256Hash"), f"{field}.sha256Hash")


async def _admitted(
    query: str | None, extensions: object, context: object, schema: GraphQLSchema
) -> str | None:
    sha256 = persisted_hash(extensions)
    principal = getattr(context, "principal", None)
    trusted_only = isinstance(principal, Principal) and principal.trusted_documents_only
    if sha256 is None and not trusted_only:
        return query  # the common case: no hash, any document; nothing is read
    runtime = getattr(context, "runtime", None)
    assert isinstance(runtime, Runtime), "trusted documents need the app's context"
    if query is not None:
        if sha256 is not None and trusted_documents.sha256_of(query) != sha256:
            field = f"extensions.{EXTENSION}.sha256Hash"
            raise BadInput("does not match the SHA-256 of `query`", field=field)
        sha256 = sha256 or trusted_documents.sha256_of(query)
    assert sha256 is not None
    found = await trusted_documents.lookup(runtime, sha256, compiler(schema, runtime.settings))
    if found is not None:
        return found.text
    if query is None:
        raise PersistedQueryNotFound
    raise Forbidden(
        "this API key may run trusted documents only: send a registered document "
        f"(or its hash in extensions.{EXTENSION}.sha256Hash)",
        reason=Reason.TRUSTED_DOCUMENTS_ONLY,
    )


async def admit(
    query: str | None, extensions: object, context: object, schema: GraphQLSchema
) -> str | GraphQLError | None:
    """The document to run (None: the request has none, as before), or the refusal to answer."""
    try:
        return await _admitted(query, extensions, context, schema)
    except ServiceError as refusal:
        return GraphQLError(refusal.message, extensions=refusal.extensions, original_error=refusal)


class TrustedDocuments(SchemaExtension):
    """Gives Strawberry a registered document's parsed form, and marks it validated."""

    def __init__(self) -> None:
        super().__init__()
        self.trusted = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        runtime = getattr(context.context, "runtime", None)
        compiled = None
        if isinstance(runtime, Runtime) and context.query:
            compiled = trusted_documents.cache_of(runtime).compiled_for_text(context.query)
        self.trusted = compiled is not None
        if compiled is not None:
            context.graphql_document = compiled.document  # type: ignore[assignment]
        yield

    def on_validate(self) -> Iterator[None]:
        if self.trusted:
            self.execution_context.pre_execution_errors = []
        yield
