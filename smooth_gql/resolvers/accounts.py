"""Account, session and API-key fields; the Query and Mutation roots inherit them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from ..auth import policy
from ..context import Context
from ..services import accounts, api_keys, sessions
from ..types.accounts import ApiKey, CreatedApiKey, User

Info = strawberry.Info[Context, None]


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The caller's account (for an API key: the key's owner).")
    async def me(self, info: Info) -> User:
        ctx = info.context
        return User.of(await accounts.me(ctx.runtime, ctx.principal))

    @strawberry.field(description="Every account; admins only.")
    async def users(self, info: Info) -> list[User]:
        ctx = info.context
        return [User.of(row) for row in await accounts.list_users(ctx.runtime, ctx.principal)]

    @strawberry.field(
        description="Your API keys, newest first, revoked and expired ones included; "
        "admins see everyone's with allUsers: true."
    )
    async def api_keys(self, info: Info, all_users: bool = False) -> list[ApiKey]:
        ctx = info.context
        rows = await api_keys.list_keys(ctx.runtime, ctx.principal, all_users=all_users)
        return [ApiKey.of(row) for row in rows]


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Create an account: the first one becomes admin; later ones only "
        "while the server allows registration."
    )
    async def register(self, info: Info, email: str, password: str) -> User:
        return User.of(await accounts.register(info.context.runtime, email, password))

    @strawberry.mutation(description="Start a session: sets the `session` cookie (HttpOnly, 24 hours).")
    async def login(self, info: Info, email: str, password: str) -> User:
        ctx = info.context
        done = await sessions.login(ctx.runtime, ctx.throttle, email, password, ctx.client_address)
        ctx.set_session_cookie(done.token, done.max_age)
        return User.of(done.user)

    @strawberry.mutation(description="End the current session and clear its cookie.")
    async def logout(self, info: Info) -> bool:
        ctx = info.context
        await sessions.logout(ctx.runtime, ctx.principal)
        ctx.clear_session_cookie()
        return True

    @strawberry.mutation(description="Change your password; your other sessions end.")
    async def change_password(self, info: Info, current_password: str, new_password: str) -> User:
        ctx = info.context
        return User.of(
            await accounts.change_password(ctx.runtime, ctx.principal, current_password, new_password)
        )

    @strawberry.mutation(description="Create an account; admins only.")
    async def create_user(self, info: Info, email: str, password: str, is_admin: bool = False) -> User:
        ctx = info.context
        return User.of(
            await accounts.create_user(ctx.runtime, ctx.principal, email, password, is_admin=is_admin)
        )

    @strawberry.mutation(
        description="Promote, demote, deactivate or reactivate an account; admins only. "
        "Deactivation ends the user's sessions and stops their API keys."
    )
    async def update_user(
        self, info: Info, id: strawberry.ID, is_admin: bool | None = None, is_active: bool | None = None
    ) -> User:
        ctx = info.context
        row = await accounts.update_user(
            ctx.runtime, ctx.principal, id, is_admin=is_admin, is_active=is_active
        )
        return User.of(row)

    @strawberry.mutation(
        description="Create an API key for yourself; the secret is returned only here. "
        f"Known scopes: {', '.join(policy.KNOWN_SCOPES)}."
    )
    async def create_api_key(
        self,
        info: Info,
        name: str,
        scopes: list[str],
        tags: list[str] | None = None,
        machine_id: str | None = None,
        expires_at: datetime | None = None,
        trusted_documents_only: bool = False,
        points_per_minute: Annotated[
            int | None,
            strawberry.argument(
                description="The key's own points budget per minute (the static cost of its "
                "operations), replacing the server's; 0: none. At most your own unless you are an admin."
            ),
        ] = None,
        requests_per_second: Annotated[
            int | None,
            strawberry.argument(
                description="The key's own request budget per second, replacing the server's; 0: none. "
                "At most your own unless you are an admin."
            ),
        ] = None,
    ) -> CreatedApiKey:
        ctx = info.context
        request = api_keys.KeyRequest(
            name,
            scopes,
            tags or [],
            machine_id,
            expires_at,
            trusted_documents_only,
            points_per_minute,
            requests_per_second,
        )
        made = await api_keys.create(ctx.runtime, ctx.principal, request)
        return CreatedApiKey(api_key=ApiKey.of(made.key), secret=made.secret)

    @strawberry.mutation(description="Revoke one of your API keys (admins: anyone's); it stops at once.")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> ApiKey:
        ctx = info.context
        return ApiKey.of(await api_keys.revoke(ctx.runtime, ctx.principal, id))
