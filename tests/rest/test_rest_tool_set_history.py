"""Tool-set history, versions, restore and compare over REST (contract §11, §0.1 item 9)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from conftest import Api
from support.rest import V1, created, get_one, put

SNAPSHOT_KEYS = [
    "id",
    "name",
    "description",
    "type",
    "machine_id",
    "job_id",
    "members",
    "capacity",
    "status",
    "activation",
    "user_id",
    "created_by",
    "created_at",
    "updated_at",
]


async def tool_set(api: Api, **fields: Any) -> dict[str, Any]:
    [row] = await created(
        api,
        "tool-sets",
        [{"name": "v1 name", "type": "template", "members": [{"preset_id": "p-1"}], **fields}],
    )
    return row


async def history(api: Api, set_id: str) -> list[tuple[int, str | None]]:
    response = await api.client.get(f"{V1}/tool-sets/{set_id}/history")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tool_set_id"] == set_id
    for entry in body["versions"]:
        assert list(entry) == ["version", "changed_at", "changed_by", "change_summary"]
    return [(v["version"], v["change_summary"]) for v in body["versions"]]


async def test_history_holds_the_state_before_each_update(api: Api) -> None:
    row = await tool_set(api)
    assert await history(api, row["id"]) == []
    await put(api, "tool-sets", [{"id": row["id"], "version": 1, "name": "v2 name", "type": "odd kit"}])
    assert await history(api, row["id"]) == [(1, None)]
    response = await api.client.get(f"{V1}/tool-sets/{row['id']}/versions/1")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["version", "changed_at", "changed_by", "change_summary", "snapshot"]
    snapshot = body["snapshot"]
    assert list(snapshot) == SNAPSHOT_KEYS
    assert {k: snapshot[k] for k in ("id", "name", "type", "members", "status", "user_id")} == {
        "id": row["id"],
        "name": "v1 name",
        "type": "template",
        "members": [{"preset_id": "p-1"}],
        "status": "draft",
        "user_id": row["user_id"],
    }


async def test_restore_writes_a_new_version_and_two_snapshots(api: Api) -> None:
    row = await tool_set(api)
    await put(api, "tool-sets", [{"id": row["id"], "version": 1, "name": "v2 name", "type": "odd kit"}])
    response = await api.client.post(f"{V1}/tool-sets/{row['id']}/restore/1")
    assert response.status_code == 200
    body = response.json()
    assert (body["success"], body["message"], body["current_version"]) == (True, "Restored to version 1", 3)
    assert body["tool_set"]["name"] == "v1 name" and body["tool_set"]["type"] == "template"
    assert body["tool_set"] == await get_one(api, "tool-sets", row["id"])
    assert await history(api, row["id"]) == [
        (3, "Restored from version 1"),
        (2, "Before restore to version 1"),
        (1, None),
    ]
    await put(api, "tool-sets", [{"id": row["id"], "version": 3, "name": "v4"}])
    versions = [v for v, _ in await history(api, row["id"])]
    assert versions == sorted(set(versions), reverse=True)  # no version number twice


async def test_compare_lists_the_differing_legacy_fields(api: Api) -> None:
    row = await tool_set(api)
    await put(
        api,
        "tool-sets",
        [
            {
                "id": row["id"],
                "version": 1,
                "name": "v2 name",
                "type": "odd kit",
                "members": [{"preset_id": "p-2"}],
            }
        ],
    )
    await put(api, "tool-sets", [{"id": row["id"], "version": 2, "description": "v3"}])
    response = await api.client.get(f"{V1}/tool-sets/{row['id']}/compare/1/2")
    assert response.status_code == 200
    assert response.json() == {
        "tool_set_id": row["id"],
        "version_a": 1,
        "version_b": 2,
        "differences": {
            "name": {"version_1": "v1 name", "version_2": "v2 name"},
            "type": {"version_1": "template", "version_2": "odd kit"},
            "members": {"version_1": [{"preset_id": "p-1"}], "version_2": [{"preset_id": "p-2"}]},
        },
        "total_changes": 3,
    }


@pytest.mark.parametrize(
    ("method", "suffix", "detail"),
    [
        ("GET", "history", "Tool set not found"),
        ("GET", "versions/1", "Version not found"),
        ("POST", "restore/1", "ToolSet or version not found"),
        ("GET", "compare/1/2", "Versions not found"),
    ],
)
async def test_a_missing_set_is_404_with_a_bare_detail(
    api: Api, method: str, suffix: str, detail: str
) -> None:
    response = await api.client.request(method, f"{V1}/tool-sets/{uuid.uuid4()}/{suffix}")
    assert (response.status_code, response.json()) == (404, {"detail": detail})


async def test_a_missing_version_is_404_and_restores_nothing(api: Api) -> None:
    row = await tool_set(api)
    before = await api.counts()
    for method, suffix, detail in (
        ("GET", "versions/7", "Version not found"),
        ("POST", "restore/7", "ToolSet or version not found"),
        ("GET", "compare/1/7", "Versions not found"),
    ):
        response = await api.client.request(method, f"{V1}/tool-sets/{row['id']}/{suffix}")
        assert (response.status_code, response.json()) == (404, {"detail": detail})
    assert await api.counts() == before
    assert (await get_one(api, "tool-sets", row["id"]))["version"] == 1


@pytest.mark.parametrize("suffix", ["versions/one", "restore/1.5", "compare/1/x"])
async def test_version_numbers_must_be_integers(api: Api, suffix: str) -> None:
    row = await tool_set(api)
    method = "POST" if suffix.startswith("restore") else "GET"
    response = await api.client.request(method, f"{V1}/tool-sets/{row['id']}/{suffix}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "path"
