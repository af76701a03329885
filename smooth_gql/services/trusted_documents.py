"""Trusted documents: GraphQL documents an admin registered, which requests may name by hash.

A document is known by the SHA-256 (hex) of its exact text, as Apollo's
persisted-query extension names it. Registering parses and validates it once,
with a `Compiler` the GraphQL door supplies (services know nothing of GraphQL);
what the compiler returns is kept in a bounded per-database cache, so serving a
registered document never parses or validates it again while it is cached. A
cache entry says the document was registered when it was last checked; after
RECHECK_SECONDS a hit is checked against the database again (one primary-key
read), so a document another worker removed stops being served within that
time. This worker's own removals drop the entry at once.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import delete, select

from ..auth import policy
from ..auth.principal import Principal
from ..db import models
from ..db.queries import first_mapping, mappings
from ..db.types import utcnow
from ..errors import BadInput, Forbidden, NotFound, Reason
from ..runtime import Runtime
from .unit_of_work import UnitOfWork

DOCUMENTS = models.table_of(models.TrustedDocument)
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
RECHECK_SECONDS = 30.0
MAX_PER_CALL = 100  # documents one registration may carry


@dataclass(frozen=True)
class Compiled:
    """A document parsed and validated by the GraphQL door; `document` is its parsed form."""

    operation_names: tuple[str, ...]
    document: object


# Parses and validates one document; raises BadInput naming the problem.
Compiler = Callable[[str], Compiled]


@dataclass(frozen=True)
class Found:
    sha256: str
    text: str
    compiled: Compiled


@dataclass
class _Entry:
    found: Found
    checked_at: float


class DocumentCache:
    """The compiled registered documents of one database, least recently used evicted first.

    Kept by hash and by text: a request that sends a registered document's text
    in full gets its compiled form too."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._by_hash: OrderedDict[str, _Entry] = OrderedDict()
        self._by_text: dict[str, str] = {}

    def get(self, sha256: str) -> _Entry | None:
        entry = self._by_hash.get(sha256)
        if entry is not None:
            self._by_hash.move_to_end(sha256)
        return entry

    def compiled_for_text(self, text: str) -> Compiled | None:
        sha256 = self._by_text.get(text)
        entry = None if sha256 is None else self._by_hash.get(sha256)
        return None if entry is None else entry.found.compiled

    def put(self, found: Found) -> None:
        self._by_hash[found.sha256] = _Entry(found, time.monotonic())
        self._by_hash.move_to_end(found.sha256)
        self._by_text[found.text] = found.sha256
        while len(self._by_hash) > self.size:
            _, evicted = self._by_hash.popitem(last=False)
            self._by_text.pop(evicted.found.text, None)

    def drop(self, sha256: str) -> None:
        entry = self._by_hash.pop(sha256, None)
        if entry is not None:
            self._by_text.pop(entry.found.text, None)


_CACHES: WeakKeyDictionary[object, DocumentCache] = WeakKeyDictionary()


def cache_of(runtime: Runtime) -> DocumentCache:
    """The cache of the database `runtime` reaches (one per session factory, so per app)."""
    cache = _CACHES.get(runtime.sessions)
    if cache is None:
        cache = _CACHES[runtime.sessions] = DocumentCache(runtime.settings.query_cache_size)
    return cache


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def public(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**row, "operation_names": list(row["operation_names"])}


def _require_admin(principal: Principal, what: str) -> None:
    policy.require_authenticated(principal)
    if not principal.is_admin:
        raise Forbidden(f"only admins may {what} trusted documents", reason=Reason.ADMIN_REQUIRED)


def _texts(documents: object) -> list[str]:
    if not isinstance(documents, list | tuple) or not documents:
        raise BadInput("give at least one document", field="documents", reason=Reason.REQUIRED)
    if len(documents) > MAX_PER_CALL:
        raise BadInput(f"at most {MAX_PER_CALL} documents per call, got {len(documents)}", field="documents")
    for index, text in enumerate(documents):
        if not isinstance(text, str) or not text.strip():
            raise BadInput(
                "must be a non-empty document", field=f"documents[{index}]", reason=Reason.REQUIRED
            )
    return list(documents)


def _compile(compiler: Compiler, index: int, text: str) -> Compiled:
    try:
        return compiler(text)
    except BadInput as error:
        raise BadInput(error.problem, field=f"documents[{index}]") from None


async def register(
    runtime: Runtime, principal: Principal, documents: object, compiler: Compiler
) -> list[dict[str, Any]]:
    """Admins only. Every document is compiled before anything is stored (one bad document
    stores none); a document already registered is returned as it is (registering is
    idempotent on the exact text)."""
    _require_admin(principal, "register")
    texts = _texts(documents)
    compiled = [_compile(compiler, i, text) for i, text in enumerate(texts)]
    now = utcnow()
    rows: dict[str, dict[str, Any]] = {}
    for text, done in zip(texts, compiled, strict=True):
        sha256 = sha256_of(text)
        rows.setdefault(
            sha256,
            {
                "sha256": sha256,
                "document": text,
                "operation_names": list(done.operation_names),
                "created_by": principal.user_id or None,
                "created_at": now,
            },
        )
    async with UnitOfWork(runtime) as uow:
        stored = await uow.session.execute(select(DOCUMENTS).where(DOCUMENTS.c.sha256.in_(list(rows))))
        existing = {row["sha256"]: row for row in mappings(stored)}
        new = [row for sha256, row in rows.items() if sha256 not in existing]
        if new:
            await uow.session.execute(DOCUMENTS.insert(), new)
        await uow.commit()
    cache = cache_of(runtime)
    for text, done in zip(texts, compiled, strict=True):
        cache.put(Found(sha256_of(text), text, done))
    return [public(existing.get(sha256, row)) for sha256, row in rows.items()]


async def list_documents(runtime: Runtime, principal: Principal) -> list[dict[str, Any]]:
    """Admins only; oldest first."""
    _require_admin(principal, "list")
    query = select(DOCUMENTS).order_by(DOCUMENTS.c.created_at, DOCUMENTS.c.sha256)
    async with runtime.sessions() as session:
        return [public(row) for row in mappings(await session.execute(query))]


def check_hash(value: object, field: str) -> str:
    """A SHA-256 as lower-case hex, or BadInput naming `field`."""
    if not isinstance(value, str) or SHA256_HEX.fullmatch(value) is None:
        raise BadInput("must be a SHA-256 hash as 64 lower-case hex digits", field=field)
    return value


async def remove(runtime: Runtime, principal: Principal, sha256: object) -> dict[str, Any]:
    """Admins only; the removed document, or NotFound. This worker stops serving it at once."""
    _require_admin(principal, "remove")
    wanted = check_hash(sha256, "sha256Hash")
    async with UnitOfWork(runtime) as uow:
        found = first_mapping(
            await uow.session.execute(select(DOCUMENTS).where(DOCUMENTS.c.sha256 == wanted))
        )
        if found is None:
            raise NotFound(f"no trusted document with hash {wanted}", field="sha256Hash")
        await uow.session.execute(delete(DOCUMENTS).where(DOCUMENTS.c.sha256 == wanted))
        await uow.commit()
    cache_of(runtime).drop(wanted)
    return public(found)


async def lookup(runtime: Runtime, sha256: str, compiler: Compiler) -> Found | None:
    """The registered document with this hash, compiled, or None when none is registered.

    A fresh cache hit reads nothing; a stale one or a miss reads the row. A stored
    document that no longer compiles (the schema changed since) is refused naming why."""
    cache = cache_of(runtime)
    entry = cache.get(sha256)
    if entry is not None and time.monotonic() - entry.checked_at < RECHECK_SECONDS:
        return entry.found
    async with runtime.sessions() as session:
        row = first_mapping(
            await session.execute(select(DOCUMENTS.c.document).where(DOCUMENTS.c.sha256 == sha256))
        )
    if row is None:
        cache.drop(sha256)
        return None
    text = row["document"]
    if entry is not None and entry.found.text == text:
        found = entry.found
    else:
        try:
            found = Found(sha256, text, compiler(text))
        except BadInput as error:
            raise BadInput(f"the trusted document {sha256} no longer validates: {error.problem}") from None
    cache.put(found)
    return found
