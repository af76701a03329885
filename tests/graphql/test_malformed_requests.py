"""A GraphQL request that is not one is the client's mistake: 400 with a message that says why.

Before this guard Strawberry answered a bare JSON string body with a 500.
Every refusal has the GraphQL error shape, runs no SQL, and carries the
request id that the response header carries.
"""

from __future__ import annotations

import pytest

from conftest import Api, StatementCounter

QUERY = '"{ toolItems { totalCount } }"'

MALFORMED = [
    ("not json at all", "Unable to parse request body as JSON"),
    ('{"query": ', "Unable to parse request body as JSON"),
    (
        '"{ toolItems { totalCount } }"',
        "The request body must be a JSON object with a `query`, not a string.",
    ),
    ("42", "The request body must be a JSON object with a `query`, not a number."),
    ("true", "The request body must be a JSON object with a `query`, not a boolean."),
    ("null", "The request body must be a JSON object with a `query`, not null."),
    (f'[{{"query": {QUERY}}}]', "Batching is not enabled: send one operation per request."),
    ("{}", "The request has no `query`."),
    ('{"variables": {}}', "The request has no `query`."),
    ('{"query": null}', "`query` must be a string holding the document, not null."),
    ('{"query": 7}', "`query` must be a string holding the document, not a number."),
    (
        '{"query": ["{ toolItems { totalCount } }"]}',
        "`query` must be a string holding the document, not an array.",
    ),
    ('{"query": "  "}', "`query` is empty."),
    (f'{{"query": {QUERY}, "variables": [1]}}', "`variables` must be an object or null, not an array."),
    (f'{{"query": {QUERY}, "variables": "{{}}"}}', "`variables` must be an object or null, not a string."),
    (f'{{"query": {QUERY}, "extensions": 1}}', "`extensions` must be an object or null, not a number."),
    (f'{{"query": {QUERY}, "operationName": 1}}', "`operationName` must be a string or null, not a number."),
    (
        f'{{"query": {QUERY}, "operationName": {{}}}}',
        "`operationName` must be a string or null, not an object.",
    ),
]


@pytest.mark.parametrize(("body", "message"), MALFORMED, ids=[body[:30] for body, _ in MALFORMED])
async def test_a_malformed_graphql_post_is_a_400_that_says_why(api: Api, body: str, message: str) -> None:
    counter = StatementCounter(api.engine)

    response = await api.client.post("/graphql", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "errors": [
            {
                "message": message,
                "extensions": {"code": "BAD_REQUEST", "requestId": response.headers["X-Request-ID"]},
            }
        ]
    }
    assert counter.statements == []


async def test_null_variables_operation_name_and_extensions_are_accepted(api: Api) -> None:
    body = f'{{"query": {QUERY}, "variables": null, "operationName": null, "extensions": null}}'
    response = await api.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json() == {
        "data": {"toolItems": {"totalCount": 0}},
        "extensions": {"cost": {"requested": 1, "limit": 500_000, "remaining": 40_000_000 - 1}},
    }


async def test_other_refusals_of_the_endpoint_have_the_same_json_shape(api: Api) -> None:
    unsupported = await api.client.post(
        "/graphql", content=b"query=x", headers={"content-type": "text/plain"}
    )
    bad_variables = await api.client.get("/graphql", params={"query": "{ __typename }", "variables": "[1]"})

    for response, message in (
        (unsupported, "Unsupported content type"),
        (bad_variables, "The GraphQL operation's `variables` must be an object or null, if provided."),
    ):
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["message"] == message
        assert error["extensions"]["code"] == "BAD_REQUEST"
