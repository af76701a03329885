"""The IDE pages name only this server, carry no inline script, and their files ship in the package.

The browser test (test_browser_ide.py) shows the pages working offline; these
check, without a browser, what makes that so and keeps it so: every script
and style a page loads is a static file of the package, served with a year of
caching; no page or file the pages load names another host to fetch from;
GraphiQL's example operations are valid against the schema; and pyproject's
package-data ships every static file (a wheel without them would be blank).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path, PurePosixPath

import httpx
import pytest
from graphql import build_schema, parse, validate

from conftest import Api
from smooth_gql.ide import CACHE_CONTROL, EXAMPLES, EXAMPLES_DIR, STATIC_DIR, static_mount_path

ROOT = Path(__file__).parents[2]
PAGES = {
    "/graphql": "vendor/graphiql/graphiql.min.js",
    "/api/v1/docs": "vendor/swagger-ui/swagger-ui-bundle.js",
    "/api/v1/redoc": "vendor/redoc/redoc.standalone.js",
}
TAG = re.compile(r"<(script|link)\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')


async def _page(api: Api, path: str) -> httpx.Response:
    response = await api.client.get(path, headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response


@pytest.mark.parametrize("path", PAGES)
async def test_a_page_loads_only_the_packages_files_and_runs_no_inline_script(api: Api, path: str) -> None:
    page = (await _page(api, path)).text
    loaded: list[str] = []
    for tag, attributes in TAG.findall(page):
        found = dict(ATTRIBUTE.findall(attributes))
        if tag.lower() == "script":
            if found.get("type") == "application/json":
                continue  # data, never executed
            assert "src" in found, f"inline script in {path}"
            loaded.append(found["src"])
        elif found.get("rel") == "stylesheet":
            loaded.append(found["href"])
        else:
            assert found.get("href", "").startswith("data:"), f"{path} links to {found}"
    assert f"{static_mount_path()}/{PAGES[path]}" in loaded
    for url in loaded:
        assert url.startswith(f"{static_mount_path()}/"), f"{path} loads {url}"
        response = await api.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == CACHE_CONTROL
        assert response.headers["content-type"].split(";")[0] in {"text/javascript", "text/css"}
    assert "//" not in re.sub(r"<script type=\"application/json\".*?</script>", "", page, flags=re.S)


async def test_graphql_get_with_a_query_still_executes(api: Api) -> None:
    """A browser's GET with a query is a GraphQL request (Strawberry's rule), not the IDE."""
    response = await api.client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": "text/html,*/*"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {"__typename": "Query"},
        "extensions": {"cost": {"requested": 0, "limit": 500_000, "remaining": 40_000_000}},
    }


@pytest.mark.settings(graphiql=False)
async def test_graphiql_off_serves_no_page(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404


async def test_static_files_outside_the_current_digest_are_not_served(api: Api) -> None:
    assert (await api.client.get("/static/0000000000000000/ide/graphiql.js")).status_code == 404
    assert (await api.client.get(f"{static_mount_path()}/../ide/__init__.py")).status_code == 404


def test_no_file_the_pages_load_names_a_host_to_fetch_from() -> None:
    """Our own start-up code and styles name no URL at all; the vendor files fetch no font,
    stylesheet or image from a CDN (their other URLs are links and documentation strings)."""
    for own in (STATIC_DIR / "ide").iterdir():
        assert not re.search(r"(https?|wss?):|[\"'(]//", own.read_text()), own
    for vendor in (STATIC_DIR / "vendor").rglob("*"):
        if vendor.suffix in {".js", ".css"}:
            text = vendor.read_text(encoding="utf-8")
            for host in (
                "fonts.googleapis.com",
                "fonts.gstatic.com",
                "unpkg.com",
                "cdn.jsdelivr.net",
                "cdn.redoc.ly",
            ):
                assert f"//{host}" not in text, f"{vendor} names {host}"
            if vendor.suffix == ".css":
                assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), vendor


def test_graphiqls_examples_are_valid_against_the_schema() -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    assert sorted(e.file for e in EXAMPLES) == sorted(p.name for p in EXAMPLES_DIR.glob("*.graphql"))
    operations: set[str] = set()
    for example in EXAMPLES:
        document = parse(example.query)
        assert validate(schema, document) == [], example.file
        operations |= {d.name.value for d in document.definitions if getattr(d, "name", None)}  # type: ignore[attr-defined]
    assert {
        "MachineView",
        "CreateItems",
        "UpdateItems",
        "Changes",
        "FeedEnd",
        "Login",
        "Register",
    } <= operations
    headers = [e.headers for e in EXAMPLES if e.headers]
    assert headers == [{"Authorization": "Bearer smk_<32 hex: key id>_<secret>"}]


def test_package_data_ships_every_static_file() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["smooth_gql"]
    package = ROOT / "smooth_gql"
    files = [
        p.relative_to(package).as_posix()
        for d in (STATIC_DIR, EXAMPLES_DIR)
        for p in d.rglob("*")
        if p.is_file()
    ]
    assert files
    missing = [
        f
        for f in files
        if not any(
            len(PurePosixPath(f).parts) == len(PurePosixPath(p).parts) and PurePosixPath(f).match(p)
            for p in patterns
        )
    ]  # setuptools' globs: `*` stays within one folder
    assert not missing, f"add to package-data: {missing}"
