"""Users and API keys as clients see them: never a password hash or a key digest."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import strawberry


@strawberry.type(description="An account. The first account created is an admin.")
class User:
    id: strawberry.ID
    email: str
    is_admin: bool
    is_active: bool
    created_at: datetime

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> User:
        return cls(
            id=strawberry.ID(row["id"]),
            email=row["email"],
            is_admin=bool(row["is_admin"]),
            is_active=bool(row["is_active"]),
            created_at=row["created_at"],
        )


@strawberry.type(description="An API key's record; its secret is shown only once, by createApiKey.")
class ApiKey:
    id: strawberry.ID
    owner_id: strawberry.ID
    name: str
    prefix: str = strawberry.field(description="The key's first characters, to tell keys apart.")
    scopes: list[str]
    tags: list[str] = strawberry.field(description="If any, the key reaches only rows sharing one.")
    machine_id: str | None = strawberry.field(
        description="If set, the key reaches only presets, usage and tool sets of this machine."
    )
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = strawberry.field(description="Updated at most once a minute.")
    created_at: datetime
    trusted_documents_only: bool = strawberry.field(
        description="The key may run registered (trusted) documents only."
    )
    points_per_minute: int | None = strawberry.field(
        description="The key's own points budget per minute (0: none); null: the server's."
    )
    requests_per_second: int | None = strawberry.field(
        description="The key's own request budget per second (0: none); null: the server's."
    )

    @strawberry.field(description="Neither revoked nor expired.")
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > datetime.now(UTC))

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> ApiKey:
        return cls(
            id=strawberry.ID(row["id"]),
            owner_id=strawberry.ID(row["user_id"]),
            name=row["name"],
            prefix=row["prefix"],
            scopes=list(row["scopes"]),
            tags=list(row["tags"] or []),
            machine_id=row["machine_id"],
            expires_at=row["expires_at"],
            revoked_at=row["revoked_at"],
            trusted_documents_only=bool(row.get("trusted_documents_only", False)),
            points_per_minute=row.get("points_per_minute"),
            requests_per_second=row.get("requests_per_second"),
            last_used_at=row["last_used_at"],
            created_at=row["created_at"],
        )


@strawberry.type
class CreatedApiKey:
    api_key: ApiKey
    secret: str = strawberry.field(
        description="The key to send as `Authorization: Bearer <secret>`. Shown only now; store it safely."
    )
