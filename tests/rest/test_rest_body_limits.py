"""The REST routes' bodies: over the size limit, not UTF-8, or with a boolean for a number.

A legacy client reads `{"detail": ...}` (contract §2.4), so the REST 413 is in
that shape, whether the body declared its length or came chunked; a body that
is not UTF-8 is malformed JSON (422 `json_invalid`), not a 400; and a boolean
is not an integer (422, where lax parsing took `false` for version 0).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from conftest import Api, StatementCounter
from support.rest import V1, item

JSON = {"Content-Type": "application/json"}


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    """The body as a stream, so it is sent without Content-Length."""
    for start in range(0, len(data), 64 * 1024):
        yield data[start : start + 64 * 1024]


def bulk_body(size: int) -> bytes:
    """A well-formed bulk create of exactly `size` bytes."""
    frame = '{"items": [{"type": "cutting_tool", "description": "%s"}]}'
    return (frame % ("x" * (size - len(frame % "")))).encode()


@pytest.mark.settings(max_body_bytes=4096)
async def test_a_rest_body_over_the_limit_gets_the_legacy_413_declared_or_chunked(api: Api) -> None:
    limit = api.settings.max_body_bytes
    at_limit = await api.client.post(f"{V1}/tool-items", content=bulk_body(limit), headers=JSON)
    assert at_limit.status_code == 200, at_limit.text

    counter = StatementCounter(api.engine)
    over = bulk_body(limit + 1)
    declared = await api.client.post(f"{V1}/tool-items", content=over, headers=JSON)
    streamed = await api.client.post(f"{V1}/tool-items", content=chunks(over), headers=JSON)
    put = await api.client.put(f"{V1}/tool-items", content=chunks(over), headers=JSON)

    assert "transfer-encoding" not in declared.request.headers
    assert streamed.request.headers["transfer-encoding"] == "chunked", "the second one had no Content-Length"
    for response in (declared, streamed, put):
        assert response.status_code == 413, response.text
        assert response.json() == {"detail": f"The request body is larger than the limit of {limit} bytes."}
        assert response.headers["X-Request-ID"]
    assert counter.statements == [], "nothing of an over-limit body was written"


@pytest.mark.settings(max_body_bytes=4096)
async def test_graphql_keeps_its_own_413_shape(api: Api) -> None:
    body = b'{"query": "{ __typename }", "variables": {"pad": "' + b"x" * 5000 + b'"}}'
    response = await api.client.post("/graphql", content=chunks(body), headers=JSON)
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("body", [b'{"items": [{"type": "\xff\xfe"}]}', b"\xc3\x28", b'{"ids": ["\x80"]}'])
async def test_a_body_that_is_not_utf8_is_malformed_json(api: Api, body: bytes) -> None:
    for method in ("POST", "DELETE"):
        response = await api.client.request(method, f"{V1}/tool-items", content=body, headers=JSON)
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert error["type"] == "json_invalid"
        assert error["msg"] == "JSON decode error"
        assert error["loc"][0] == "body" and isinstance(error["loc"][1], int)


@pytest.mark.parametrize(
    ("path", "element"),
    [
        ("tool-items", {"version": False}),
        ("tool-items", {"version": True}),
        ("tool-presets", {"version": 1, "tool_number": True}),
        ("tool-presets", {"version": 1, "pocket": False}),
        ("tool-usage", {"version": 1, "cut_time": True}),
        ("tool-usage", {"version": 1, "cycle_count": False}),
    ],
)
async def test_a_boolean_is_not_a_number(api: Api, path: str, element: dict[str, Any]) -> None:
    row = await item(api)
    before = await api.counts()
    response = await api.client.put(f"{V1}/{path}", json={"items": [{"id": row["id"], **element}]})
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    [field] = [k for k, v in element.items() if isinstance(v, bool)]
    assert error["loc"] == ["body", "items", 0, field]
    assert error["type"] in ("int_type", "float_type")
    assert await api.counts() == before


async def test_numbers_in_the_lax_legacy_forms_still_pass(api: Api) -> None:
    row = await item(api)
    response = await api.client.put(f"{V1}/tool-items", json={"items": [{"id": row["id"], "version": "1"}]})
    assert response.status_code == 200
    assert response.json()["results"][0]["version"] == 2
    again = await api.client.put(f"{V1}/tool-items", json={"items": [{"id": row["id"], "version": 2.0}]})
    assert again.json()["results"][0]["version"] == 3
