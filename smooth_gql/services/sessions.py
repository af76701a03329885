"""Logins and sessions: the token goes to the client once, only its digest is kept."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, insert, select, update

from ..auth import passwords, tokens
from ..auth.principal import Principal, PrincipalKind
from ..db.queries import first_mapping
from ..db.types import utcnow
from ..errors import BadInput, RateLimited, Reason, Unauthenticated
from ..runtime import Runtime
from .accounts import SESSIONS, USERS, normalize_email, public
from .login_throttle import LoginThrottle
from .unit_of_work import UnitOfWork

LOGIN_FAILED = "invalid email or password"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Login:
    user: dict[str, Any]
    token: str  # for the cookie; never stored
    max_age: int


async def login(
    runtime: Runtime, throttle: LoginThrottle, email: object, password: object, address: str | None
) -> Login:
    """One bcrypt check whatever happens (a dummy hash stands in for unknown e-mails and
    inactive users), and one answer for every way of failing, so neither timing nor
    message tells whether an account exists."""
    key = email.strip().lower() if isinstance(email, str) else ""  # throttled as typed
    wait = await throttle.retry_after(key, address)
    if wait:
        raise RateLimited(f"too many failed logins: try again in {wait} seconds", retry_after=wait)
    if not isinstance(password, str):
        raise BadInput("expected a string", field="password")
    try:
        account = normalize_email(email)
    except BadInput:
        account = ""
    row = None
    if account:
        async with runtime.sessions() as session:
            found = await session.execute(select(USERS).where(USERS.c.email == account))
            row = first_mapping(found)
    usable = row is not None and row["is_active"]
    stored = row["password_hash"] if usable and row is not None else None
    ok = await passwords.verify_password(password, stored, runtime.settings.bcrypt_rounds)
    if not ok or row is None:
        await throttle.failed(key, address)
        log.info("login refused from %s", address or "an unknown address")  # which account stays unsaid
        raise Unauthenticated(LOGIN_FAILED, reason=Reason.LOGIN_FAILED)
    await throttle.succeeded(key)
    token = tokens.new_session_token()
    now = utcnow()
    async with UnitOfWork(runtime) as uow:
        await uow.session.execute(
            insert(SESSIONS).values(
                id=str(uuid.uuid4()),
                user_id=row["id"],
                token_hash=tokens.digest(token),
                created_at=now,
                expires_at=now + timedelta(seconds=tokens.SESSION_SECONDS),
                revoked_at=None,
            )
        )
        await uow.commit()
    log.info("login: user %s from %s", row["id"], address or "an unknown address")
    return Login(public(row), token, tokens.SESSION_SECONDS)


async def logout(runtime: Runtime, principal: Principal) -> None:
    """Ends the caller's own session; without one there is nothing to end."""
    if principal.kind is not PrincipalKind.SESSION or principal.session_id is None:
        return
    async with UnitOfWork(runtime) as uow:
        await uow.session.execute(
            update(SESSIONS)
            .where(SESSIONS.c.id == principal.session_id, SESSIONS.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        await uow.commit()
    log.info("logout: user %s", principal.user_id)


async def principal_for_token(runtime: Runtime, token: str) -> Principal | None:
    """The session principal for a cookie, or None when the token is unknown, expired,
    revoked, or its user is inactive."""
    return await _live_session(runtime, SESSIONS.c.token_hash == tokens.digest(token))


async def principal_for_session(runtime: Runtime, session_id: str) -> Principal | None:
    """The same check again for a session already authenticated: a long-lived
    subscription asks it so a logout or deactivation ends the stream too."""
    return await _live_session(runtime, SESSIONS.c.id == session_id)


async def _live_session(runtime: Runtime, which: ColumnElement[bool]) -> Principal | None:
    now = utcnow()
    async with runtime.sessions() as session:
        found = await session.execute(
            select(SESSIONS.c.id, USERS.c.id.label("user_id"), USERS.c.is_admin)
            .join(USERS, USERS.c.id == SESSIONS.c.user_id)
            .where(
                which,
                SESSIONS.c.revoked_at.is_(None),
                SESSIONS.c.expires_at > now,
                USERS.c.is_active.is_(True),
            )
        )
        row = found.first()
    if row is None:
        return None
    return Principal(
        user_id=row.user_id, kind=PrincipalKind.SESSION, is_admin=bool(row.is_admin), session_id=row.id
    )
