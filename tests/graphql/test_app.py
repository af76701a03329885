"""Everything around the GraphQL schema: health and readiness, GraphiQL, queries
over GET, masking of unexpected errors, and the `smooth-gql` command."""

from __future__ import annotations

import gc
import json
import logging
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api, make_settings
from smooth_gql import cli
from smooth_gql.app import create_app
from smooth_gql.db.migrate import head_revision
from smooth_gql.db.models import Base
from smooth_gql.services import reads
from support.factories import item

SCHEMA_FILE = Path(__file__).parents[2] / "schema.graphql"


async def test_health(api: Api) -> None:
    response = await api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_the_database(api: Api) -> None:
    response = await api.client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


async def test_graphiql_is_served_to_browsers(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_a_query_over_get(api: Api) -> None:
    item_id = await item(api, name="drill")
    response = await api.client.get(
        "/graphql",
        params={
            "query": "query($id: ID!) { toolItem(id: $id) { name } }",
            "variables": json.dumps({"id": item_id}),
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {"toolItem": {"name": "drill"}},
        # The caller's points left this minute: the item's creation cost 3, this query 1.
        "extensions": {"cost": {"requested": 1, "limit": 500_000, "remaining": 40_000_000 - 3 - 1}},
    }


async def test_a_mutation_over_get_is_refused(api: Api) -> None:
    response = await api.client.get(
        "/graphql", params={"query": 'mutation { createToolItems(input: [{name: "x"}]) { successCount } }'}
    )
    assert response.status_code == 400
    assert await api.scalar("SELECT count(*) FROM tool_items") == 0


async def test_invalid_queries_carry_bad_user_input(api: Api) -> None:
    body = await api.gql_raw("{ toolItems { noSuchField } }")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "noSuchField" in error["message"]


async def test_an_unexpected_resolver_error_is_masked_and_logged(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(reads, "list_page", broken)
    with caplog.at_level(logging.ERROR, logger="smooth_gql.graphql"):
        response = await api.client.post(
            "/graphql", json={"query": "{ toolItems(orderBy: {field: NAME}) { totalCount } }"}
        )

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL", "requestId": response.headers["X-Request-ID"]}
    assert error["path"] == ["toolItems"]
    assert "hunter2" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "smooth_gql.graphql" and r.exc_info]
    assert logged and "hunter2" in str(logged[0].exc_info[1]), "the details go to the log"

    # Our own errors are not masked.
    monkeypatch.undo()
    body = await api.gql_raw("{ toolItems(first: -1) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- the command line ------------------------------------------------------------------------


def test_schema_drift_committed_schema_graphql_equals_export_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["export-schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == SCHEMA_FILE.read_text(), (
        "schema.graphql differs from the code: run `smooth-gql export-schema > schema.graphql` and commit it"
    )


def test_migrate_creates_the_schema_in_an_empty_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "fresh.db"
    monkeypatch.setenv("SMOOTH_DATABASE_URL", f"sqlite:///{database}")
    head = head_revision()

    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out == f"database at revision {head} (was empty)\n"
    with closing(sqlite3.connect(database)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        [revision] = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert revision == head

    assert cli.main(["migrate"]) == 0, "migrating a current database is a no-op"
    assert capsys.readouterr().out == f"database at revision {head} (was {head})\n"


def test_a_bad_setting_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    assert cli.main(["migrate"]) == 2
    assert "LOG_LEVEL" in capsys.readouterr().err


async def test_client_mistakes_are_answered_not_logged_as_errors(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad query, a bad argument and a bad variable are the client's business: no ERROR
    line (Strawberry's default would log each with a traceback)."""
    with caplog.at_level(logging.DEBUG):
        for query, variables in [
            ("{ toolItems { noSuchField } }", None),
            ("{ toolItems(first: -1) { totalCount } }", None),
            ("query($a: String) { changesSince(after: $a) { endCursor } }", {"a": "not a cursor"}),
        ]:
            body = await api.gql_raw(query, variables)
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_served_worker_freezes_its_startup_heap_and_collects_less_often(
    engine: AsyncEngine, database_url: str
) -> None:
    """`app_from_env` passes settle_gc: a full collection over the startup heap once stalled every
    feed delivery of a write for 120 ms. Test apps leave the collector alone (they would keep garbage)."""
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()  # 3.12 starts with some frozen
    try:
        plain = create_app(make_settings(database_url), engine=engine)
        async with plain.router.lifespan_context(plain):
            assert gc.get_freeze_count() == frozen and gc.get_threshold() == thresholds
        served = create_app(make_settings(database_url), engine=engine, settle_gc=True)
        async with served.router.lifespan_context(served):
            assert gc.get_freeze_count() > frozen
            assert gc.get_threshold() == (10_000, 20, 20)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
