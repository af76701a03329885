"""Talking to the legacy REST routes the way legacy clients do: bulk envelopes over JSON."""

from __future__ import annotations

from typing import Any

from conftest import Api

V1 = "/api/v1"
COMMON = ["user_id", "created_by", "updated_by", "created_at", "updated_at", "version"]


async def post(api: Api, path: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    response = await api.client.post(f"{V1}/{path}", json={"items": items})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def put(api: Api, path: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    response = await api.client.put(f"{V1}/{path}", json={"items": items})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def delete(api: Api, path: str, ids: list[str]) -> dict[str, Any]:
    response = await api.client.request("DELETE", f"{V1}/{path}", json={"ids": ids})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def created(api: Api, path: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Create rows that must all succeed; return them as the server rendered them."""
    body = await post(api, path, items)
    assert body["error_count"] == 0, body["errors"]
    return body["results"]  # type: ignore[no-any-return]


async def get_list(api: Api, path: str, **params: Any) -> dict[str, Any]:
    response = await api.client.get(f"{V1}/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def get_one(api: Api, path: str, row_id: str) -> dict[str, Any]:
    response = await api.client.get(f"{V1}/{path}/{row_id}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def item(api: Api, **fields: Any) -> dict[str, Any]:
    [row] = await created(api, "tool-items", [{"type": "cutting_tool", **fields}])
    return row


async def assembly(api: Api, item_id: str = "tool-1") -> dict[str, Any]:
    [row] = await created(
        api,
        "tool-assemblies",
        [{"name": "Holder + cutter", "components": [{"item_id": item_id, "role": "cutter"}]}],
    )
    return row


async def instance(api: Api, assembly_id: str) -> dict[str, Any]:
    [row] = await created(api, "tool-instances", [{"assembly_id": assembly_id}])
    return row


async def preset(api: Api, number: int = 1, **fields: Any) -> dict[str, Any]:
    [row] = await created(api, "tool-presets", [{"machine_id": "mill01", "tool_number": number, **fields}])
    return row
