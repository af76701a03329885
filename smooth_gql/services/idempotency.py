"""Idempotency keys (issue 15): a retried bulk write returns its first outcome instead of
writing twice.

A CNC bridge whose connection drops mid-request cannot know whether its write
was stored. It sends a key with the write; `write_once` runs every keyed write
of either door, around the verbs of the one write path:

1. The key is claimed inside the write's own unit of work, before anything is
   written: an INSERT of (caller, key) that the primary key decides. On
   PostgreSQL a second transaction inserting the same key waits for the first
   to commit or roll back (bounded by `WAIT`, then IDEMPOTENCY_IN_PROGRESS); on
   SQLite writers are serialized anyway.
2. A key already stored (committed by an earlier write) answers instead of the
   write: the same request gets the stored outcome, with nothing written, no
   audit and no change rows; a different request is IDEMPOTENCY_KEY_REUSED.
3. Otherwise the verb writes in that unit of work and the outcome is stored
   with the key before the one commit. A write that rolls back (an atomic
   batch that failed, an error) leaves no key, so its retry writes.

Keys are per caller: a user (whichever session) or an API key. A key lives
`SMOOTH_IDEMPOTENCY_HOURS`; the caller's expired keys are dropped when it
claims a new one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Delete
from sqlalchemy.sql.elements import ColumnElement

from ..auth.principal import Principal, PrincipalKind
from ..db import models
from ..db.types import utcnow
from ..errors import IdempotencyInProgress, IdempotencyKeyReused
from ..runtime import Runtime
from .idempotency_codec import KEY_FIELD, check_key, decode_outcome, encode_outcome, request_digest
from .unit_of_work import UnitOfWork, finish, joined
from .write_request import BulkOutcome, WriteRequest, check_bulk_request

KEYS = models.table_of(models.IdempotencyKey)
WAIT = "5s"  # how long a retry waits on PostgreSQL for the first request holding its key
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout ran out

Verb = Callable[[Runtime, Principal, WriteRequest], Awaitable[BulkOutcome]]


async def write_once(
    runtime: Runtime, principal: Principal, request: WriteRequest, verb: Verb, *, deleting: bool
) -> BulkOutcome:
    """Run `verb` on `request`, or answer with the outcome its idempotency key already holds."""
    if request.idempotency_key is None:
        return await verb(runtime, principal, request)
    key = check_key(request.idempotency_key)
    # A caller that may not write gets FORBIDDEN (or LIMIT) before the key is looked at.
    check_bulk_request(runtime, principal, request.entity, len(request.items), deleting=deleting)
    claim = _Claim(principal, key, request_digest(verb.__name__, request), utcnow())
    async with joined(runtime, request.within) as uow:
        stored = await claim.take(uow, timedelta(hours=runtime.settings.idempotency_hours))
        if stored is not None:
            return decode_outcome(request.spec, stored)
        outcome = await verb(runtime, principal, replace(request, within=uow))
        if request.atomic and outcome.errors:
            return outcome  # nothing was written: the unit of work rolls back, the key with it
        await claim.store(uow, outcome)
        await finish(uow, request.within)
    return outcome


def caller_of(principal: Principal) -> tuple[str, str]:
    """Whose keys these are: an API key's own, else its user's (any session, or none)."""
    if principal.kind is PrincipalKind.API_KEY and principal.api_key_id is not None:
        return "api_key", principal.api_key_id
    return "user", principal.user_id


def expired_keys(caller: tuple[str, str], now: datetime) -> Delete:
    """Drops the caller's keys that expired by `now`. Every claim runs it, so it must cost the
    same however many live keys the caller holds: the index on (caller, expires_at) finds the
    expired ones alone (migration 0008)."""
    kind, owner = caller
    return delete(KEYS).where(
        KEYS.c.principal_kind == kind, KEYS.c.principal_id == owner, KEYS.c.expires_at < now
    )


class _Claim:
    """One caller's key for one request, claimed in a unit of work."""

    def __init__(self, principal: Principal, key: str, digest: str, now: datetime) -> None:
        self.kind, self.owner = caller_of(principal)
        self.key, self.digest, self.now = key, digest, now

    def _this_key(self) -> ColumnElement[bool]:
        return and_(
            KEYS.c.principal_kind == self.kind, KEYS.c.principal_id == self.owner, KEYS.c.key == self.key
        )

    async def take(self, uow: UnitOfWork, keep: timedelta) -> Mapping[str, Any] | None:
        """Claim the key; None when it is ours to write, else the outcome stored with it."""
        if uow.is_postgres:
            await uow.session.execute(text(f"SET LOCAL lock_timeout = '{WAIT}'"))
        try:
            inserted = await self._insert(uow, keep)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                raise self._in_progress() from None
            raise
        if uow.is_postgres:
            await uow.session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
        if inserted:
            return None
        return await self._stored(uow)

    async def _insert(self, uow: UnitOfWork, keep: timedelta) -> bool:
        await uow.session.execute(expired_keys((self.kind, self.owner), self.now))
        dialect = postgresql if uow.is_postgres else sqlite
        values = {
            "principal_kind": self.kind,
            "principal_id": self.owner,
            "key": self.key,
            "request_digest": self.digest,
            "state": "in_progress",
            "created_at": self.now,
            "expires_at": self.now + keep,
        }
        statement = dialect.insert(KEYS).values(values).on_conflict_do_nothing()
        result = await uow.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _stored(self, uow: UnitOfWork) -> Mapping[str, Any]:
        query = select(KEYS.c.request_digest, KEYS.c.state, KEYS.c.outcome).where(self._this_key())
        row = (await uow.session.execute(query)).one()
        if row.request_digest != self.digest:
            raise IdempotencyKeyReused(
                "this key was used with a different request; send a new key for a new request",
                field=KEY_FIELD,
            )
        if row.state != "done" or row.outcome is None:  # pragma: no cover - only committed rows are seen
            raise self._in_progress()
        return cast(Mapping[str, Any], row.outcome)

    def _in_progress(self) -> IdempotencyInProgress:
        return IdempotencyInProgress(
            "the first request with this key is still running; retry later", field=KEY_FIELD
        )

    async def store(self, uow: UnitOfWork, outcome: BulkOutcome) -> None:
        """Keep the outcome with the key, in the write's transaction."""
        await uow.session.execute(
            update(KEYS).where(self._this_key()).values(state="done", outcome=encode_outcome(outcome))
        )


__all__ = ["Verb", "caller_of", "expired_keys", "write_once"]
