"""`trustedDocuments`, `registerTrustedDocuments`, `removeTrustedDocument` (admins only)."""

from __future__ import annotations

import strawberry

from ..context import Context
from ..services import trusted_documents
from ..trusted_gate import compiler
from ..types.trusted_documents import TrustedDocument

Info = strawberry.Info[Context, None]


@strawberry.type
class TrustedDocumentQuery:
    @strawberry.field(description="Every registered document, oldest first (admins only).")
    async def trusted_documents(self, info: Info) -> list[TrustedDocument]:
        ctx = info.context
        return [
            TrustedDocument.of(r) for r in await trusted_documents.list_documents(ctx.runtime, ctx.principal)
        ]


@strawberry.type
class TrustedDocumentMutation:
    @strawberry.mutation(
        description="Register documents (admins only): each is parsed and validated now, once; one "
        "invalid document registers none. Registering a text again returns it as it is."
    )
    async def register_trusted_documents(self, info: Info, documents: list[str]) -> list[TrustedDocument]:
        ctx = info.context
        compile_document = compiler(info.schema._schema, ctx.runtime.settings)
        rows = await trusted_documents.register(ctx.runtime, ctx.principal, documents, compile_document)
        return [TrustedDocument.of(r) for r in rows]

    @strawberry.mutation(description="Remove a registered document (admins only); it is no longer served.")
    async def remove_trusted_document(self, info: Info, sha256_hash: str) -> TrustedDocument:
        ctx = info.context
        return TrustedDocument.of(await trusted_documents.remove(ctx.runtime, ctx.principal, sha256_hash))
