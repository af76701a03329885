"""The browser pages (GraphiQL, Swagger UI, ReDoc) and the static files they load.

Shop-floor networks are often cut off from the internet, so every file these
pages need ships in the package (`smooth_gql/static`; `vendor/` is copied from
the npm packages pinned in `ui-assets/`, see `ui-assets/build.sh`) and the
pages name only this server. The pages carry no inline script: each one's
start-up code is a file of its own under `static/ide/`, so a Content Security
Policy without `unsafe-inline` can cover them. What a page needs from the
server (its URLs, GraphiQL's example tabs) travels as data attributes or a
JSON data block, which a browser never executes.

Static URLs carry a digest of the files (`/static/<digest>/...`), so they can
be cached for a year: an upgrade that changes any file changes every URL.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

# A year, and `immutable`: the digest in the path changes whenever a file does.
CACHE_CONTROL = "public, max-age=31536000, immutable"

# An empty icon: without it the browser asks for /favicon.ico and logs the 404.
_NO_ICON = '<link rel="icon" href="data:,">'


@dataclass(frozen=True)
class Example:
    """One of GraphiQL's opening tabs: a document from `examples/` with its variables and headers."""

    file: str
    variables: dict[str, object]
    headers: dict[str, str] | None = None

    @property
    def query(self) -> str:
        return (EXAMPLES_DIR / self.file).read_text(encoding="utf-8")


# The tabs GraphiQL opens with, in order. The API key tab shows the real key format
# (auth/tokens.py) as a header; the others send the session cookie.
EXAMPLES = (
    Example("1-machine-view.graphql", {"machineId": "mill-1"}),
    Example("2-bulk-write.graphql", {"id": "paste an id from CreateItems", "expectedVersion": 1}),
    Example("3-change-feed.graphql", {"after": None}),
    Example("4-sign-in.graphql", {"email": "you@example.com", "password": ""}),
    Example("5-api-key.graphql", {}, {"Authorization": "Bearer smk_<32 hex: key id>_<secret>"}),
)


@functools.cache
def static_digest() -> str:
    """A digest of every static file's path and content, computed once per process."""
    digest = hashlib.sha256()
    for path in sorted(p for p in STATIC_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def static_mount_path() -> str:
    return f"/static/{static_digest()}"


class ImmutableStaticFiles(StaticFiles):
    """The package's static files, cacheable for a year (the URL changes with the content)."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def static_files() -> ImmutableStaticFiles:
    return ImmutableStaticFiles(directory=STATIC_DIR)


def _static(request: Request, path: str) -> str:
    """The URL of a static file, under the app's root path (behind a proxy's prefix too)."""
    root = request.base_url.path.rstrip("/")
    return html.escape(f"{root}{static_mount_path()}/{path}")


def _page(title: str, head: str, body: str) -> HTMLResponse:
    document = (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{_NO_ICON}\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
    # The page names the current static digest: it must not outlive an upgrade in a cache.
    return HTMLResponse(document, headers={"Cache-Control": "no-cache"})


def _json_data_block(element_id: str, value: object) -> str:
    """A `<script type="application/json">`: data, not code; `<` escaped so no text can close it."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def graphiql_page(request: Request) -> HTMLResponse:
    """GraphiQL on this server's /graphql (HTTP and graphql-transport-ws), with the example tabs."""
    tabs = [
        {"query": e.query, "variables": json.dumps(e.variables, indent=2)}
        | ({"headers": json.dumps(e.headers, indent=2)} if e.headers else {})
        for e in EXAMPLES
    ]
    head = "\n".join(
        [
            f'<link rel="stylesheet" href="{_static(request, "vendor/graphiql/graphiql.min.css")}">',
            f'<link rel="stylesheet" href="{_static(request, "ide/graphiql.css")}">',
        ]
    )
    body = "\n".join(
        [
            '<div id="graphiql">Loading GraphiQL…</div>',
            _json_data_block("smooth-graphiql-tabs", tabs),
            f'<script src="{_static(request, "vendor/graphiql/react.production.min.js")}"></script>',
            f'<script src="{_static(request, "vendor/graphiql/react-dom.production.min.js")}"></script>',
            f'<script src="{_static(request, "vendor/graphiql/graphiql.min.js")}"></script>',
            f'<script src="{_static(request, "ide/graphiql.js")}"></script>',
        ]
    )
    return _page("smooth-gql · GraphiQL", head, body)


def _openapi_url(request: Request, openapi_path: str) -> str:
    """The OpenAPI document's URL as FastAPI's own docs pages build it (mount prefix included)."""
    return html.escape(request.scope.get("root_path", "").rstrip("/") + openapi_path)


def swagger_ui_page(request: Request, openapi_path: str, title: str) -> HTMLResponse:
    head = "\n".join(
        [
            f'<link rel="stylesheet" href="{_static(request, "vendor/swagger-ui/swagger-ui.css")}">',
            f'<link rel="stylesheet" href="{_static(request, "ide/docs.css")}">',
        ]
    )
    body = "\n".join(
        [
            f'<div id="swagger-ui" data-openapi-url="{_openapi_url(request, openapi_path)}"></div>',
            f'<script src="{_static(request, "vendor/swagger-ui/swagger-ui-bundle.js")}"></script>',
            f'<script src="{_static(request, "ide/swagger-ui.js")}"></script>',
        ]
    )
    return _page(f"{title} · Swagger UI", head, body)


def redoc_page(request: Request, openapi_path: str, title: str) -> HTMLResponse:
    head = f'<link rel="stylesheet" href="{_static(request, "ide/docs.css")}">'
    body = "\n".join(
        [
            f'<div id="redoc" data-openapi-url="{_openapi_url(request, openapi_path)}"></div>',
            f'<script src="{_static(request, "vendor/redoc/redoc.standalone.js")}"></script>',
            f'<script src="{_static(request, "ide/redoc.js")}"></script>',
        ]
    )
    return _page(f"{title} · ReDoc", head, body)
