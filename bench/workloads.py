"""The three workloads: what is sent to the app, what its floor does, and how both are checked.

A workload hands out *timed calls*: its untimed setup (building 1,000 inputs,
encoding the request) happens when the call is made, so the stopwatch only
sees the request itself (or the floor's SQL and JSON encoding).
"""

from __future__ import annotations

import copy
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncEngine

from . import floors
from .dataset import cutter_input
from .harness import BenchError, GraphQLClient, encode_request, parse_data

Timed = Callable[[], Awaitable[bytes]]

BULK_SIZE = 1000
PAGE_SIZE = 1000
MACHINE_PAGE = 100

CREATE_ITEMS = """
mutation CreateItems($input: [ToolItemCreateInput!]!) {
  createToolItems(input: $input) { successCount results { id version } }
}"""

CREATE_ITEMS_KEYED = """
mutation CreateItems($input: [ToolItemCreateInput!]!, $key: String) {
  createToolItems(input: $input, idempotencyKey: $key) { successCount results { id version } }
}"""

TOOL_ITEMS = """
query ToolItems($first: Int!) {
  toolItems(first: $first) {
    edges { node {
      id name description manufacturer partNumber category toolType geometry material tags version createdAt updatedAt
    } }
  }
}"""

MACHINE_VIEW = """
query MachineView($machine: String!, $first: Int!) {
  toolPresets(filter: {machineId: $machine}, first: $first) {
    edges { node {
      id name toolNumber pocket offsets parameters version
      toolInstance {
        id serialNumber status
        toolAssembly {
          id name
          components { role position item { id name category partNumber geometry } }
        }
      }
    } }
  }
}"""


class Workload(ABC):
    key: str  # stable identifier (JSON output, profile file names)
    title: str  # the name in the table
    target: float  # the largest acceptable median / floor-median ratio
    # Rows each side must add per call (checked once against the database).
    expected_growth: ClassVar[Mapping[str, int]] = {}

    def __init__(self, client: GraphQLClient, engine: AsyncEngine) -> None:
        self.client = client
        self.engine = engine

    @abstractmethod
    def graphql(self, run: str) -> Timed:
        """The timed GraphQL request of run `run` (a label unique per call)."""

    @abstractmethod
    def floor(self, run: str) -> Timed:
        """The timed raw-SQL floor of the same work."""

    def check(self, body: bytes, *, from_floor: bool) -> Any:
        """Fail if the answer is not the complete, error-free one; return its comparable form."""
        data = json.loads(body) if from_floor else parse_data(body)
        if not isinstance(data, dict):
            raise BenchError(f"{self.title}: the answer is not a JSON object")
        return self.comparable(data)

    def comparable(self, data: dict[str, Any]) -> Any:
        """What must be equal between the GraphQL answer and the floor's document."""
        return data


class CreateToolItems(Workload):
    key = "create_tool_items"
    title = "createToolItems(1,000)"
    target = 1.6  # issue 18 (was 8x)
    expected_growth: ClassVar[Mapping[str, int]] = {
        "tool_items": BULK_SIZE,
        "audit_log": BULK_SIZE,
        "change_log": BULK_SIZE,
    }

    query = CREATE_ITEMS

    def variables(self) -> dict[str, Any]:
        return {"input": self.inputs("bench pricing")}

    @staticmethod
    def inputs(prefix: str) -> list[dict[str, Any]]:
        """1,000 new items whose names are unique to this call, so every call really creates."""
        return [cutter_input(f"{prefix} item {i:04d}", i) for i in range(BULK_SIZE)]

    def graphql(self, run: str) -> Timed:
        body = encode_request(CREATE_ITEMS, {"input": self.inputs(f"bench graphql {run}")})
        return lambda: self.client.post(body)

    def floor(self, run: str) -> Timed:
        inputs = self.inputs(f"bench floor {run}")
        return lambda: floors.create_items(self.engine, inputs)

    def comparable(self, data: dict[str, Any]) -> Any:
        result = data["createToolItems"]
        versions = {row["version"] for row in result["results"]}
        ids = {row["id"] for row in result["results"]}
        if result["successCount"] != BULK_SIZE or len(ids) != BULK_SIZE or versions != {1}:
            raise BenchError(
                f"{self.title}: expected {BULK_SIZE} new items at version 1, got {result['successCount']}"
            )
        return {"successCount": result["successCount"], "results": len(result["results"])}


class CreateToolItemsKeyed(CreateToolItems):
    """The same 1,000 creates with an idempotency key (a new one per call, so each writes),
    measured against the same call without a key as its "floor": the two alternate call by
    call, so the ratio is the key's cost (claiming it, storing the outcome) under the same
    load, which on a shared machine swings far more than 5 % between workloads."""

    key = "create_tool_items_keyed"
    title = "createToolItems(1,000) keyed / unkeyed"
    target = 1.05  # issue 15: a key adds at most 5 % to the median
    query = CREATE_ITEMS_KEYED

    def variables(self) -> dict[str, Any]:
        return {**super().variables(), "key": "bench pricing"}

    def graphql(self, run: str) -> Timed:
        variables = {"input": self.inputs(f"bench keyed {run}"), "key": f"bench keyed {run}"}
        body = encode_request(CREATE_ITEMS_KEYED, variables)
        return lambda: self.client.post(body)

    def floor(self, run: str) -> Timed:
        return super().graphql(f"unkeyed {run}")

    def check(self, body: bytes, *, from_floor: bool) -> Any:
        return self.comparable(parse_data(body))  # both sides are GraphQL answers


class ToolItemsPage(Workload):
    key = "tool_items_page"
    title = "toolItems(first: 1000)"
    target = 1.6  # issue 18 (was 4x)
    query = TOOL_ITEMS

    def variables(self) -> dict[str, Any]:
        return {"first": PAGE_SIZE}

    def graphql(self, run: str) -> Timed:
        body = encode_request(self.query, self.variables())
        return lambda: self.client.post(body)

    def floor(self, run: str) -> Timed:
        return lambda: floors.tool_items_page(self.engine, PAGE_SIZE)

    def comparable(self, data: dict[str, Any]) -> Any:
        if len(data["toolItems"]["edges"]) != PAGE_SIZE:
            raise BenchError(
                f"{self.title}: expected {PAGE_SIZE} items, got {len(data['toolItems']['edges'])}"
            )
        return data


CHANGES = """
query Changes($first: Int!) {
  changesSince(first: $first) {
    changes { cursor entityType entityId operation version changedAt changedBy
      entity { __typename ... on Entity { id version updatedAt }
        ... on ToolItem { name category geometry } ... on ToolPreset { name toolNumber offsets } } }
    endCursor hasMore
  }
}"""


class ChangesPage(Workload):
    """changesSince(first: 1000) with each change's entity (a DataLoader per entity type).
    Its only floor here is the same call under graphql-core's executor (`PlanAgainstCore`)."""

    key = "changes_page"
    title = "changesSince(1000)"
    target = 1.0

    def graphql(self, run: str) -> Timed:
        body = encode_request(CHANGES, {"first": PAGE_SIZE})
        return lambda: self.client.post(body)

    def floor(self, run: str) -> Timed:
        raise BenchError(f"{self.title}: no raw-SQL floor; measure it with PlanAgainstCore")

    def comparable(self, data: dict[str, Any]) -> Any:
        if len(data["changesSince"]["changes"]) != PAGE_SIZE:
            raise BenchError(f"{self.title}: expected {PAGE_SIZE} changes")
        return data


class PlanAgainstCore(Workload):
    """A read workload run from its plan, against the same request to an app with
    SMOOTH_EXECUTOR=graphql-core (same engine) as its "floor": the two alternate call by
    call, so the ratio is the executors' difference under the same load (issue 18: no
    workload slower than under graphql-core)."""

    target = 1.0

    def __init__(self, workload: Workload, core: GraphQLClient) -> None:
        super().__init__(workload.client, workload.engine)
        self.workload = workload
        # A twin that sends to the graphql-core app. (A workload's call reads `self.client` when
        # it runs, not when it is made: swapping the client around `graphql(run)` and back, as
        # this once did, sent both sides to the plan executor.)
        self.on_core = copy.copy(workload)
        self.on_core.client = core
        self.key = f"{workload.key}_plan_vs_graphql_core"
        self.title = f"{workload.title} plan / graphql-core"

    def graphql(self, run: str) -> Timed:
        return self.workload.graphql(run)

    def floor(self, run: str) -> Timed:
        return self.on_core.graphql(run)

    def check(self, body: bytes, *, from_floor: bool) -> Any:
        return self.workload.check(body, from_floor=False)  # both sides are GraphQL answers


class CreateAgainstCore(PlanAgainstCore):
    """createToolItems(1,000) from its plan against graphql-core: both sides write the rows."""

    expected_growth: ClassVar[Mapping[str, int]] = CreateToolItems.expected_growth

    def __init__(self, client: GraphQLClient, engine: AsyncEngine, core: GraphQLClient) -> None:
        super().__init__(CreateToolItems(client, engine), core)


class MachineView(Workload):
    key = "machine_view"
    title = "machine view (100 presets)"
    target = 2.5  # issue 18 (was 12x)

    query = MACHINE_VIEW

    def __init__(self, client: GraphQLClient, engine: AsyncEngine, machine: str) -> None:
        super().__init__(client, engine)
        self.machine = machine

    def variables(self) -> dict[str, Any]:
        return {"machine": self.machine, "first": MACHINE_PAGE}

    def graphql(self, run: str) -> Timed:
        body = encode_request(self.query, self.variables())
        return lambda: self.client.post(body)

    def floor(self, run: str) -> Timed:
        return lambda: floors.machine_view(self.engine, self.machine, MACHINE_PAGE)

    def comparable(self, data: dict[str, Any]) -> Any:
        edges = data["toolPresets"]["edges"]
        complete = all(
            e["node"]["toolInstance"]
            and e["node"]["toolInstance"]["toolAssembly"]
            and len(e["node"]["toolInstance"]["toolAssembly"]["components"]) == 2
            for e in edges
        )
        if len(edges) != MACHINE_PAGE or not complete:
            raise BenchError(
                f"{self.title}: expected {MACHINE_PAGE} presets, each with instance, assembly and 2 components"
            )
        return data


class TrustedDocument(Workload):
    """A read workload's document sent as the hash of a registered (trusted) document, measured
    against the same document sent as text as its "floor": the two alternate call by call, so
    the ratio is what serving a persisted query costs (the hash's lookup, its cache) net of
    what it saves (a registered document is not parsed or validated again). Issue 15: at most
    5 % more. `register` must have run once before it is measured."""

    target = 1.05

    def __init__(self, base: ToolItemsPage | MachineView) -> None:
        super().__init__(base.client, base.engine)
        self.base = base
        self.key = f"{base.key}_trusted"
        self.title = f"{base.title.split(' (')[0]} by hash / text"
        self.sha256 = hashlib.sha256(base.query.encode()).hexdigest()

    async def register(self) -> None:
        mutation = "mutation($d: [String!]!) { registerTrustedDocuments(documents: $d) { sha256Hash } }"
        await self.client.data(mutation, {"d": [self.base.query]})

    def graphql(self, run: str) -> Timed:
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": self.sha256}}
        body = json.dumps({"variables": self.base.variables(), "extensions": persisted}).encode()
        return lambda: self.client.post(body)

    def floor(self, run: str) -> Timed:
        return self.base.graphql(run)

    def check(self, body: bytes, *, from_floor: bool) -> Any:
        return self.base.comparable(parse_data(body))  # both sides are GraphQL answers


class WithBudgets(Workload):
    """A workload through the app with its default budgets on, measured against the same workload
    through a second app on the same database with the budgets off as its "floor": the two
    alternate call by call, so the ratio is what counting the caller's budget costs (issue 15:
    at most 5 %). Both sides are GraphQL answers and write the same rows."""

    target = 1.05

    def __init__(self, on: Workload, off: Workload) -> None:
        super().__init__(on.client, on.engine)
        self.on, self.off = on, off
        self.key = f"{on.key}_budgets"
        self.title = f"{on.title} budgets on / off"
        self.expected_growth = on.expected_growth  # type: ignore[misc]  # per instance: the wrapped workload's

    def graphql(self, run: str) -> Timed:
        return self.on.graphql(f"budgets on {run}")

    def floor(self, run: str) -> Timed:
        return self.off.graphql(f"budgets off {run}")

    def check(self, body: bytes, *, from_floor: bool) -> Any:
        return self.on.comparable(parse_data(body))
