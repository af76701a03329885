"""GraphQL over HTTP with the machine's API key: the few operations the bridge sends.

Failures come in three kinds, because the bridge treats them differently: `Unreachable`
(no answer, a timeout, a 5xx: journal and retry later), `Refused` (the key is bad or may
not do this: a clear error at start; it carries the error's `extensions.code`, so the
outbox can tell an idempotency key still in progress from a revoked key), and per-element
bulk errors, returned as data.
"""

from __future__ import annotations

from typing import Any

import httpx

from .rows import PRESET_FIELDS, Preset

USAGE_FIELDS = "id version endTime"
ERROR_FIELDS = "errors { index code message field ... on ConstraintError { id } }"

PRESETS = f"""query($machine: String!, $after: String) {{
  toolPresets(filter: {{machineId: $machine}}, first: 500, after: $after) {{
    edges {{ node {{ {PRESET_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
PRESET = f"query($id: ID!) {{ toolPreset(id: $id) {{ {PRESET_FIELDS} }} }}"
UPDATE_PRESETS = f"""mutation($input: [ToolPresetUpdateInput!]!, $key: String) {{
  updateToolPresets(input: $input, idempotencyKey: $key) {{
    results {{ {PRESET_FIELDS} }} {ERROR_FIELDS} }} }}"""
CREATE_USAGES = f"""mutation($input: [ToolUsageCreateInput!]!, $key: String) {{
  createToolUsages(input: $input, idempotencyKey: $key) {{
    results {{ {USAGE_FIELDS} }} {ERROR_FIELDS} }} }}"""
UPDATE_USAGES = f"""mutation($input: [ToolUsageUpdateInput!]!, $key: String) {{
  updateToolUsages(input: $input, idempotencyKey: $key) {{
    results {{ {USAGE_FIELDS} }} {ERROR_FIELDS} }} }}"""
# The export's first line, `; smooth-gql export <cursor>`, is the change cursor the read follows:
# presets read after it and the feed resumed from it leave no gap.
EXPORT_MARKER = "query($machine: String!) { toolTable(machineId: $machine, format: LINUXCNC) }"
MARKER_PREFIX = "; smooth-gql export "
USAGE = f"query($id: ID!) {{ toolUsage(id: $id) {{ {USAGE_FIELDS} }} }}"


class Unreachable(Exception):
    """The server did not answer (in time): try again later."""


class Refused(Exception):
    """The server answered no: a bad key, a key without access, a malformed request."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code  # the first error's `extensions.code`, when the server gave one


class Api:
    def __init__(self, url: str, key: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/") + "/graphql"
        self.client = httpx.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=timeout)

    async def close(self) -> None:
        await self.client.aclose()

    async def run(self, query: str, variables: dict[str, Any], timeout: float | None = None) -> Any:
        try:
            response = await self.client.post(
                self.url,
                json={"query": query, "variables": variables},
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.TransportError as error:
            raise Unreachable(f"{type(error).__name__}: {error}") from None
        if response.status_code >= 500:
            raise Unreachable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise Refused(f"HTTP {response.status_code}: {response.text[:200]}") from None
        if response.status_code != 200 or body.get("errors"):
            errors = body.get("errors") or []
            messages = "; ".join(e.get("message", "?") for e in errors)
            code = (errors[0].get("extensions") or {}).get("code") if errors else None
            raise Refused(f"HTTP {response.status_code}: {messages or response.text[:200]}", code)
        return body["data"]

    async def presets(self, machine: str, timeout: float | None = None) -> list[Preset]:
        rows: list[Preset] = []
        after = None
        while True:
            data = await self.run(PRESETS, {"machine": machine, "after": after}, timeout)
            page = data["toolPresets"]
            rows += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return rows
            after = page["pageInfo"]["endCursor"]

    async def marker(self, machine: str, timeout: float | None = None) -> str:
        """A change cursor at or before now: follow the feed from here after reading the presets."""
        table = (await self.run(EXPORT_MARKER, {"machine": machine}, timeout))["toolTable"]
        first = str(table).split("\n", 1)[0]
        if not first.startswith(MARKER_PREFIX):
            raise Refused(f"toolTable did not start with an export marker: {first[:80]!r}")
        return first.removeprefix(MARKER_PREFIX).strip()

    async def preset(self, preset_id: str) -> Preset | None:
        data = await self.run(PRESET, {"id": preset_id})
        return data["toolPreset"]  # type: ignore[no-any-return]

    async def bulk(
        self, query: str, name: str, element: dict[str, Any], key: str | None
    ) -> tuple[Any, dict[str, Any] | None]:
        """One element of a bulk write under idempotency key `key` (None: none, an old journal
        entry): its result, or its error (`code`, `message`, `field`)."""
        data = (await self.run(query, {"input": [element], "key": key}))[name]
        return (data["results"] or [None])[0], (data["errors"] or [None])[0]

    async def usage(self, usage_id: str) -> dict[str, Any] | None:
        data = await self.run(USAGE, {"id": usage_id})
        return data["toolUsage"]  # type: ignore[no-any-return]
