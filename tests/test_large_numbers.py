"""An integer beyond 64 bits inside a JSON blob is stored and answered exactly, by both doors.

Responses are encoded with orjson, which refuses such integers; the answer
must fall back to the standard library instead of failing or rounding.
"""

from __future__ import annotations

from conftest import Api
from factories import item

HUGE = 2**70 + 1


async def test_a_huge_integer_in_a_blob_round_trips_through_graphql_and_rest(api: Api) -> None:
    item_id = await item(api, geometry={"serial": HUGE, "name": "Ø 6 × 50"})
    data = await api.gql("query($id: ID!) { toolItem(id: $id) { geometry } }", {"id": item_id})
    assert data["toolItem"]["geometry"] == {"serial": HUGE, "name": "Ø 6 × 50"}
    response = await api.client.get(f"/api/v1/tool-items/{item_id}")
    assert response.status_code == 200
    assert response.json()["geometry"] == {"serial": HUGE, "name": "Ø 6 × 50"}
    assert "Ø 6 × 50".encode() in response.content  # UTF-8 as written, like the legacy server
