"""JavaScript's stock clients under node, unchanged: `graphql-ws` (with `ws`) and `graphql-sse`.

Each script in tests/clients/node subscribes to `changes` from the head of the log,
sees a write it makes over HTTP, stops, makes two more writes, resumes from the
last cursor it saw and prints what it got as JSON. The packages come from the
lockfile there (`npm ci --prefix tests/clients/node`, which .ci/run does).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from support.stock_server import StockServer, stock_server

NODE_DIR = Path(__file__).resolve().parent / "node"
PACKAGES = ("graphql", "graphql-ws", "graphql-sse", "ws")
SINCE = "query($after: String) { changesSince(after: $after, entityTypes: [TOOL_ITEM]) { changes { entityId cursor } } }"


def node_command(script: str) -> list[str]:
    """`node <script>`, or a failure that says what to install: CI must never skip these."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (Debian: apt-get install nodejs npm)")
    missing = [p for p in PACKAGES if not (NODE_DIR / "node_modules" / p / "package.json").is_file()]
    if missing:
        pytest.fail(f"node packages missing ({', '.join(missing)}): run `npm ci --prefix tests/clients/node`")
    return [node, str(NODE_DIR / script)]


@pytest.fixture
async def served(engine: AsyncEngine, database_url: str) -> AsyncIterator[StockServer]:
    async with stock_server(database_url) as server:
        yield server


def run_client(served: StockServer, script: str) -> dict[str, Any]:
    command = [*node_command(script), served.graphql_url, served.ws_url, served.key]
    done = subprocess.run(command, cwd=NODE_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{script} failed ({done.returncode}):\n{done.stderr}\n{done.stdout}"
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("script", ["graphql_ws.mjs", "graphql_sse.mjs"])
async def test_a_stock_node_client_follows_the_changes_and_resumes(served: StockServer, script: str) -> None:
    got = run_client(served, script)

    live = got["live"]
    assert (live["entityType"], live["entityId"], live["operation"], live["version"]) == (
        "TOOL_ITEM",
        got["liveId"],
        "CREATED",
        1,
    )
    # Resumed from the live change's cursor: exactly the two writes made while away, in order.
    assert [c["entityId"] for c in got["resumed"]] == got["missed"]
    # And they are what the server's log holds after the head the script started from.
    log = (await served.gql(SINCE, {"after": got["head"]}))["changesSince"]["changes"]
    assert [c["entityId"] for c in log] == [got["liveId"], *got["missed"]]
    assert [c["cursor"] for c in log] == [live["cursor"], *(c["cursor"] for c in got["resumed"])]
    # Every event as the stock client hands it over carries the operation's price (README
    # "Query cost"): one event's cost, the same each time, under the configured limit; and the
    # points its subscription left the key when it started (README "Budgets"): the resumed
    # subscription started later, after more of the key's operations.
    costs = got["costs"]
    assert len(costs) == 3 and all(set(cost) == {"requested", "limit", "remaining"} for cost in costs), costs
    assert all((c["requested"], c["limit"]) == (costs[0]["requested"], costs[0]["limit"]) for c in costs)
    assert 0 < costs[0]["requested"] <= costs[0]["limit"]
    assert costs[1]["remaining"] == costs[2]["remaining"] < costs[0]["remaining"]
