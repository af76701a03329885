"""A registered (trusted) document, as admins see it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry


@strawberry.type(description="A GraphQL document admins registered; requests may name it by its hash.")
class TrustedDocument:
    sha256_hash: str = strawberry.field(
        description="SHA-256 (hex) of the exact text: extensions.persistedQuery.sha256Hash."
    )
    document: str
    operation_names: list[str]
    created_by: strawberry.ID | None = strawberry.field(description="Who registered it (null: deleted).")
    created_at: datetime

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> TrustedDocument:
        creator = row["created_by"]
        return cls(
            sha256_hash=row["sha256"],
            document=row["document"],
            operation_names=list(row["operation_names"]),
            created_by=None if creator is None else strawberry.ID(creator),
            created_at=row["created_at"],
        )
