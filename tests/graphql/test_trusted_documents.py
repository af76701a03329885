"""Trusted documents: registered by admins (GraphQL, console), served by hash, refused when malformed.

The transports' side (a trusted-documents-only key over HTTP, WebSocket and SSE)
is in tests/feed/test_trusted_transports.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import pytest

from conftest import Api, StatementCounter
from smooth_gql import graphql_limits, trusted_gate
from smooth_gql.auth.principal import Principal
from smooth_gql.cli import main
from smooth_gql.db.engine import session_factory
from smooth_gql.runtime import Runtime
from smooth_gql.services import api_keys

ITEMS = "query Items { toolItems { totalCount } }"
REGISTER = (
    "mutation($d: [String!]!) { registerTrustedDocuments(documents: $d) { sha256Hash operationNames } }"
)
LIST = "{ trustedDocuments { sha256Hash document operationNames createdBy } }"
REMOVE = "mutation($h: String!) { removeTrustedDocument(sha256Hash: $h) { sha256Hash } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(sha256: object, version: object = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256}}


async def console(argv: list[str], stdin: str = "") -> int:
    """`smooth-gql ...` beside the app (the command runs its own event loop, in a thread)."""
    return await asyncio.to_thread(main, argv, io.StringIO(stdin))


async def post(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.client.post("/graphql", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_registered_document_is_served_by_its_hash_alone(api: Api) -> None:
    [doc] = (await api.gql(REGISTER, {"d": [ITEMS]}))["registerTrustedDocuments"]
    assert doc == {"sha256Hash": sha(ITEMS), "operationNames": ["Items"]}
    body = await post(api, {"extensions": persisted(sha(ITEMS))})
    assert body["data"] == {"toolItems": {"totalCount": 0}} and "errors" not in body
    # The query with its hash (Apollo's second try) is served too; so is a GET.
    assert "errors" not in await post(api, {"query": ITEMS, "extensions": persisted(sha(ITEMS))})
    extensions = f'{{"persistedQuery":{{"version":1,"sha256Hash":"{sha(ITEMS)}"}}}}'
    got = await api.client.get(
        "/graphql", params={"extensions": extensions}, headers={"Accept": "application/json"}
    )
    assert got.json()["data"] == {"toolItems": {"totalCount": 0}}, got.text


async def test_registering_is_idempotent_and_listed_and_removed(api: Api) -> None:
    first = await api.gql(REGISTER, {"d": [ITEMS, ITEMS]})
    again = await api.gql(REGISTER, {"d": [ITEMS]})
    assert first["registerTrustedDocuments"] == again["registerTrustedDocuments"]
    [listed] = (await api.gql(LIST))["trustedDocuments"]
    assert listed["document"] == ITEMS and listed["createdBy"] is not None
    await api.gql(REMOVE, {"h": sha(ITEMS)})
    assert (await api.gql(LIST))["trustedDocuments"] == []
    # Removed: this worker no longer serves it, at once.
    [error] = (await post(api, {"extensions": persisted(sha(ITEMS))}))["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    [error] = (await api.gql_raw(REMOVE, {"h": sha(ITEMS)}))["errors"]
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "sha256Hash"}


async def test_an_invalid_document_is_refused_naming_it_and_none_is_registered(api: Api) -> None:
    for bad, problem in (
        ("{ toolItems { nope } }", "Cannot query field 'nope'"),
        ("{ toolItems {", "Syntax Error"),
        ("fragment F on ToolItem { id }", "Fragment 'F' is never used"),
    ):
        [error] = (await api.gql_raw(REGISTER, {"d": [ITEMS, bad]}))["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "documents[1]"}, error
        assert error["message"].startswith("documents[1]: ") and problem in error["message"], error
    assert (await api.gql(LIST))["trustedDocuments"] == []


async def test_an_unknown_hash_is_persisted_query_not_found(api: Api) -> None:
    [error] = (await post(api, {"extensions": persisted("a" * 64)}))["errors"]
    assert error == {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"extensions": {"persistedQuery": "abc"}}, "extensions.persistedQuery"),
        ({"extensions": {"persistedQuery": [1]}}, "extensions.persistedQuery"),
        ({"extensions": persisted("a" * 64, version=2)}, "extensions.persistedQuery.version"),
        ({"extensions": persisted("a" * 64, version=True)}, "extensions.persistedQuery.version"),
        ({"extensions": persisted("A" * 64)}, "extensions.persistedQuery.sha256Hash"),
        ({"extensions": persisted("abc")}, "extensions.persistedQuery.sha256Hash"),
        ({"extensions": persisted(None)}, "extensions.persistedQuery.sha256Hash"),
        ({"query": ITEMS, "extensions": persisted("a" * 64)}, "extensions.persistedQuery.sha256Hash"),
    ],
)
async def test_a_malformed_extension_is_bad_user_input_without_sql(
    api: Api, body: dict[str, Any], field: str
) -> None:
    counter = StatementCounter(api.engine)
    [error] = (await post(api, body))["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, error
    assert error["message"].startswith(f"{field}: "), error
    assert counter.count == 0, counter.statements


async def test_a_registered_document_is_parsed_and_validated_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"parse": 0, "validate": 0, "request parse": 0, "request validate": 0}

    def counted(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(trusted_gate, "parse", counted("parse", trusted_gate.parse))
    monkeypatch.setattr(
        trusted_gate, "validate_document", counted("validate", trusted_gate.validate_document)
    )
    await api.gql(REGISTER, {"d": [ITEMS]})
    parse_cache, validate_cache = graphql_limits._get_parse_cache, graphql_limits._get_validate_cache
    monkeypatch.setattr(graphql_limits, "_get_parse_cache", counted("request parse", parse_cache))
    monkeypatch.setattr(graphql_limits, "_get_validate_cache", counted("request validate", validate_cache))
    for _ in range(3):
        assert "errors" not in await post(api, {"extensions": persisted(sha(ITEMS))})
        assert "errors" not in await post(api, {"query": ITEMS})  # the same text, sent in full
    assert calls == {"parse": 1, "validate": 1, "request parse": 0, "request validate": 0}


async def test_the_console_registers_lists_and_removes(
    api: Api,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    good, bad = tmp_path / "items.graphql", tmp_path / "bad.graphql"
    good.write_text(ITEMS)
    bad.write_text("{ toolItems { nope } }")
    assert await console(["documents", "add", str(good), str(bad)]) == 1
    assert f"{bad}: Cannot query field 'nope'" in capsys.readouterr().err
    assert await console(["documents", "add", str(good)]) == 0
    assert capsys.readouterr().out == f"registered {sha(ITEMS)}  Items\n"
    # Another process registered it: this app finds it in the database on a miss.
    assert (await post(api, {"extensions": persisted(sha(ITEMS))}))["data"] == {
        "toolItems": {"totalCount": 0}
    }
    assert await console(["documents", "list"]) == 0
    assert capsys.readouterr().out == f"{sha(ITEMS)}  Items\n"
    assert await console(["documents", "remove", sha(ITEMS)]) == 0
    assert await console(["documents", "remove", sha(ITEMS)]) == 1
    assert "no trusted document" in capsys.readouterr().err


async def test_removing_needs_a_well_formed_hash(api: Api) -> None:
    [error] = (await api.gql_raw(REMOVE, {"h": "not-a-hash"}))["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "sha256Hash"}, error


async def test_registering_needs_at_least_one_document(api: Api) -> None:
    [error] = (await api.gql_raw(REGISTER, {"d": []}))["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "documents"}, error
    [error] = (await api.gql_raw(REGISTER, {"d": ["  "]}))["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "documents[0]"}, error


async def test_the_console_makes_a_trusted_documents_only_key(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    monkeypatch.setenv("SMOOTH_BCRYPT_ROUNDS", "4")
    email = f"kiosk-{uuid.uuid4().hex[:8]}@example.com"  # the PostgreSQL database is shared by the session
    assert await console(["create-user", "--email", email], stdin="correct horse battery\n") == 0
    argv = ["create-api-key", "--email", email, "--name", "kiosk", "--scope", "read"]
    assert await console([*argv, "--trusted-documents-only"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    principal = await api_keys.principal_for_secret(
        Runtime(session_factory(api.engine), api.settings), secret
    )
    assert isinstance(principal, Principal) and principal.trusted_documents_only
