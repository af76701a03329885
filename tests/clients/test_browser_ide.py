"""GraphiQL, Swagger UI and ReDoc in a real browser, offline, against a real `smooth-gql serve`.

Debian's chromium, offline (support/browser.py): a page that needs the internet
fails here the way it would on a shop floor cut off from it. In GraphiQL a user signs in,
runs the machine view over data another client made, and watches the change
feed show a write made by another client; afterwards nothing of the password
is in the browser's storage or the address bar. A missing chromium fails the
test (CI installs it), it is never skipped.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncEngine

from support.browser import TIMEOUT_MS, Watch, browser, open_page, shots
from support.serve_process import ServeProcess, serve

__all__ = ["browser", "shots"]  # fixtures

EMAIL = "browser@example.com"
MACHINE = "mill-browser"


@pytest.fixture
async def server(database_url: str, engine: AsyncEngine) -> AsyncIterator[ServeProcess]:
    """Authentication on, as a shop runs it (`engine` empties a PostgreSQL database first)."""
    env = {"AUTH_ENABLED": "true", "SMOOTH_BCRYPT_ROUNDS": "4"}
    with serve(database_url, env=env) as process:
        async with httpx.AsyncClient(timeout=30) as client:
            await process.wait_ready(client)
        yield process


async def _gql(client: httpx.AsyncClient, server: ServeProcess, query: str, **variables: Any) -> Any:
    response = await client.post(f"{server.base_url}/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def _machine_with_a_tool(client: httpx.AsyncClient, server: ServeProcess) -> None:
    """Another client's data: a holder and a cutter, their assembly, an instance, a preset."""
    items = await _gql(
        client,
        server,
        """mutation { createToolItems(input: [{name: "Browser holder", category: HOLDER},
           {name: "Browser cutter", category: CUTTING_TOOL}], atomic: true) { results { id } } }""",
    )
    holder, cutter = (r["id"] for r in items["createToolItems"]["results"])
    assembly = await _gql(
        client,
        server,
        """mutation($h: ID!, $c: ID!) { createToolAssemblies(input: [{name: "Browser assembly",
           holderId: $h, cutterId: $c}], atomic: true) { results { id } } }""",
        h=holder,
        c=cutter,
    )
    instance = await _gql(
        client,
        server,
        """mutation($a: ID!) { createToolInstances(input: [{serialNumber: "BR-1", toolAssemblyId: $a}],
           atomic: true) { results { id } } }""",
        a=assembly["createToolAssemblies"]["results"][0]["id"],
    )
    await _gql(
        client,
        server,
        """mutation($i: ID!, $m: String!) { createToolPresets(input: [{name: "Browser preset T7",
           machineId: $m, toolNumber: 7, toolInstanceId: $i}], atomic: true) { successCount } }""",
        i=instance["createToolInstances"]["results"][0]["id"],
        m=MACHINE,
    )


async def _set_editor(page: Page, selector: str, text: str) -> None:
    """Replace a CodeMirror editor's text as typing would (GraphiQL listens to its changes)."""
    await page.locator(selector).first.wait_for(timeout=TIMEOUT_MS)
    await page.evaluate(
        "([selector, text]) => document.querySelector(selector).CodeMirror.setValue(text)", [selector, text]
    )


async def _result(page: Page) -> str:
    text: str = await page.evaluate(
        "() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()"
    )
    return text


async def _wait_for_result(page: Page, wanted: str) -> str:
    """The response pane's text once it contains `wanted` (bounded)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    text = ""
    while time.monotonic() < deadline:
        text = await _result(page)
        if wanted in text:
            return text
        await asyncio.sleep(0.1)
    raise AssertionError(f"the response pane never showed {wanted!r}; it shows:\n{text}")


async def _open_tab(page: Page, title: str) -> None:
    await page.locator(".graphiql-tab", has_text=title).first.click()


async def _run(page: Page, operation: str) -> None:
    """Run one of the tab's operations: put the cursor in it (GraphiQL runs the operation
    under the cursor) and press Ctrl-Enter, as a user would."""
    # GraphiQL parses the editor's text 100 ms after a change (debounced): a user is slower.
    await page.wait_for_function(
        """(name) => (document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.operations || [])
            .some((operation) => operation.name && operation.name.value === name)""",
        arg=operation,
        timeout=TIMEOUT_MS,
    )
    found = await page.evaluate(
        """(name) => {
            const editor = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
            const starts = (text) => ["query", "mutation", "subscription"].some(
                (kind) => text.startsWith(`${kind} ${name}(`) || text.startsWith(`${kind} ${name} `));
            let line = 0;
            while (line < editor.lineCount() && !starts(editor.getLine(line))) line++;
            if (line === editor.lineCount()) return false;
            editor.focus();
            editor.setCursor({line: line, ch: 0});
            return true;
        }""",
        operation,
    )
    assert found, f"no operation {operation} in the tab"
    await page.keyboard.press("Control+Enter")


async def _browser_state(page: Page) -> str:
    """Everything the page could have kept: both storages and the URL."""
    state: dict[str, Any] = await page.evaluate(
        """() => ({
            local: Object.fromEntries(Object.entries(localStorage)),
            session: Object.fromEntries(Object.entries(sessionStorage)),
            url: location.href,
            history: history.length,
        })"""
    )
    return json.dumps(state)


async def test_graphiql_signs_in_queries_and_follows_the_feed_offline(
    server: ServeProcess, browser: Browser, shots: Path
) -> None:
    password = f"Pw-{secrets.token_hex(8)}"
    async with httpx.AsyncClient(timeout=30) as other:
        await _gql(
            other, server, "mutation($e: String!, $p: String!) { register(email: $e, password: $p) { id } }",
            e=EMAIL, p=password,
        )  # fmt: skip
        await _gql(
            other, server, "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }",
            e=EMAIL, p=password,
        )  # fmt: skip
        await _machine_with_a_tool(other, server)

        watch = Watch()
        page = await open_page(browser, watch)
        await page.goto(f"{server.base_url}/graphql", wait_until="load")
        await page.locator(".graphiql-query-editor .CodeMirror").wait_for(timeout=TIMEOUT_MS)
        tabs = await page.locator(".graphiql-tab").all_inner_texts()
        assert [t.strip() for t in tabs] == ["MachineView", "CreateItems", "Changes", "Login", "Me"], tabs
        await page.screenshot(path=shots / "graphiql-opened.png")

        # Signed out, the machine view is refused; signed in, it shows the other client's preset.
        await _run(page, "MachineView")
        assert "UNAUTHENTICATED" in await _wait_for_result(page, "errors")
        await _open_tab(page, "Login")
        await _set_editor(
            page, ".graphiql-editor-tool .CodeMirror", json.dumps({"email": EMAIL, "password": password})
        )
        await _run(page, "Login")
        await _wait_for_result(page, EMAIL)
        await _open_tab(page, "MachineView")
        await _set_editor(page, ".graphiql-editor-tool .CodeMirror", json.dumps({"machineId": MACHINE}))
        await _run(page, "MachineView")
        view = json.loads(await _wait_for_result(page, "Browser preset T7"))
        node = view["data"]["toolPresets"]["edges"][0]["node"]
        assert node["toolInstance"]["toolAssembly"]["name"] == "Browser assembly"
        assert {c["item"]["name"] for c in node["toolInstance"]["toolAssembly"]["components"]} == {
            "Browser holder",
            "Browser cutter",
        }
        await page.screenshot(path=shots / "graphiql-machine-view.png")

        # The change feed over graphql-transport-ws shows a write another client makes.
        await _open_tab(page, "Changes")
        await _run(page, "Changes")
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        shown = ""
        while "Written elsewhere" not in shown:  # until subscribed: each write is a new event
            assert time.monotonic() < deadline, f"the feed never showed the write; it shows:\n{shown}"
            await _gql(
                other,
                server,
                'mutation { createToolItems(input: [{name: "Written elsewhere"}]) { successCount } }',
            )
            await asyncio.sleep(0.5)
            shown = await _result(page)
        assert '"operation": "CREATED"' in shown
        await page.screenshot(path=shots / "graphiql-feed.png")

        # Nothing of the password stays: not in either storage, not in the URL; not after a reload.
        assert password not in await _browser_state(page)
        await page.reload(wait_until="load")
        await page.locator(".graphiql-query-editor .CodeMirror").wait_for(timeout=TIMEOUT_MS)
        state = await _browser_state(page)
        assert password not in state
        kept = set(json.loads(state)["local"])  # only layout and theme; tabs and history are gone
        assert kept <= {"graphiql:theme", "graphiql:editorFlex", "graphiql:docExplorerFlex"}, kept
        assert "Login" not in await _result(page)
        assert urlsplit(page.url).query == ""
        watch.assert_clean()


async def test_swagger_ui_and_redoc_render_offline(
    server: ServeProcess, browser: Browser, shots: Path
) -> None:
    watch = Watch()
    page = await open_page(browser, watch)

    await page.goto(f"{server.base_url}/api/v1/docs", wait_until="load")
    operations = page.locator(".opblock-summary-path")
    await operations.first.wait_for(timeout=TIMEOUT_MS)
    paths = set(await operations.all_inner_texts())
    paths = {p.replace("\u200b", "") for p in paths}  # Swagger UI breaks long paths with zero-width spaces
    assert {"/health", "/v1/auth/keys", "/v1/api-keys"} <= paths, paths  # under the server URL /api
    await page.screenshot(path=shots / "swagger-ui.png", full_page=False)

    await page.goto(f"{server.base_url}/api/v1/redoc", wait_until="load")
    title = page.locator("h1", has_text="Smooth Tool Data Exchange")
    await title.first.wait_for(timeout=TIMEOUT_MS)
    await page.screenshot(path=shots / "redoc.png", full_page=False)

    watch.assert_clean()
