"""The tool room's web front end at `/`: one page that loads the built app (web/, built by
web/build.sh into static/web/) from the digest-named static mount.

The app talks to the server only through the public GraphQL API, as any other front end
would. The page carries no inline script or style, so its Content-Security-Policy allows
scripts, styles and connections (HTTP and the change feed's WebSocket) from this server
alone: a shop network without internet loses nothing, and injected markup runs nothing.
What the app needs from the server travels as data attributes: the GraphQL URL (under a
proxy's prefix too) and whether the server has no account yet (then the first screen
registers the first admin instead of signing in; that account is anyone's to take anyway,
so saying so tells an anonymous caller nothing it could not learn by registering).
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse

from .ide import static_mount_path
from .services.accounts import has_accounts

# 'self' covers ws:/wss: to this host in CSP Level 3; browsers that predate it get the
# WebSocket origin spelled out per request (see _policy).
_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' {ws}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _policy(request: Request) -> str:
    scheme = "wss" if request.url.scheme == "https" else "ws"
    return _POLICY.format(ws=f"{scheme}://{request.url.netloc}")


async def web_page(request: Request) -> HTMLResponse:
    """The app's page; every screen is this page (the screen is in the URL's hash)."""
    root = request.base_url.path.rstrip("/")
    assets = html.escape(f"{root}{static_mount_path()}/web")
    runtime = request.app.state.runtime
    first_run = runtime.settings.auth_enabled and not await has_accounts(runtime)
    document = (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>smooth-gql · tool room</title>\n"
        '<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{assets}/app.css">\n'
        f'<script type="module" src="{assets}/app.js"></script>\n'
        "</head>\n"
        f'<body data-graphql="{html.escape(root)}/graphql" data-first-run="{str(first_run).lower()}">\n'
        '<div id="app"></div>\n'
        "</body>\n</html>\n"
    )
    headers = {
        "Content-Security-Policy": _policy(request),
        "Cache-Control": "no-cache",  # the page names the current static digest
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    return HTMLResponse(document, headers=headers)
