"""The GraphQL door's side of budgets: charge an operation's points to its caller before it runs.

The rule is `services/rate_limits`'; here it is only applied to a GraphQL
request (its context's principal and client address) and a refusal turned into
the GraphQL error every transport answers (plain HTTP: status 429 with
Retry-After, see graphql_http; WebSocket and Server-Sent Events: the operation's
error). A request run without our context (the schema executed directly) is
not charged.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from .auth.principal import Principal
from .errors import RateLimited
from .services.rate_limits import RateLimiter


async def charge(context: Any, points: int) -> tuple[int | None, GraphQLError | None]:
    """The caller's points left after this operation (None: not counted), and the refusal
    to answer instead of running it, if it is over budget."""
    limiter = getattr(context, "limiter", None)
    principal = getattr(context, "principal", None)
    if not isinstance(limiter, RateLimiter) or not isinstance(principal, Principal):
        return None, None
    try:
        charged = await limiter.charge(principal, context.client_address, points)
    except RateLimited as refusal:
        return None, GraphQLError(refusal.message, extensions=refusal.extensions, original_error=refusal)
    return charged.remaining, None
