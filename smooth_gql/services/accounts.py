"""User accounts: registration, administration, the caller's own account, passwords.

Rows leave this module without `password_hash` (see `public`), so no caller
can echo a hash by accident.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..auth import passwords, policy
from ..auth.principal import LOCAL_ADMIN_ID, Principal, PrincipalKind
from ..db import models
from ..db.queries import first_mapping, mappings
from ..db.types import utcnow
from ..errors import BadInput, FieldError, Forbidden, NotFound, Reason
from ..runtime import Runtime
from . import key_cache
from .fields import check_id, check_text
from .journal import audit_account_change, diff
from .unit_of_work import USERS_LOCK, UnitOfWork

USERS = models.table_of(models.User)
SESSIONS = models.table_of(models.Session)
Row = Mapping[str, Any]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
MAX_EMAIL = 320


USER = "User"  # the audit log's entity type for accounts
AUDITED_USER_FIELDS = ("email", "is_admin", "is_active")


def public(row: Row) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "password_hash"}


def normalize_email(raw: object) -> str:
    """Lower-cased and trimmed, so `Ann@Shop.example ` and `ann@shop.example` are one account."""
    if not isinstance(raw, str):
        raise BadInput("expected a string", field="email")
    try:
        check_text("email", raw)
    except FieldError as error:
        raise BadInput.of(error) from None
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise BadInput("not a valid e-mail address", field="email")
    return email


def _password(runtime: Runtime, raw: object, field: str = "password") -> str:
    try:
        return passwords.check_password(raw, minimum=runtime.settings.min_password_length, field=field)
    except FieldError as error:
        raise BadInput.of(error) from None


def _email_taken() -> BadInput:
    return BadInput("already registered", field="email", reason=Reason.EMAIL_TAKEN)


async def register(runtime: Runtime, email: object, password: object) -> dict[str, Any]:
    """Anyone may register the first account (it becomes the admin); later ones only
    while SMOOTH_ALLOW_REGISTRATION is on."""
    return await _create(runtime, email, password, is_admin=False, by_admin=False, actor=None)


async def create_user(
    runtime: Runtime, principal: Principal, email: object, password: object, *, is_admin: bool = False
) -> dict[str, Any]:
    policy.require_admin(principal)
    return await _create(runtime, email, password, is_admin=is_admin, by_admin=True, actor=principal.user_id)


async def create_user_from_console(
    runtime: Runtime, email: object, password: object, *, is_admin: bool
) -> dict[str, Any]:
    """`smooth-gql create-user`: whoever runs the console on the server is trusted."""
    return await _create(runtime, email, password, is_admin=is_admin, by_admin=True, actor=None)


async def _create(
    runtime: Runtime,
    raw_email: object,
    raw_password: object,
    *,
    is_admin: bool,
    by_admin: bool,
    actor: str | None,
) -> dict[str, Any]:
    """`actor` None: the account creates itself (registration, or the trusted console)."""
    email = normalize_email(raw_email)
    password = _password(runtime, raw_password)
    async with runtime.sessions() as session:
        # Checked before hashing too, so a closed server spends no bcrypt time on strangers.
        await _first_or_allowed(session, runtime, by_admin)
    hashed = await passwords.hash_password(password, runtime.settings.bcrypt_rounds)
    now = utcnow()
    async with UnitOfWork(runtime) as uow:
        await uow.advisory_lock(USERS_LOCK)
        first = await _first_or_allowed(uow.session, runtime, by_admin)
        user_id = str(uuid.uuid4())
        row = {
            "id": user_id,
            "email": email,
            "password_hash": hashed,
            "is_admin": is_admin or first,
            "is_active": True,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        taken = await uow.session.execute(select(USERS.c.id).where(USERS.c.email == email))
        if taken.first() is not None:
            raise _email_taken()
        try:
            await uow.session.execute(insert(USERS).values(row))
        except IntegrityError:
            raise _email_taken() from None
        await _audit(uow, actor or user_id, now, "CREATE", user_id, {"after": _audited(row)})
        await uow.commit()
    return public(row)


async def _first_or_allowed(session: AsyncSession, runtime: Runtime, by_admin: bool) -> bool:
    """Whether this is the first account; refuses when it is not and registration is closed.

    The local admin of AUTH_ENABLED=false does not count, so a server first run
    without authentication still hands its first real account the admin role.
    """
    others = await session.execute(
        select(func.count()).select_from(USERS).where(USERS.c.id != LOCAL_ADMIN_ID)
    )
    first = others.scalar_one() == 0
    if not (first or by_admin or runtime.settings.allow_registration):
        raise Forbidden(
            "registration is closed: ask an admin to create your account", reason=Reason.REGISTRATION_CLOSED
        )
    return first


async def has_accounts(runtime: Runtime) -> bool:
    """Whether anyone has an account yet (the local admin of AUTH_ENABLED=false does not count):
    `serve` invites an operator to register the first one only while nobody has."""
    async with runtime.sessions() as session:
        found = await session.execute(select(USERS.c.id).where(USERS.c.id != LOCAL_ADMIN_ID).limit(1))
        return found.first() is not None


async def me(runtime: Runtime, principal: Principal) -> dict[str, Any]:
    policy.require_authenticated(principal)
    row = await _user(runtime, principal.user_id)
    if row is None:  # removed meanwhile
        raise NotFound("your account no longer exists", reason=Reason.ACCOUNT_GONE)
    return public(row)


async def list_users(runtime: Runtime, principal: Principal) -> list[dict[str, Any]]:
    policy.require_admin(principal)
    async with runtime.sessions() as session:
        rows = await session.execute(select(USERS).order_by(USERS.c.created_at, USERS.c.id))
        return [public(r) for r in mappings(rows)]


async def update_user(
    runtime: Runtime,
    principal: Principal,
    user_id: object,
    *,
    is_admin: bool | None = None,
    is_active: bool | None = None,
) -> dict[str, Any]:
    """Promote, demote, deactivate or reactivate. Deactivating ends the user's sessions
    at once, and their API keys stop working while they are inactive."""
    policy.require_admin(principal)
    try:
        target = check_id("id", user_id)
    except FieldError as error:
        raise BadInput.of(error) from None
    if target == principal.user_id and (is_admin is False or is_active is False):
        raise BadInput("admins cannot demote or deactivate themselves", field="id")
    now = utcnow()
    async with UnitOfWork(runtime) as uow:
        found = await uow.session.execute(select(USERS).where(USERS.c.id == target))
        row = first_mapping(found)
        if row is None:
            raise NotFound(f"no user with id {target}", field="id")
        changes: dict[str, Any] = {}
        if is_admin is not None and is_admin != row["is_admin"]:
            changes["is_admin"] = is_admin
        if is_active is not None and is_active != row["is_active"]:
            changes["is_active"] = is_active
        if changes:
            changes.update(updated_at=now, version=row["version"] + 1)
            await uow.session.execute(update(USERS).where(USERS.c.id == target).values(changes))
            changed = diff(_audited(row), _audited({**row, **changes}))
            await _audit(uow, principal.user_id, now, "UPDATE", target, changed)
            if changes.get("is_active") is False:
                await _revoke_sessions(uow, target, now)
            await uow.commit()
            key_cache.forget_all(runtime)  # a deactivated user's keys stop working now
        return public({**row, **changes})


async def change_password(
    runtime: Runtime, principal: Principal, current: object, new: object
) -> dict[str, Any]:
    """Needs the current password; ends every other session of the user (a stolen
    session cookie dies with the old password)."""
    policy.require_authenticated(principal)
    if principal.kind is not PrincipalKind.SESSION:
        raise Forbidden(
            "passwords are changed from a logged-in session, not with an API key",
            reason=Reason.SESSION_REQUIRED,
        )
    if not isinstance(current, str):
        raise BadInput("expected a string", field="currentPassword")
    password = _password(runtime, new, field="newPassword")
    row = await _user(runtime, principal.user_id)
    rounds = runtime.settings.bcrypt_rounds
    if row is None or not await passwords.verify_password(current, row["password_hash"], rounds):
        raise BadInput("does not match", field="currentPassword")
    hashed = await passwords.hash_password(password, rounds)
    now = utcnow()
    async with UnitOfWork(runtime) as uow:
        await uow.session.execute(
            update(USERS)
            .where(USERS.c.id == principal.user_id)
            .values(password_hash=hashed, updated_at=now, version=USERS.c.version + 1)
        )
        # That it changed, never what to.
        await _audit(
            uow, principal.user_id, now, "UPDATE", principal.user_id, {"after": {"password": "changed"}}
        )
        await _revoke_sessions(uow, principal.user_id, now, keep=principal.session_id)
        await uow.commit()
    return public(row)


async def _user(runtime: Runtime, user_id: str) -> Row | None:
    async with runtime.sessions() as session:
        found = await session.execute(select(USERS).where(USERS.c.id == user_id))
        row = first_mapping(found)
        return row


def _audited(row: Row) -> dict[str, Any]:
    return {k: row[k] for k in AUDITED_USER_FIELDS}


async def _audit(uow: UnitOfWork, actor: str, now: Any, operation: str, user_id: str, changes: Any) -> None:
    """An account's audit record: it is owned by the account itself, so its user sees it."""
    await audit_account_change(uow.session, actor, now, operation, USER, user_id, user_id, changes)


async def _revoke_sessions(uow: UnitOfWork, user_id: str, now: Any, keep: str | None = None) -> None:
    condition = [SESSIONS.c.user_id == user_id, SESSIONS.c.revoked_at.is_(None)]
    if keep is not None:
        condition.append(SESSIONS.c.id != keep)
    await uow.session.execute(update(SESSIONS).where(*condition).values(revoked_at=now))


async def console_principal(runtime: Runtime, email: object, *, field: str = "user") -> Principal:
    """The console acting as an account (`smooth-gql tool-table --user EMAIL`, `create-api-key
    --email`): trusted like `create-user`, it writes exactly as that account's own session
    would. `field` names the option that gave the email, in the NotFound of an unknown or
    disabled account."""
    address = normalize_email(email)
    async with runtime.sessions() as session:
        user = first_mapping(
            await session.execute(select(USERS).where(USERS.c.email == address, USERS.c.is_active.is_(True)))
        )
    if user is None:
        raise NotFound(f"no active account {address}", field=field)
    return Principal(user_id=user["id"], kind=PrincipalKind.SESSION, is_admin=bool(user["is_admin"]))
