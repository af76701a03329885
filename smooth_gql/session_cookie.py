"""The `session` cookie, set and cleared the same way by both doors (GraphQL and REST).

HttpOnly so page scripts cannot read it, SameSite=Lax so cross-site form posts
do not carry it, Path=/ so /graphql and /api share it, 24 hours, and Secure
whenever the request came over HTTPS (behind a proxy uvicorn takes the scheme
from X-Forwarded-Proto), as DESIGN §5 and contract §0.1 item 5 ask.
"""

from __future__ import annotations

from starlette.datastructures import URL
from starlette.responses import Response

from .auth.tokens import SESSION_COOKIE

SECURE_SCHEMES = ("https", "wss")


def set_session_cookie(response: Response, url: URL, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=url.scheme in SECURE_SCHEMES,
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
