"""The REST OpenAPI document says what the routes do (issue 12 item 4, issue 13 item 8).

Typed success bodies for every operation, who may call each one (an API key
or the session cookie; the contract's public routes none), the legacy error
answers that really occur, `entity_type` as the enumeration it is, and a valid
OpenAPI 3.1 document. `tests/rest/test_rest_schemathesis.py` checks the routes'
real answers against it; this file checks the document itself, and what
OPTIONS and unrouted methods answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from conftest import Api, StatementCounter
from support.rest import V1

METHODS = ("get", "post", "put", "delete", "patch")
PUBLIC = {("get", "/health"), ("post", "/v1/auth/register"), ("post", "/v1/auth/login")}
BEARER_OR_COOKIE = [{"bearerKey": []}, {"sessionCookie": []}]
ENTITY_TYPES = ["tool_items", "tool_assemblies", "tool_instances", "tool_presets", "tool_sets", "tool_usage"]


async def document(api: Api) -> dict[str, Any]:
    response = await api.client.get(f"{V1}/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


async def test_the_document_is_valid_openapi_3_1(api: Api) -> None:
    doc = await document(api)
    assert doc["openapi"].startswith("3.1")
    assert doc["info"] == {"title": "Smooth Tool Data Exchange", "version": "0.1.0"}
    assert doc["servers"] == [{"url": "/api"}]
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema
    assert len(operations(doc)) >= 50


async def test_every_operation_has_a_typed_success_body(api: Api) -> None:
    doc = await document(api)
    schemas = doc["components"]["schemas"]
    untyped = []
    for method, path, operation in operations(doc):
        [(status, success)] = [(s, r) for s, r in operation["responses"].items() if s.startswith("2")]
        if status == "204":  # revoking a key: no body
            assert "content" not in success, path
            continue
        schema = success["content"]["application/json"]["schema"]
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        if ref is None or not schemas[ref.rpartition("/")[2]].get("properties"):
            untyped.append(f"{method.upper()} {path}")
    assert untyped == []


async def test_entity_bodies_are_described_field_by_field(api: Api) -> None:
    schemas = (await document(api))["components"]["schemas"]
    preset = schemas["ToolPresets"]
    assert list(preset["properties"]) == [
        "id",
        "machine_id",
        "tool_number",
        "instance_id",
        "pocket",
        "description",
        "metadata",
        "offsets",
        "orientation",
        "limits",
        "loaded_at",
        "loaded_by",
        "tags",
        "user_id",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
        "version",
    ]
    assert set(preset["required"]) == set(preset["properties"])  # always present, null when unset
    assert preset["properties"]["version"]["type"] == "integer"
    assert "tags" not in schemas["ToolUsage"]["properties"]  # usage has no tags (contract §13.1)
    change_row = schemas["ToolPresetsChangeRow"]["properties"]
    assert "preset_metadata" in change_row and "metadata" not in change_row and "change_seq" in change_row
    bulk = schemas["ToolItemsBulkResult"]["properties"]
    assert set(bulk) == {"success_count", "error_count", "results", "errors"}
    assert set(schemas["ItemFailure"]["properties"]) == {"index", "id", "message"}


async def test_security_follows_the_contract(api: Api) -> None:
    doc = await document(api)
    schemes = {
        name: {k: v for k, v in scheme.items() if k != "description"}
        for name, scheme in doc["components"]["securitySchemes"].items()
    }
    assert schemes == {
        "bearerKey": {"type": "http", "scheme": "bearer"},
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
    }
    for method, path, operation in operations(doc):
        if (method, path) in PUBLIC:
            assert operation["security"] == [], path
        elif path == "/v1/auth/logout":  # ends the cookie's session, if one is sent
            assert operation["security"] == [{}, {"sessionCookie": []}]
        else:
            assert operation["security"] == BEARER_OR_COOKIE, (method, path)
            assert "401" in operation["responses"], (method, path)
            if path != "/v1/auth/me":  # anyone signed in may read their own account
                assert "403" in operation["responses"], (method, path)


async def test_the_errors_that_occur_are_documented_in_the_legacy_shape(api: Api) -> None:
    doc = await document(api)
    detail = {"$ref": "#/components/schemas/Detail"}
    for method, path, operation in operations(doc):
        responses = operation["responses"]
        for status in ("400", "401", "403", "404", "410", "413", "429"):
            if status in responses:
                assert responses[status]["content"]["application/json"]["schema"] == detail
        if "requestBody" in operation:
            assert "413" in responses and "422" in responses, (method, path)
        if "{" in path:
            assert "404" in responses or path.startswith("/v1/changes/"), (method, path)
    assert "400" in doc["paths"]["/v1/changes/{entity_type}/max-version"]["get"]["responses"]
    for collection in ("tool-items", "tool-usage", "tool-sets"):  # a NUL in a filter (found by the fuzz run)
        assert "400" in doc["paths"][f"/v1/{collection}"]["get"]["responses"]
    assert "429" in doc["paths"]["/v1/auth/login"]["post"]["responses"]
    assert "400" in doc["paths"]["/v1/backup/import"]["post"]["responses"]


async def test_entity_type_is_an_enumeration_whose_outsiders_keep_their_legacy_400(api: Api) -> None:
    doc = await document(api)
    for route in ("since-version", "since-timestamp", "max-version"):
        [parameter] = [
            p
            for p in doc["paths"][f"/v1/changes/{{entity_type}}/{route}"]["get"]["parameters"]
            if p["name"] == "entity_type"
        ]
        assert parameter["schema"]["enum"][:6] == ENTITY_TYPES
        assert "tool-items" in parameter["schema"]["enum"]  # the documented alias works too
    response = await api.client.get(f"{V1}/changes/users/max-version")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid entity_type")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("tool-items", "DELETE, GET, OPTIONS, POST, PUT"),
        ("tool-usage", "DELETE, GET, OPTIONS, POST, PUT"),
        ("tool-items/some-id", "GET, OPTIONS"),
        ("auth/keys", "GET, OPTIONS, POST"),
        ("tool-sets/s/restore/1", "OPTIONS, POST"),
    ],
)
async def test_options_and_unsupported_methods_name_every_method_of_the_path(
    api: Api, path: str, allowed: str
) -> None:
    counter = StatementCounter(api.engine)
    options = await api.client.options(f"{V1}/{path}")
    assert options.status_code == 204
    assert options.headers["Allow"] == allowed
    assert options.content == b""
    assert counter.statements == []

    refused = await api.client.request("PATCH", f"{V1}/{path}")
    assert refused.status_code == 405
    assert refused.json() == {"detail": "Method Not Allowed"}
    assert refused.headers["Allow"] == allowed


async def test_unrouted_rest_paths_answer_the_legacy_json_404(api: Api) -> None:
    for path in (f"{V1}/no-such-route", f"{V1}/auth/keys/a%0Ab", "/api/%0A"):
        for method in ("GET", "OPTIONS", "DELETE"):
            response = await api.client.request(method, path)
            assert response.status_code == 404, (method, path)
            assert response.headers["content-type"] == "application/json"
            assert response.content == b'{"detail":"Not Found"}'
    assert (await api.client.get("/no-such-page")).text == "Not Found"  # outside /api: Starlette's own
