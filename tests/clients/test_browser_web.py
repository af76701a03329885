"""The tool room web front end (web/, served at `/`) in a real browser against a real
`smooth-gql serve`, offline (support/browser.py: other hosts blocked, console errors fail).

Each screen's main path is driven as a user would (the tool table and the API key dialog
by keyboard alone), with a screenshot of each screen: kept under $SMOOTH_TEST_SCREENSHOTS
when set (printed), else in the test's tmp dir. Two timings are the issue's requirements
and are asserted: a write made by another client shows in the tool table within 1 s, and
a machine with 1,000 presets renders within 1 s of its data arriving. Both are measured
where they happen (the first from the moment the other client's write has committed, the
second by the page's own performance marks), and printed.
"""

from __future__ import annotations

import gzip
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from support.browser import TIMEOUT_MS, Watch, browser, open_page, shots
from support.serve_process import ServeProcess, serve
from support.web_shop import Shop

__all__ = ["browser", "shots"]  # fixtures

WEB_ASSETS = Path(__file__).resolve().parents[2] / "smooth_gql" / "static" / "web"
JS_BUDGET = 250 * 1024  # gzip bytes of JavaScript the first screen loads
LIVE_BUDGET_S = 1.0  # a change made anywhere shows within a second
RENDER_BUDGET_MS = 1000  # 1,000 presets render within a second of their data arriving
ADMIN = "admin@shop.example"
MACHINE = "mill-web"


@pytest.fixture
async def server(database_url: str, engine: AsyncEngine) -> AsyncIterator[ServeProcess]:
    """Authentication on and no account yet (`engine` empties a PostgreSQL database first)."""
    env = {"AUTH_ENABLED": "true", "SMOOTH_BCRYPT_ROUNDS": "4"}
    with serve(database_url, env=env) as process:
        async with httpx.AsyncClient(timeout=30) as client:
            await process.wait_ready(client)
        yield process


@pytest.fixture
async def shop(server: ServeProcess) -> AsyncIterator[Shop]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield Shop(server, client)


def _saved(shots: Path, name: str) -> Path:
    path = shots / f"web-{name}.png"
    print(f"screenshot: {path}")
    return path


async def _sign_in(page: Page, email: str, password: str) -> None:
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_label("Password").press("Enter")
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT_MS)


async def _register_first_admin(page: Page, server: ServeProcess, shots: Path) -> str:
    password = f"Pw-{secrets.token_hex(8)}"
    await page.goto(f"{server.base_url}/", wait_until="load")
    await expect(page.get_by_role("heading", name="Create the first account")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    await page.screenshot(path=_saved(shots, "first-admin"))
    await _sign_in(page, ADMIN, password)
    await expect(page.locator("header .who")).to_have_text(f"{ADMIN} (admin)")
    return password


async def _open_table(page: Page, server: ServeProcess, shots: Path) -> None:
    await page.goto(f"{server.base_url}/#/machines", wait_until="load")
    await expect(page.get_by_role("link", name=MACHINE)).to_be_visible(timeout=TIMEOUT_MS)
    await page.screenshot(path=_saved(shots, "machines"))
    await page.get_by_role("link", name=MACHINE).click()
    await expect(page.locator("body[data-feed=connected]")).to_have_count(1, timeout=TIMEOUT_MS)


def _row(page: Page, text: str) -> Any:
    return page.locator("table.tool-table tbody tr", has_text=text)


async def test_page_is_served_at_root_with_a_strict_policy(server: ServeProcess) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(f"{server.base_url}/")
        graphiql = await client.get(f"{server.base_url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'id="app"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert f"connect-src 'self' ws://127.0.0.1:{server.port};" in policy
    assert "<script>" not in page.text and "style=" not in page.text  # nothing inline
    assert 'data-first-run="true"' in page.text  # no account yet
    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()  # /graphql unchanged


def test_first_screen_javascript_is_within_budget() -> None:
    """Every built script counts (the first screen loads app.js and whatever it imports)."""
    scripts = sorted(WEB_ASSETS.glob("*.js"))
    assert scripts, f"no built scripts in {WEB_ASSETS}: run web/build.sh"
    size = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in scripts)
    print(f"first screen JavaScript: {size / 1024:.1f} KB gzipped (budget {JS_BUDGET / 1024:.0f} KB)")
    assert size <= JS_BUDGET


async def _live_update(page: Page, shop: Shop, first: str, second: str) -> None:
    """A write by another client shows, marked new, within LIVE_BUDGET_S of its commit."""
    # A warm-up write proves the subscription is listening; the timed one must show in 1 s.
    await shop.rename(second, "Drill 6.8 warm")
    await expect(_row(page, "Drill 6.8 warm")).to_have_class("fresh", timeout=TIMEOUT_MS)
    await shop.rename(first, "Face mill 50 reground")
    written = time.monotonic()  # the write has committed: its response is back
    await expect(_row(page, "Face mill 50 reground")).to_have_class("fresh", timeout=TIMEOUT_MS)
    shown = time.monotonic() - written
    print(f"live update shown {shown * 1000:.0f} ms after the other client's write committed")
    assert shown <= LIVE_BUDGET_S
    await expect(_row(page, "Face mill 50 reground").locator(".badge")).to_have_text("new")


async def _edit_by_keyboard(page: Page) -> None:
    """Focus a row, arrows between rows, Enter edits, Enter saves, Escape leaves; each error
    shows next to the input it names."""
    await page.locator("table.tool-table tbody tr").first.focus()
    await page.keyboard.press("ArrowDown")
    await expect(page.locator("tr:focus")).to_contain_text("Drill 6.8 warm")
    await page.keyboard.press("Enter")
    await expect(page.locator("input[name=name]")).to_be_focused()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("Drill 6.8 by keyboard")
    await page.keyboard.press("Enter")
    await expect(page.locator("tr:focus")).to_contain_text("Drill 6.8 by keyboard", timeout=TIMEOUT_MS)

    # An error names its field: shown next to that input.
    await page.keyboard.press("Enter")
    await page.locator("input[name=name]").fill(" ")
    await page.keyboard.press("Enter")
    await expect(page.locator("em.error[data-field=name]")).to_be_visible(timeout=TIMEOUT_MS)
    await page.locator("input[name=toolNumber]").fill("two")
    await page.keyboard.press("Enter")
    await expect(page.locator("em.error[data-field=toolNumber]")).to_contain_text("whole number")
    await page.keyboard.press("Escape")


async def _resolve_conflicts(page: Page, shop: Shop, preset: str, shots: Path) -> None:
    """Another client saves first: "keep my edits" saves them over the newest version;
    "reload the row" drops them for what is stored."""
    await page.locator("tr:focus").press("Enter")
    await page.locator("input[name=name]").fill("Drill 6.8 mine")
    await shop.rename(preset, "Drill 6.8 theirs")
    await page.keyboard.press("Enter")
    conflict = page.locator(".conflict")
    await expect(conflict).to_contain_text("Someone else changed this preset", timeout=TIMEOUT_MS)
    await page.screenshot(path=_saved(shots, "conflict"))
    await conflict.get_by_role("button", name="Keep my edits").click()
    await expect(conflict).to_have_count(0, timeout=TIMEOUT_MS)  # now against the newest version
    await expect(page.locator("input[name=name]")).to_have_value("Drill 6.8 mine")
    await page.locator("input[name=name]").press("Enter")
    await expect(_row(page, "Drill 6.8 mine")).to_be_visible(timeout=TIMEOUT_MS)
    stored = await shop.gql("query($id: ID!) { toolPreset(id: $id) { name } }", id=preset)
    assert stored["toolPreset"]["name"] == "Drill 6.8 mine"

    await page.locator("tr:focus").press("Enter")
    await page.locator("input[name=name]").fill("Drill 6.8 dropped")
    await shop.rename(preset, "Drill 6.8 kept")
    await page.keyboard.press("Enter")
    await conflict.get_by_role("button", name="Reload the row").click()
    await expect(_row(page, "Drill 6.8 kept")).to_be_visible(timeout=TIMEOUT_MS)
    await expect(page.locator("input[name=name]")).to_have_count(0)


async def test_tool_table_live_by_keyboard_with_a_conflict(
    server: ServeProcess, shop: Shop, browser: Browser, shots: Path
) -> None:
    watch = Watch()
    page = await open_page(browser, watch)
    password = await _register_first_admin(page, server, shots)
    await shop.sign_in(ADMIN, password)
    first = await shop.tool(MACHINE, 1, "Face mill 50")
    second = await shop.tool(MACHINE, 2, "Drill 6.8")

    await _open_table(page, server, shots)
    await expect(_row(page, "Face mill 50")).to_contain_text("Face mill 50 assembly")
    await expect(_row(page, "Face mill 50")).to_contain_text("Face mill 50 holder")
    await expect(_row(page, "Drill 6.8")).to_contain_text("SN-2")

    await _live_update(page, shop, first, second)
    await page.screenshot(path=_saved(shots, "tool-table"))

    await _edit_by_keyboard(page)

    await _resolve_conflicts(page, shop, second, shots)

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=TIMEOUT_MS)
    await page.screenshot(path=_saved(shots, "sign-in"))
    watch.assert_clean()


async def test_a_thousand_presets_render_within_budget(
    server: ServeProcess, shop: Shop, browser: Browser, shots: Path
) -> None:
    watch = Watch()
    page = await open_page(browser, watch)
    password = await _register_first_admin(page, server, shots)
    await shop.sign_in(ADMIN, password)
    presets = [{"name": f"Preset {n}", "machineId": MACHINE, "toolNumber": n} for n in range(1, 1001)]
    made = await shop.gql(
        "mutation($p: [ToolPresetCreateInput!]!) { createToolPresets(input: $p, atomic: true) { successCount } }",
        p=presets,
    )
    assert made["createToolPresets"]["successCount"] == 1000

    await _open_table(page, server, shots)
    await expect(page.locator("table.tool-table tbody tr")).to_have_count(1000, timeout=TIMEOUT_MS)
    took: float = await page.evaluate(
        "() => performance.getEntriesByName('tool-table-render').map((m) => m.duration)[0]"
    )
    print(f"1,000 presets rendered {took:.0f} ms after their data arrived (budget {RENDER_BUDGET_MS} ms)")
    assert took <= RENDER_BUDGET_MS
    watch.assert_clean()


async def _create_key_by_keyboard(page: Page, server: ServeProcess, shots: Path) -> str:
    """The key dialog by keyboard alone: a refused form (the error beside its field), then a
    key with scopes, machine and tags; the secret shown once, copied, gone with the dialog."""
    await page.goto(f"{server.base_url}/#/keys", wait_until="load")
    opener = page.get_by_role("button", name="New API key")
    await opener.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    await expect(dialog.locator("input[name=name]")).to_be_focused(timeout=TIMEOUT_MS)
    await page.keyboard.type("Spindle probe")
    await page.keyboard.press("Tab")  # "read", checked
    await page.keyboard.press("Space")  # unchecked: no scope at all
    await page.keyboard.press("Enter")
    await expect(dialog.locator("em.error[data-field=scopes]")).to_contain_text("at least one scope")
    await page.keyboard.press("Space")  # "read" again
    await page.keyboard.press("Tab")
    await page.keyboard.press("Space")  # write:*
    for _ in range(7):  # past the other scopes to the machine
        await page.keyboard.press("Tab")
    await expect(dialog.locator("input[name=machineId]")).to_be_focused()
    await page.keyboard.type("mill-7")
    await page.keyboard.press("Tab")
    await page.keyboard.type("probe, night shift")
    await page.keyboard.press("Enter")

    secret = dialog.get_by_test_id("secret")
    await expect(secret).to_contain_text("smk_", timeout=TIMEOUT_MS)
    shown = await secret.inner_text()
    await page.screenshot(path=_saved(shots, "api-key-created"))
    await expect(dialog.get_by_role("button", name="Copy secret")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(dialog.get_by_role("button", name="Copied")).to_be_visible()
    assert await page.evaluate("() => navigator.clipboard.readText()") == shown
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # Done
    await expect(dialog).to_be_hidden()
    await expect(opener).to_be_focused()
    assert shown not in await page.content()  # shown once: gone with the dialog
    return shown


async def _revoke_by_keyboard(page: Page, server: ServeProcess, shown: str) -> None:
    """The new key is listed as made and works until it is revoked (by keyboard)."""
    row = page.locator("table.keys tbody tr", has_text="Spindle probe")
    await expect(row).to_contain_text("read, write:*")
    await expect(row).to_contain_text("mill-7")
    await expect(row).to_contain_text("probe, night shift")
    async with httpx.AsyncClient(timeout=30) as client:  # the key works until it is revoked
        headers = {"Authorization": f"Bearer {shown}"}
        me = await client.post(
            f"{server.base_url}/graphql", json={"query": "{ me { email } }"}, headers=headers
        )
        assert me.json()["data"]["me"]["email"] == ADMIN
        await row.get_by_role("button", name="Revoke Spindle probe").focus()
        await page.keyboard.press("Enter")
        await expect(row).to_contain_text("revoked", timeout=TIMEOUT_MS)
        refused = await client.post(
            f"{server.base_url}/graphql", json={"query": "{ me { email } }"}, headers=headers
        )
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def _manage_users(page: Page, shots: Path) -> None:
    """Create a user (a bad email is refused next to the field), promote, deactivate."""
    await page.get_by_role("link", name="Users").click()
    form = page.get_by_role("form", name="New user")
    await form.get_by_label("Email").fill("not-an-email")
    await form.get_by_label("Password").fill(f"Pw-{secrets.token_hex(8)}")
    await form.get_by_role("button", name="Create user").click()
    await expect(form.locator("em.error[data-field=email]")).to_be_visible(timeout=TIMEOUT_MS)
    await form.get_by_label("Email").fill("operator@shop.example")
    await form.get_by_role("button", name="Create user").click()
    user = page.locator("table.users tbody tr[data-email='operator@shop.example']")
    await expect(user).to_contain_text("user", timeout=TIMEOUT_MS)
    await user.get_by_role("button", name="Promote").click()
    await expect(user.locator("td").nth(1)).to_have_text("admin", timeout=TIMEOUT_MS)
    await user.get_by_role("button", name="Deactivate").click()
    await expect(user.locator("td").nth(2)).to_have_text("deactivated", timeout=TIMEOUT_MS)
    await page.screenshot(path=_saved(shots, "users"))


async def _catalog(page: Page, shots: Path) -> None:
    """Filter, keyset paging ("More" continues after the last row), where-used."""
    await page.get_by_role("link", name="Catalog").click()
    await page.get_by_label("Category").select_option("INSERT")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.locator("table.catalog tbody tr")).to_have_count(25, timeout=TIMEOUT_MS)
    await expect(page.get_by_text("25 of 30 items")).to_be_visible()
    await page.get_by_role("button", name="More").click()
    await expect(page.locator("table.catalog tbody tr")).to_have_count(30, timeout=TIMEOUT_MS)
    await expect(page.get_by_role("button", name="More")).to_have_count(0)
    await page.get_by_label("Search").fill("Ball mill 8 cutter")
    await page.get_by_label("Category").select_option("")
    await page.get_by_role("button", name="Filter").click()
    await page.get_by_role("button", name="Ball mill 8 cutter").click()
    used = page.get_by_role("complementary", name="Where used")
    await expect(used).to_contain_text("assembly Ball mill 8 assembly", timeout=TIMEOUT_MS)
    await expect(used).to_contain_text("instance SN-4")
    await expect(used).to_contain_text(f"preset Ball mill 8 on {MACHINE} (T4)")
    await page.screenshot(path=_saved(shots, "catalog"))


async def _audit(page: Page, tool_set: str, shots: Path) -> None:
    """The audit log filtered to the tool set's two writes."""
    await page.get_by_role("link", name="Audit log").click()
    await page.get_by_label("Entity id").fill(tool_set)
    await page.get_by_role("button", name="Filter").click()
    await expect(page.locator("table.audit tbody tr")).to_have_count(2, timeout=TIMEOUT_MS)
    await page.screenshot(path=_saved(shots, "audit"))


async def _tool_set_history(page: Page, shop: Shop, tool_set: str, shots: Path) -> None:
    """Members, history, compare v1 with v2 side by side, restore v1 (as v3)."""
    await page.get_by_role("link", name="Tool sets").click()
    await page.get_by_role("link", name="Job 4711 rev B").click()
    await expect(page.locator(".members")).to_contain_text("preset Ball mill 8 T4", timeout=TIMEOUT_MS)
    await page.get_by_label("v1", exact=True).check()
    await page.get_by_label("v2 (current)").check()
    await page.get_by_role("button", name="Compare v1 and v2").click()
    compare = page.get_by_role("table", name="Comparison")
    await expect(compare.locator("tr", has_text="name")).to_contain_text('"Job 4711"', timeout=TIMEOUT_MS)
    await expect(compare.locator("tr", has_text="name")).to_contain_text('"Job 4711 rev B"')
    await page.screenshot(path=_saved(shots, "tool-set-compare"))
    await page.get_by_role("button", name="Restore v1").click()
    await expect(page.get_by_label("v3 (current)")).to_be_visible(timeout=TIMEOUT_MS)
    restored = await shop.gql("query($id: ID!) { toolSet(id: $id) { name } }", id=tool_set)
    assert restored["toolSet"]["name"] == "Job 4711"


async def _instance_life(page: Page, server: ServeProcess, instance: str, shots: Path) -> None:
    """Three days of use on the chart, the wear in the table."""
    await page.goto(f"{server.base_url}/#/instances/{instance}", wait_until="load")
    chart = page.get_by_role("img", name="Cut time and cycles per day")
    await expect(chart.locator("circle")).to_have_count(3, timeout=TIMEOUT_MS)
    await expect(page.locator("table.wear tbody tr")).to_have_count(3)
    await expect(page.locator("table.wear")).to_contain_text('{"flankWear":0.03}')
    await page.screenshot(path=_saved(shots, "instance-life"))


async def test_api_key_dialog_by_keyboard_and_users(
    server: ServeProcess, browser: Browser, shots: Path
) -> None:
    watch = Watch()
    page = await open_page(browser, watch, permissions=["clipboard-read", "clipboard-write"])
    await _register_first_admin(page, server, shots)
    shown = await _create_key_by_keyboard(page, server, shots)
    await _revoke_by_keyboard(page, server, shown)

    await _manage_users(page, shots)
    watch.assert_clean()


async def test_catalog_audit_tool_sets_and_instance_life(
    server: ServeProcess, shop: Shop, browser: Browser, shots: Path
) -> None:
    watch = Watch()
    page = await open_page(browser, watch)
    password = await _register_first_admin(page, server, shots)
    await shop.sign_in(ADMIN, password)
    instance, tool_set = await shop.job(MACHINE)

    await _catalog(page, shots)
    await _audit(page, tool_set, shots)
    await _tool_set_history(page, shop, tool_set, shots)
    await _instance_life(page, server, instance, shots)
    watch.assert_clean()
