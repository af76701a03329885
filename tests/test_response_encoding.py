"""Values the encoders and drivers refuse are still answered, exactly.

Responses are encoded with orjson, which refuses integers beyond 64 bits and
lone surrogates; such answers must fall back to the standard library instead
of failing or rounding. Ids that no driver can send (NUL, lone surrogates)
must read as missing rather than fail.
"""

from __future__ import annotations

import json

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


async def test_an_error_echoing_a_lone_surrogate_is_still_answered(api: Api) -> None:
    """orjson cannot encode a lone surrogate; the message that echoes one must still go out."""
    request = {
        "query": "mutation($input: [ToolInstanceCreateInput!]!) { createToolInstances(input: $input) { successCount } }",
        "variables": {"input": [{"serialNumber": "SN-1", "purchaseDate": "\ud800"}]},
    }
    # json.dumps escapes the surrogate, as a hostile client's body would carry it.
    response = await api.client.post(
        "/graphql", content=json.dumps(request), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "\ud800" in error["message"]
    assert await api.scalar("SELECT count(*) FROM tool_instances") == 0


async def test_a_tool_set_id_that_is_no_id_at_all_reads_as_missing(api: Api) -> None:
    """A NUL or a lone surrogate cannot even be sent to the database: such an id is simply a miss."""
    for bad in ("\x00", "\ud800", "x" * 5000):
        request = {
            "query": "mutation($id: ID!) { restoreToolSetVersion(toolSetId: $id, version: 1) { id } }",
            "variables": {"id": bad},
        }
        response = await api.client.post(
            "/graphql", content=json.dumps(request), headers={"content-type": "application/json"}
        )
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND", (bad, error)
