"""The Subscription root: the change feed, live."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from ..changes import cursor, feed
from ..context import Context
from ..enums import EntityType
from ..loaders import Loaders
from ..types.changes import Change

Info = strawberry.Info[Context, None]


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Replays the log after `after` (or starts at the current end), then streams each "
        "change as it commits: no gap, no duplicate, deletes included."
    )
    async def changes(
        self, info: Info, after: str | None = None, entity_types: list[EntityType] | None = None
    ) -> AsyncGenerator[Change, None]:
        ctx = info.context
        start = None if after is None else cursor.decode(after)
        async for row in feed.follow(ctx.runtime, ctx.tail, ctx.principal, start, entity_types):
            # Fresh loaders per change, so `entity` is the state now, not when the stream began.
            yield Change.of(row, Loaders(ctx.runtime, ctx.principal))
