"""API keys: created with their secret shown once, listed, revoked, and checked per request.

A key acts for its owner only (never as an admin, whoever owns it), narrowed by
its scopes, tags and machine. Rows leave this module without `secret_hash`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from ..auth import policy, tokens
from ..auth.principal import Principal, PrincipalKind
from ..db import models
from ..db.engine import ONE_STATEMENT
from ..db.queries import first_mapping, mappings
from ..db.types import utcnow
from ..errors import BadInput, FieldError, Forbidden, NotFound, Reason
from ..runtime import Runtime
from . import accounts, key_cache, rate_limits
from .accounts import USERS
from .fields import check_datetime, check_id, check_text, to_jsonable
from .journal import audit_account_change, diff
from .unit_of_work import UnitOfWork

KEYS = models.table_of(models.ApiKey)
LAST_USED_EVERY = timedelta(minutes=1)  # lastUsedAt is refreshed at most this often
API_KEY = "ApiKey"  # the audit log's entity type for keys
AUDITED_KEY_FIELDS = (
    "name",
    "prefix",
    "scopes",
    "tags",
    "machine_id",
    "expires_at",
    "trusted_documents_only",
    "points_per_minute",
    "requests_per_second",
)
MAX_TAGS = 50
MAX_TEXT = 255


def public(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "secret_hash"}


@dataclass(frozen=True)
class NewApiKey:
    key: dict[str, Any]
    secret: str  # shown to the caller once; only its digest is stored


@dataclass(frozen=True)
class KeyRequest:
    name: object
    scopes: object
    tags: object = ()
    machine_id: object = None
    expires_at: object = None
    trusted_documents_only: object = False
    points_per_minute: object = None  # the key's own budget (services/rate_limits.py)
    requests_per_second: object = None


def _require_manager(principal: Principal) -> None:
    """Sessions manage their own keys; a key needs `admin:users` to manage keys."""
    if principal.kind is PrincipalKind.API_KEY:
        policy.require(principal, policy.MANAGE_KEYS)
    else:
        policy.require_authenticated(principal)


def _text(field: str, value: object, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadInput("expected a non-empty string", field=field)
    _storable(field, value)
    if len(value) > MAX_TEXT:
        raise BadInput(f"at most {MAX_TEXT} characters", field=field)
    return value.strip()


def _storable(label: str, value: str, field: str | None = None) -> None:
    """No NUL, no lone surrogate: neither database could store it (fields.check_text)."""
    try:
        check_text(label, value)
    except FieldError as error:
        raise BadInput.of(error, field=field) from None


def _strings(field: str, value: object) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise BadInput("expected a list of strings", field=field)
    out: list[str] = []
    for position, entry in enumerate(value):
        if not isinstance(entry, str) or not entry.strip() or len(entry) > MAX_TEXT:
            raise BadInput(
                f"expected a non-empty string of at most {MAX_TEXT}",
                field=field,
                label=f"{field}[{position}]",
            )
        _storable(f"{field}[{position}]", entry, field)
        if entry not in out:
            out.append(entry)
    return out


def _validate(request: KeyRequest) -> tuple[str, list[str], list[str], str | None, datetime | None]:
    name = _text("name", request.name, required=True)
    assert name is not None
    scopes = _strings("scopes", request.scopes)
    if not scopes:
        raise BadInput("give at least one scope", field="scopes")
    unknown = [s for s in scopes if s not in policy.KNOWN_SCOPES]
    if unknown:
        raise BadInput(
            f"unknown scope {unknown[0]!r}; known scopes are {', '.join(policy.KNOWN_SCOPES)}",
            field="scopes",
        )
    tags = _strings("tags", request.tags)
    if len(tags) > MAX_TAGS:
        raise BadInput(f"at most {MAX_TAGS} tags", field="tags")
    machine = _text("machineId", request.machine_id, required=False)
    expires = None
    if request.expires_at is not None:
        # A time already past is accepted and the key simply never works (contract §3.5):
        # legacy clients rely on the 201, and GraphQL shows such a key `isActive: false`.
        try:
            expires = check_datetime("expiresAt", request.expires_at)
        except FieldError as error:
            raise BadInput.of(error) from None
    return name, scopes, tags, machine, expires


def _capped_expiry(principal: Principal, expires: datetime | None) -> datetime | None:
    """A key made by an expiring key expires with it at the latest: asked for no expiry, it
    gets its maker's; asked for a later one, it is refused like any other grant beyond the
    maker's own."""
    limit = principal.expires_at if principal.kind is PrincipalKind.API_KEY else None
    if limit is None:
        return expires
    if expires is None:
        return limit
    if expires > limit:
        raise Forbidden(
            f"a key made by this key must expire by {limit.isoformat()}, when this key does",
            field="expiresAt",
            reason=Reason.GRANT_EXCEEDED,
        )
    return expires


def _check_delegation(principal: Principal, scopes: list[str], tags: list[str], machine: str | None) -> None:
    """A key that makes a key cannot hand out more than it holds itself (its expiry:
    `_capped_expiry`)."""
    if principal.kind is not PrincipalKind.API_KEY:
        return
    missing = [s for s in scopes if not principal.has_scope(s)]
    if missing:
        raise Forbidden(
            f"this API key cannot grant scope {missing[0]!r}, which it does not hold",
            label="scopes",
            reason=Reason.GRANT_EXCEEDED,
        )
    if principal.tags and (not tags or not set(tags) <= principal.tags):
        raise Forbidden(
            "a key made by a tagged key must carry only (and at least one of) its tags",
            label="tags",
            reason=Reason.GRANT_EXCEEDED,
        )
    if principal.machine_id is not None and machine != principal.machine_id:
        raise Forbidden(
            f"a key made by this key must be restricted to {principal.machine_id!r}",
            label="machineId",
            reason=Reason.GRANT_EXCEEDED,
        )


def _trusted_only(principal: Principal, value: object) -> bool:
    """A key made by a trusted-documents-only key is one too: it cannot widen its maker."""
    if not isinstance(value, bool):
        raise BadInput("must be true or false", field="trustedDocumentsOnly")
    if principal.trusted_documents_only and not value:
        raise Forbidden(
            "a key made by a trusted-documents-only key must be one too",
            label="trustedDocumentsOnly",
            reason=Reason.GRANT_EXCEEDED,
        )
    return value


async def create(runtime: Runtime, principal: Principal, request: KeyRequest) -> NewApiKey:
    _require_manager(principal)
    name, scopes, tags, machine, expires = _validate(request)
    _check_delegation(principal, scopes, tags, machine)
    expires = _capped_expiry(principal, expires)
    trusted_only = _trusted_only(principal, request.trusted_documents_only)
    server = rate_limits.Budget(runtime.settings.points_per_minute, runtime.settings.requests_per_second)
    points, requests = rate_limits.key_budget(
        principal, server, request.points_per_minute, request.requests_per_second
    )
    made = tokens.new_api_key()
    now = utcnow()
    row = {
        "id": made.id,
        "user_id": principal.user_id,
        "name": name,
        "prefix": made.display_prefix,
        "secret_hash": tokens.digest(made.secret),
        "scopes": scopes,
        "tags": tags,
        "machine_id": machine,
        "expires_at": expires,
        "trusted_documents_only": trusted_only,
        "points_per_minute": points,
        "requests_per_second": requests,
        "revoked_at": None,
        "last_used_at": None,
        "created_at": now,
        "version": 1,
    }
    async with UnitOfWork(runtime) as uow:
        await uow.session.execute(KEYS.insert().values(row))
        await audit_account_change(
            uow.session,
            principal.user_id,
            now,
            "CREATE",
            API_KEY,
            made.id,
            principal.user_id,
            {"after": {k: to_jsonable(row[k]) for k in AUDITED_KEY_FIELDS}},
        )
        await uow.commit()
    return NewApiKey(public(row), made.secret)


async def create_from_console(runtime: Runtime, email: object, request: KeyRequest) -> NewApiKey:
    """`smooth-gql create-api-key`: the console is trusted to make a key for any active account,
    exactly as that account's own session would (same checks, same delegation rules)."""
    owner = await accounts.console_principal(runtime, email, field="email")
    return await create(runtime, owner, request)


async def list_keys(
    runtime: Runtime, principal: Principal, *, all_users: bool = False
) -> list[dict[str, Any]]:
    """Newest first (legacy clients rely on it); revoked and expired keys included."""
    _require_manager(principal)
    if all_users and not principal.is_admin:
        raise Forbidden(
            "only admins may list every user's keys", label="allUsers", reason=Reason.ADMIN_REQUIRED
        )
    query = select(KEYS).order_by(KEYS.c.created_at.desc(), KEYS.c.id)
    if not all_users:
        query = query.where(KEYS.c.user_id == principal.user_id)
    async with runtime.sessions() as session:
        return [public(r) for r in mappings(await session.execute(query))]


async def revoke(runtime: Runtime, principal: Principal, key_id: object) -> dict[str, Any]:
    """Owner or admin; anyone else's key looks missing. Revoking twice is harmless."""
    _require_manager(principal)
    try:
        wanted = check_id("id", key_id)
    except FieldError as error:
        raise BadInput.of(error) from None
    now = utcnow()
    async with UnitOfWork(runtime) as uow:
        query = select(KEYS).where(KEYS.c.id == wanted)
        if not principal.is_admin:
            query = query.where(KEYS.c.user_id == principal.user_id)
        row = first_mapping(await uow.session.execute(query.with_for_update()))
        if row is None:
            raise NotFound(f"no API key with id {wanted}", field="id")
        if row["revoked_at"] is not None:
            return public(row)
        changes = {"revoked_at": now, "version": row["version"] + 1}
        await uow.session.execute(update(KEYS).where(KEYS.c.id == wanted).values(changes))
        await audit_account_change(
            uow.session,
            principal.user_id,
            now,
            "UPDATE",
            API_KEY,
            wanted,
            row["user_id"],
            diff({"revoked_at": None}, {"revoked_at": now}),
        )
        await uow.commit()
    key_cache.forget_all(runtime)  # the key stops working now, not when its cache entry ages out
    return public({**row, **changes})


async def principal_for_secret(runtime: Runtime, secret: str) -> Principal | str:
    """The key's principal, or why the secret authenticates nobody.

    A key checked within SMOOTH_API_KEY_CACHE_SECONDS is not read again
    (`key_cache`); otherwise one lookup by the id the secret carries, then a
    constant-time digest comparison, and a key that checks out is cached.
    """
    key_id = tokens.api_key_id(secret)
    if key_id is None:
        return "not an API key of this server"
    now = utcnow()
    cache = key_cache.cache_of(runtime)
    digest = tokens.digest(secret)
    cached = cache.get(digest, now)
    if cached is not None:
        return cached
    generation = cache.generation  # a revocation committed while this reads is not undone
    row = await _key_with_owner(runtime, key_id)
    if row is None or not tokens.same_digest(secret, row["secret_hash"]):
        return "unknown API key"
    found = _usable(row, now)
    if not isinstance(found, Principal):
        return found
    if row["last_used_at"] is None or row["last_used_at"] <= now - LAST_USED_EVERY:
        await _touch(runtime, key_id, now)
    cache.put(digest, found, generation)
    return found


async def principal_for_key(runtime: Runtime, key_id: str) -> Principal | str:
    """The same check again for a key already authenticated (its secret was compared
    then): a long-lived subscription asks it so a revocation ends the stream too."""
    row = await _key_with_owner(runtime, key_id)
    if row is None:
        return "unknown API key"
    return _usable(row, utcnow())


async def _key_with_owner(runtime: Runtime, key_id: str) -> Mapping[str, Any] | None:
    """One statement: on SQLite it needs no transaction of its own (`ONE_STATEMENT`)."""
    async with runtime.sessions() as session:
        connection = await session.connection(execution_options={ONE_STATEMENT: True})
        found = await connection.execute(
            select(KEYS, USERS.c.is_active.label("user_active"))
            .join(USERS, USERS.c.id == KEYS.c.user_id)
            .where(KEYS.c.id == key_id)
        )
        return first_mapping(found)


def _usable(row: Mapping[str, Any], now: datetime) -> Principal | str:
    if row["revoked_at"] is not None:
        return "API key revoked"
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return "API key expired"
    if not row["user_active"]:
        return "the key's user is deactivated"
    return Principal(
        user_id=row["user_id"],
        kind=PrincipalKind.API_KEY,
        is_admin=False,  # keys act for their owner's own tenant only (contract §0.1 item 2)
        scopes=frozenset(row["scopes"]),
        tags=frozenset(row["tags"] or ()),
        machine_id=row["machine_id"],
        api_key_id=row["id"],
        expires_at=row["expires_at"],
        trusted_documents_only=bool(row["trusted_documents_only"]),
        points_per_minute=row["points_per_minute"],
        requests_per_second=row["requests_per_second"],
    )


async def _touch(runtime: Runtime, key_id: str, now: datetime) -> None:
    """Conditional, so concurrent requests in the same minute write once between them; a unit
    of work, so on SQLite it waits in the write queue instead of SQLite's busy handler."""
    async with UnitOfWork(runtime) as uow:
        await uow.session.execute(
            update(KEYS)
            .where(
                KEYS.c.id == key_id,
                or_(KEYS.c.last_used_at.is_(None), KEYS.c.last_used_at <= now - LAST_USED_EVERY),
            )
            .values(last_used_at=now)
        )
        await uow.commit()
