from __future__ import annotations

from conftest import Api
from support.factories import create, item


async def test_create_and_read_back_an_item(api: Api) -> None:
    item_id = await item(api, geometry={"diameter": 10.0, "flutes": 4}, tags=["mill"])
    data = await api.gql(
        "query($id: ID!) { toolItem(id: $id) { id name category geometry tags version createdAt } }",
        {"id": item_id},
    )
    got = data["toolItem"]
    assert got["geometry"] == {"diameter": 10.0, "flutes": 4}
    assert got["tags"] == ["mill"]
    assert got["version"] == 1
    assert got["createdAt"].endswith("+00:00")


async def test_missing_name_is_a_per_item_error(api: Api) -> None:
    result = await create(api, "ToolItem", [{"name": "ok"}, {"name": "  "}])
    assert result["successCount"] == 1
    assert result["errors"] == [
        {"index": 1, "id": None, "code": "VALIDATION", "message": "name: must not be empty", "field": "name"}
    ]
