"""Talking to the legacy REST routes the way legacy clients do: bulk envelopes over JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from conftest import Api
from support.auth import NOBODY, PASSWORD, AuthApi, Creds

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


# --- the account and key routes, with exactly the credentials a call names ---------------

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"
KEYS = "/api/v1/auth/keys"
KEYS_ALIAS = "/api/v1/api-keys"
ITEMS = "/api/v1/tool-items"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or None for an empty body
    response: httpx.Response

    @property
    def pair(self) -> tuple[int, Any]:
        return self.status, self.body


async def call(
    auth: AuthApi,
    method: str,
    path: str,
    creds: Creds = NOBODY,
    *,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Answer:
    """One request; the client's cookie jar is emptied afterwards, so nothing leaks to the next."""
    try:
        response = await auth.client.request(
            method, path, headers={**creds.as_headers(), **(headers or {})}, **kwargs
        )
    finally:
        auth.client.cookies.clear()
    return Answer(response.status_code, response.json() if response.content else None, response)


async def rest_login(auth: AuthApi, email: str, password: str = PASSWORD) -> Creds:
    answer = await call(auth, "POST", LOGIN, json={"email": email, "password": password})
    assert answer.status == 200, answer.body
    token = answer.response.cookies.get("session")
    assert token
    return Creds(session=token)


async def rest_key(auth: AuthApi, creds: Creds, scopes: list[str], **fields: Any) -> tuple[str, Creds]:
    answer = await call(auth, "POST", KEYS, creds, json={"name": "k", "scopes": scopes, **fields})
    assert answer.status == 201, answer.body
    return answer.body["id"], Creds(key=answer.body["key"])
