"""Two writers with the same expected version can never both win (DESIGN §3)."""

from __future__ import annotations

import asyncio

from conftest import Api
from support.factories import item

UPDATE = """
mutation($input: [ToolItemUpdateInput!]!) {
  updateToolItems(input: $input) {
    successCount
    errors { code ... on VersionConflict { currentVersion } }
  }
}"""


async def test_twenty_concurrent_updates_at_one_version_exactly_one_wins(api: Api) -> None:
    item_id = await item(api)

    async def attempt(n: int) -> dict:
        return await api.gql(
            UPDATE, {"input": [{"id": item_id, "expectedVersion": 1, "name": f"writer {n}"}]}
        )

    outcomes = [r["updateToolItems"] for r in await asyncio.gather(*(attempt(n) for n in range(20)))]

    winners = [o for o in outcomes if o["successCount"] == 1]
    losers = [o for o in outcomes if o["successCount"] == 0]
    assert len(winners) == 1
    assert len(losers) == 19
    assert all(o["errors"] == [{"code": "VERSION_CONFLICT", "currentVersion": 2}] for o in losers)
    assert await api.scalar("SELECT version FROM tool_items WHERE id = :id", id=item_id) == 2
    updates = "SELECT count(*) FROM change_log WHERE entity_id = :id AND operation = 'UPDATED'"
    assert await api.scalar(updates, id=item_id) == 1
