"""Legacy account routes: register, login, logout, me (contract §3.2, §3.3, §0.1 items 5, 13, 14).

Every status and message string the contract gives, bad input refused with
nothing stored, the session cookie's attributes, server-side logout, and the
one login throttle shared with GraphQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.auth.tokens import digest
from support.auth import LOGIN as GQL_LOGIN
from support.auth import PASSWORD, AuthApi, Creds, auth_app
from support.rest import ITEMS, LOGIN, LOGOUT, ME, REGISTER, call, rest_key, rest_login

NOT_AUTHENTICATED = (401, {"detail": "Not authenticated"})
LOGIN_FAILED = (401, {"detail": "Invalid email or password"})


@pytest.fixture
async def open_auth(engine: AsyncEngine, database_url: str) -> AsyncIterator[AuthApi]:
    """Registration open to everyone (SMOOTH_ALLOW_REGISTRATION=true)."""
    async with auth_app(engine, database_url, allow_registration=True) as api:
        yield api


async def _users(auth: AuthApi) -> int:
    return int(await auth.api.scalar("SELECT count(*) FROM users"))


# --- register -----------------------------------------------------------------------------


async def test_register_answers_the_legacy_user_object_and_sets_no_cookie(open_auth: AuthApi) -> None:
    first = await call(open_auth, "POST", REGISTER, json={"email": " Ann@Shop.Example", "password": PASSWORD})
    assert first.status == 201
    assert set(first.body) == {"id", "email", "is_active", "created_at", "role"}
    assert first.body["email"] == "ann@shop.example" and first.body["is_active"] is True
    assert first.body["role"] == "admin"  # the first account
    assert datetime.fromisoformat(first.body["created_at"]).utcoffset() is not None  # §0.1 item 10
    assert "set-cookie" not in first.response.headers
    assert PASSWORD not in first.response.text
    second = await call(open_auth, "POST", REGISTER, json={"email": "bob@shop.example", "password": PASSWORD})
    assert second.status == 201 and second.body["role"] == "user"

    # The same address in other letters is the same account.
    again = await call(open_auth, "POST", REGISTER, json={"email": "BOB@shop.example", "password": PASSWORD})
    assert again.pair == (400, {"detail": "Email already registered"})
    assert await _users(open_auth) == 2
    stored = await open_auth.api.scalar("SELECT password_hash FROM users WHERE email = 'bob@shop.example'")
    assert stored.startswith("$2") and PASSWORD not in stored


async def test_registration_after_the_first_account_follows_the_setting(auth: AuthApi) -> None:
    assert (
        await call(auth, "POST", REGISTER, json={"email": "a@shop.example", "password": PASSWORD})
    ).status == 201
    closed = await call(auth, "POST", REGISTER, json={"email": "b@shop.example", "password": PASSWORD})
    assert closed.pair == (403, {"detail": "registration is closed: ask an admin to create your account"})
    assert await _users(auth) == 1


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"email": "no-at-sign", "password": PASSWORD}, ["body", "email"], "value_error"),
        ({"email": "nothing-after@", "password": PASSWORD}, ["body", "email"], "value_error"),
        ({"email": "", "password": PASSWORD}, ["body", "email"], "value_error"),
        ({"email": "a@shop.example", "password": 1234567890123}, ["body", "password"], "string_type"),
        ({"email": 5, "password": PASSWORD}, ["body", "email"], "string_type"),
        ({"password": PASSWORD}, ["body", "email"], "missing"),
        ({"email": "a@shop.example"}, ["body", "password"], "missing"),
        ([{"email": "a@shop.example", "password": PASSWORD}], ["body"], "model_attributes_type"),
    ],
)
async def test_register_refuses_malformed_bodies_with_the_legacy_422(
    auth: AuthApi, body: Any, loc: list[Any], kind: str
) -> None:
    answer = await call(auth, "POST", REGISTER, json=body)
    assert answer.status == 422
    assert [(e["loc"], e["type"]) for e in answer.body["detail"]] == [(loc, kind)]
    assert await _users(auth) == 0


async def test_register_refuses_broken_json_and_a_missing_body(auth: AuthApi) -> None:
    broken = await call(
        auth, "POST", REGISTER, content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert broken.status == 422 and broken.body["detail"][0]["type"] == "json_invalid"
    empty = await call(auth, "POST", REGISTER)
    assert empty.status == 422 and empty.body["detail"][0]["loc"] == ["body"]
    assert await _users(auth) == 0


@pytest.mark.parametrize(
    ("password", "detail"),
    [
        ("", "password: must be at least 10 characters long"),
        ("short", "password: must be at least 10 characters long"),
        (
            "é" * 37,  # 74 bytes in UTF-8: bcrypt would silently use only the first 72
            "password: must be at most 72 bytes in UTF-8 (bcrypt ignores anything longer; use a shorter passphrase)",
        ),
    ],
)
async def test_register_refuses_empty_short_and_over_long_passwords(
    auth: AuthApi, password: str, detail: str
) -> None:
    answer = await call(auth, "POST", REGISTER, json={"email": "a@shop.example", "password": password})
    assert answer.pair == (400, {"detail": detail})
    assert await _users(auth) == 0


async def test_a_password_of_exactly_72_bytes_is_accepted_and_logs_in(auth: AuthApi) -> None:
    password = "x" * 72
    assert (
        await call(auth, "POST", REGISTER, json={"email": "a@shop.example", "password": password})
    ).status == 201
    await rest_login(auth, "a@shop.example", password)
    # One byte off at the end is a different password (nothing was cut).
    wrong = await call(auth, "POST", LOGIN, json={"email": "a@shop.example", "password": "x" * 71 + "y"})
    assert wrong.pair == LOGIN_FAILED


# --- login --------------------------------------------------------------------------------


async def test_login_sets_a_session_cookie_stored_only_as_a_digest(auth: AuthApi) -> None:
    registered = await call(auth, "POST", REGISTER, json={"email": "a@shop.example", "password": PASSWORD})
    answer = await call(auth, "POST", LOGIN, json={"email": "A@Shop.example", "password": PASSWORD})
    assert answer.pair == (200, registered.body)
    cookie = answer.response.headers["set-cookie"]
    token = answer.response.cookies["session"]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert attributes == {"httponly", "max-age=86400", "path=/", "samesite=lax"}  # no Secure over http
    assert await auth.api.scalar("SELECT count(*) FROM sessions WHERE token_hash = :h", h=digest(token)) == 1
    assert await auth.api.scalar("SELECT count(*) FROM sessions WHERE token_hash = :t", t=token) == 0
    # Every login is a new, independent session.
    other = await rest_login(auth, "a@shop.example")
    assert other.session != token
    assert (await call(auth, "GET", ME, Creds(session=token))).status == 200
    assert (await call(auth, "GET", ME, other)).status == 200


async def test_the_session_cookie_is_secure_over_https(engine: AsyncEngine, database_url: str) -> None:
    async with auth_app(engine, database_url, base_url="https://testserver") as auth:
        await call(auth, "POST", REGISTER, json={"email": "a@shop.example", "password": PASSWORD})
        answer = await call(auth, "POST", LOGIN, json={"email": "a@shop.example", "password": PASSWORD})
        assert answer.status == 200
        assert "secure" in {p.strip().lower() for p in answer.response.headers["set-cookie"].split(";")}


async def test_failed_logins_all_answer_the_same_and_set_no_cookie(auth: AuthApi) -> None:
    await call(auth, "POST", REGISTER, json={"email": "admin@shop.example", "password": PASSWORD})
    admin = await rest_login(auth, "admin@shop.example")
    bob = await auth.create_user(admin, "bob@shop.example")
    await auth.ok("mutation($id: ID!) { updateUser(id: $id, isActive: false) { id } }", {"id": bob}, admin)
    for email, password in [
        ("nobody@shop.example", PASSWORD),  # unknown
        ("admin@shop.example", "not the password"),  # wrong
        ("bob@shop.example", PASSWORD),  # inactive
        ("admin@shop.example", ""),  # empty
        ("admin@shop.example", "é" * 40),  # over 72 bytes
    ]:
        answer = await call(auth, "POST", LOGIN, json={"email": email, "password": password})
        assert answer.pair == LOGIN_FAILED, email
        assert "set-cookie" not in answer.response.headers


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"email": "not-an-address", "password": PASSWORD}, ["body", "email"], "value_error"),
        ({"email": "a@shop.example"}, ["body", "password"], "missing"),
        ({"password": PASSWORD}, ["body", "email"], "missing"),
        ({"email": "a@shop.example", "password": ["x"]}, ["body", "password"], "string_type"),
    ],
)
async def test_login_refuses_malformed_bodies_with_the_legacy_422(
    auth: AuthApi, body: dict[str, Any], loc: list[Any], kind: str
) -> None:
    answer = await call(auth, "POST", LOGIN, json=body)
    assert answer.status == 422
    assert [(e["loc"], e["type"]) for e in answer.body["detail"]] == [(loc, kind)]
    assert await auth.api.scalar("SELECT count(*) FROM sessions") == 0


async def test_login_is_throttled_by_the_one_throttle_graphql_uses(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url, login_max_failures=3) as auth:
        await call(auth, "POST", REGISTER, json={"email": "a@shop.example", "password": PASSWORD})
        wrong = {"email": "a@shop.example", "password": "not the password"}
        # Two failures through GraphQL, one through REST: the budget of three is spent.
        for _ in range(2):
            await auth.error(GQL_LOGIN, wrong)
        assert (await call(auth, "POST", LOGIN, json=wrong)).pair == LOGIN_FAILED
        throttled = await call(auth, "POST", LOGIN, json={"email": "a@shop.example", "password": PASSWORD})
        assert throttled.status == 429
        wait = int(throttled.response.headers["retry-after"])
        assert 0 < wait <= auth.api.settings.login_window_seconds
        assert throttled.body == {"detail": f"too many failed logins: try again in {wait} seconds"}
        assert "set-cookie" not in throttled.response.headers
        # ... and GraphQL sees the same count.
        error = await auth.error(GQL_LOGIN, {"email": "a@shop.example", "password": PASSWORD})
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert await auth.api.scalar("SELECT count(*) FROM sessions") == 0


# --- logout and me ------------------------------------------------------------------------


async def test_logout_ends_only_that_session_server_side(auth: AuthApi) -> None:
    await call(auth, "POST", REGISTER, json={"email": "a@shop.example", "password": PASSWORD})
    first, second = await rest_login(auth, "a@shop.example"), await rest_login(auth, "a@shop.example")
    answer = await call(auth, "POST", LOGOUT, first)
    assert answer.pair == (200, {"message": "Logged out successfully"})
    cleared = answer.response.headers["set-cookie"]
    assert cleared.startswith('session=""') and "Max-Age=0" in cleared and "Path=/" in cleared
    # The old cookie replayed: refused everywhere; the other session goes on.
    assert (await call(auth, "GET", ME, first)).pair == NOT_AUTHENTICATED
    assert (await call(auth, "GET", ITEMS, first)).pair == (401, {"detail": "Authentication required"})
    assert (await call(auth, "GET", ME, second)).status == 200
    # Nothing, an unknown cookie, or the same cookie again: still 200.
    for creds in (Creds(), Creds(session="forged"), first):
        assert (await call(auth, "POST", LOGOUT, creds)).pair == (200, {"message": "Logged out successfully"})
    assert (await call(auth, "GET", ME, second)).status == 200


async def test_me_accepts_the_cookie_or_an_api_key(auth: AuthApi) -> None:
    registered = await call(auth, "POST", REGISTER, json={"email": "a@shop.example", "password": PASSWORD})
    session = await rest_login(auth, "a@shop.example")
    assert (await call(auth, "GET", ME, session)).pair == (200, registered.body)
    key_id, key = await rest_key(auth, session, ["read"])
    assert (await call(auth, "GET", ME, key)).pair == (200, registered.body)  # §0.1 item 14

    assert (await call(auth, "GET", ME)).pair == NOT_AUTHENTICATED
    assert (await call(auth, "GET", ME, Creds(session="forged"))).pair == NOT_AUTHENTICATED
    assert (await call(auth, "GET", ME, Creds(key="smk_not_a_key"))).pair == NOT_AUTHENTICATED
    await call(auth, "DELETE", f"/api/v1/auth/keys/{key_id}", session)
    assert (await call(auth, "GET", ME, key)).pair == NOT_AUTHENTICATED
