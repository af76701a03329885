"""One authentication function for HTTP requests and WebSocket connections.

Credentials, in order (contract §3.6):
1. a `session` cookie that names a live session;
2. otherwise `Authorization: Bearer <key>` (on a WebSocket also the
   `authorization` entry of the graphql-transport-ws `connection_init` payload);
3. otherwise, if a cookie or an Authorization header was sent but did not
   authenticate, an INVALID principal: every protected operation answers
   UNAUTHENTICATED with the reason, never silently anonymous;
4. nothing sent: the anonymous principal, which may only register and log in.

With AUTH_ENABLED=false every request is the local admin, credentials unread.

It lives beside the session and API-key lookups it calls (services/sessions.py,
services/api_keys.py), not in auth/: auth/ holds the policy and depends on
nothing above db/ (DESIGN §1, tests/ops/test_layers.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..auth.principal import Principal, PrincipalKind, anonymous, invalid, local_admin
from ..auth.tokens import SESSION_COOKIE
from ..runtime import Runtime
from . import api_keys, sessions

BEARER = "Bearer "


async def authenticate(
    runtime: Runtime, *, cookies: Mapping[str, str], authorization: str | None
) -> Principal:
    if not runtime.settings.auth_enabled:
        return local_admin()
    token = cookies.get(SESSION_COOKIE)
    if token:
        found = await sessions.principal_for_token(runtime, token)
        if found is not None:
            return found
    if authorization is not None:
        return await bearer(runtime, authorization)
    if token:
        return invalid("the session has expired or ended; log in again")
    return anonymous()


async def bearer(runtime: Runtime, authorization: str) -> Principal:
    if not authorization.startswith(BEARER) or not authorization[len(BEARER) :].strip():
        return invalid("expected 'Authorization: Bearer <API key>'")
    found = await api_keys.principal_for_secret(runtime, authorization[len(BEARER) :].strip())
    return invalid(found) if isinstance(found, str) else found


async def recheck(runtime: Runtime, principal: Principal) -> Principal | str:
    """The principal its credential gives now, or why it gives none any more.

    For connections that outlive a request (subscriptions): the credential was
    checked when they began, this checks it again without the secret.
    """
    if principal.kind is PrincipalKind.SESSION and principal.session_id is not None:
        found = await sessions.principal_for_session(runtime, principal.session_id)
        return found if found is not None else "the session has expired or ended; log in again"
    if principal.kind is PrincipalKind.API_KEY and principal.api_key_id is not None:
        return await api_keys.principal_for_key(runtime, principal.api_key_id)
    return principal  # the local admin, or no credential at all: nothing to expire
