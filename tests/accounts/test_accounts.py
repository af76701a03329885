"""Accounts and sessions through the GraphQL API, with authentication on."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql import cli
from smooth_gql.auth import passwords
from smooth_gql.db.types import utcnow
from support.auth import LOGIN, ME, NOBODY, PASSWORD, AuthApi, Creds, auth_app
from support.times import timed_sql


async def test_the_first_account_is_admin_and_registration_then_closes(auth: AuthApi) -> None:
    first = await auth.register("  Ann@Shop.Example ")
    assert (first["email"], first["isAdmin"], first["isActive"]) == ("ann@shop.example", True, True)

    error = await auth.error(
        'mutation { register(email: "bob@shop.example", password: "long enough pw") { id } }'
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "registration is closed" in error["message"]
    assert await auth.api.scalar("SELECT count(*) FROM users") == 1


async def test_open_registration_makes_ordinary_users_with_unique_emails(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url, allow_registration=True) as app:
        await app.register("ann@shop.example")
        bob = await app.register("bob@shop.example")
        assert bob["isAdmin"] is False
        error = await app.error(
            'mutation { register(email: "BOB@shop.example", password: "another password") { id } }'
        )
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "email"}
        assert error["message"] == "email: already registered"


@pytest.mark.parametrize(
    ("email", "password", "field", "message"),
    [
        ("no-at-sign", PASSWORD, "email", "email: not a valid e-mail address"),
        ("ann@", PASSWORD, "email", "email: not a valid e-mail address"),
        ("", PASSWORD, "email", "email: not a valid e-mail address"),
        ("ann@shop.example", "short", "password", "password: must be at least 10 characters long"),
        ("ann@shop.example", "", "password", "password: must be at least 10 characters long"),
        ("ann@shop.example", "é" * 37, "password", "password: must be at most 72 bytes in UTF-8"),
    ],
)
async def test_registration_refuses_bad_input_naming_the_field(
    auth: AuthApi, email: str, password: str, field: str, message: str
) -> None:
    error = await auth.error(
        "mutation($e: String!, $p: String!) { register(email: $e, password: $p) { id } }",
        {"e": email, "p": password},
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert error["message"].startswith(message)
    assert await auth.api.scalar("SELECT count(*) FROM users") == 0


async def test_72_bytes_is_the_longest_password_and_all_of_it_counts(auth: AuthApi) -> None:
    longest = "p" * 71 + "1"
    await auth.register("ann@shop.example", longest)
    await auth.login("ann@shop.example", longest)
    error = await auth.error(LOGIN, {"email": "ann@shop.example", "password": "p" * 71 + "2"})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_login_sets_a_session_cookie_and_me_answers_for_it(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    response = await auth.post(LOGIN, {"email": " ANN@shop.example", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("session=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/", "max-age=86400"} <= attributes
    assert "secure" not in attributes  # plain HTTP here
    token = response.cookies["session"]
    stored = await auth.api.scalar("SELECT token_hash FROM sessions")
    assert stored != token and len(stored) == 64  # only the SHA-256 is kept

    me = (await auth.ok(ME, creds=Creds(session=token)))["me"]
    assert (me["email"], me["isAdmin"]) == ("ann@shop.example", True)
    assert (await auth.error(ME))["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_cookie_is_secure_when_the_request_came_over_https(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url, base_url="https://tools.example") as app:
        await app.register("ann@shop.example")
        response = await app.post(LOGIN, {"email": "ann@shop.example", "password": PASSWORD})
        assert "secure" in {p.strip().lower() for p in response.headers["set-cookie"].split(";")}


async def test_wrong_password_unknown_email_and_inactive_user_fail_alike(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    admin = await auth.login("ann@shop.example")
    bob = await auth.create_user(admin, "bob@shop.example")
    await auth.ok("mutation($id: ID!) { updateUser(id: $id, isActive: false) { id } }", {"id": bob}, admin)
    errors = [
        await auth.error(LOGIN, {"email": email, "password": password})
        for email, password in (
            ("ann@shop.example", "wrong password"),
            ("nobody@shop.example", PASSWORD),
            ("bob@shop.example", PASSWORD),
        )
    ]
    assert {(e["message"], e["extensions"]["code"]) for e in errors} == {
        ("invalid email or password", "UNAUTHENTICATED")
    }
    assert "set-cookie" not in (await auth.post(LOGIN, {"email": "x@y.z", "password": "wrong one"})).headers


async def test_an_unknown_email_costs_one_bcrypt_check_like_a_known_one(
    auth: AuthApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same work whether or not the account exists: a dummy hash stands in."""
    await auth.register("ann@shop.example")
    checks: list[bytes] = []
    real = passwords.bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        checks.append(hashed[:7])
        return real(password, hashed)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", counting)
    await auth.error(LOGIN, {"email": "ann@shop.example", "password": "wrong password"})
    await auth.error(LOGIN, {"email": "nobody@shop.example", "password": "wrong password"})
    # One check each, at the configured cost ($2b$04$).
    assert checks == [b"$2b$04$", b"$2b$04$"]


async def test_logout_ends_the_session_for_good(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    session = await auth.login("ann@shop.example")
    other = await auth.login("ann@shop.example")
    response = await auth.post("mutation { logout }", creds=session)
    assert response.json()["data"] == {"logout": True}
    assert (
        'session=""' in response.headers["set-cookie"]
        and "max-age=0" in response.headers["set-cookie"].lower()
    )
    error = await auth.error(ME, creds=session)
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "log in again" in error["message"]
    await auth.ok(ME, creds=other)  # only that session ended
    # A stale cookie does not stop its browser from logging in again.
    response = await auth.post(LOGIN, {"email": "ann@shop.example", "password": PASSWORD}, session)
    assert "errors" not in response.json()


async def test_a_session_ends_after_24_hours(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    session = await auth.login("ann@shop.example")
    created, expires = (
        await auth.api.scalar("SELECT created_at FROM sessions"),
        await auth.api.scalar("SELECT expires_at FROM sessions"),
    )
    assert _as_datetime(expires) - _as_datetime(created) == timedelta(hours=24)
    past = (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)
    async with auth.api.engine.begin() as conn:
        await conn.execute(timed_sql("UPDATE sessions SET expires_at = :t", "t"), {"t": past})
    assert (await auth.error(ME, creds=session))["extensions"]["code"] == "UNAUTHENTICATED"


def _as_datetime(value: object) -> object:
    from datetime import datetime

    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def test_change_password_needs_the_old_one_and_ends_other_sessions(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    here, elsewhere = await auth.login("ann@shop.example"), await auth.login("ann@shop.example")
    change = (
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }"
    )
    wrong = await auth.error(change, {"c": "not my password", "n": "a new password"}, here)
    assert wrong["extensions"] == {"code": "BAD_USER_INPUT", "field": "currentPassword"}
    short = await auth.error(change, {"c": PASSWORD, "n": "short"}, here)
    assert short["extensions"] == {"code": "BAD_USER_INPUT", "field": "newPassword"}
    await auth.ok(ME, creds=elsewhere)  # failed attempts changed nothing

    await auth.ok(change, {"c": PASSWORD, "n": "a new password"}, here)
    await auth.ok(ME, creds=here)
    assert (await auth.error(ME, creds=elsewhere))["extensions"]["code"] == "UNAUTHENTICATED"
    await auth.login("ann@shop.example", "a new password")
    assert (await auth.error(LOGIN, {"email": "ann@shop.example", "password": PASSWORD}))["extensions"][
        "code"
    ] == "UNAUTHENTICATED"


async def test_admins_create_promote_and_deactivate_users(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    admin = await auth.login("ann@shop.example")
    bob_id = await auth.create_user(admin, "Bob@Shop.example")
    bob = await auth.login("bob@shop.example")
    _, bob_key = await auth.key(bob, ["read"])
    update = "mutation($id: ID!, $a: Boolean, $on: Boolean) { updateUser(id: $id, isAdmin: $a, isActive: $on) { isAdmin isActive } }"

    denied = await auth.error(update, {"id": bob_id, "a": True}, bob)
    assert denied["extensions"]["code"] == "FORBIDDEN"
    assert (await auth.ok(update, {"id": bob_id, "a": True}, admin))["updateUser"]["isAdmin"] is True
    assert (await auth.ok(ME, creds=bob))["me"]["isAdmin"] is True  # the session sees it at once

    await auth.ok(update, {"id": bob_id, "a": False, "on": False}, admin)
    assert (await auth.error(ME, creds=bob))["extensions"]["code"] == "UNAUTHENTICATED"
    key_error = await auth.error(ME, creds=bob_key)
    assert key_error["extensions"]["code"] == "UNAUTHENTICATED" and "deactivated" in key_error["message"]
    await auth.ok(update, {"id": bob_id, "on": True}, admin)
    await auth.ok(ME, creds=bob_key)  # keys work again; the sessions stay ended
    assert (await auth.error(ME, creds=bob))["extensions"]["code"] == "UNAUTHENTICATED"

    users = (await auth.ok("{ users { email isAdmin } }", creds=admin))["users"]
    assert [u["email"] for u in users] == ["ann@shop.example", "bob@shop.example"]


@pytest.mark.parametrize(
    ("variables", "field", "message"),
    [
        ({"id": "not-a-uuid"}, "id", "is not a valid id"),
        ({"id": "00000000-0000-4000-8000-00000000abcd", "on": False}, "id", "no user with id"),
    ],
)
async def test_update_user_refuses_bad_input(
    auth: AuthApi, variables: dict[str, object], field: str, message: str
) -> None:
    await auth.register("ann@shop.example")
    admin = await auth.login("ann@shop.example")
    error = await auth.error(
        "mutation($id: ID!, $on: Boolean) { updateUser(id: $id, isActive: $on) { id } }", variables, admin
    )
    assert error["extensions"]["field"] == field and message in error["message"]


async def test_an_admin_cannot_lock_themselves_out(auth: AuthApi) -> None:
    ann = await auth.register("ann@shop.example")
    admin = await auth.login("ann@shop.example")
    for change in ("isAdmin: false", "isActive: false"):
        error = await auth.error(
            f'mutation {{ updateUser(id: "{ann["id"]}", {change}) {{ id }} }}', creds=admin
        )
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
    assert (await auth.ok(ME, creds=admin))["me"]["isAdmin"] is True


async def test_create_user_refuses_bad_input_and_non_admins(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    admin = await auth.login("ann@shop.example")
    error = await auth.error(
        'mutation { createUser(email: "bob@shop.example", password: "tiny") { id } }', creds=admin
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "password"}
    await auth.create_user(admin, "bob@shop.example")
    bob = await auth.login("bob@shop.example")
    denied = await auth.error(
        'mutation { createUser(email: "eve@shop.example", password: "long enough pw") { id } }', creds=bob
    )
    assert denied["extensions"]["code"] == "FORBIDDEN"
    assert await auth.api.scalar("SELECT count(*) FROM users") == 2


async def test_failed_logins_are_throttled_per_account_with_a_retry_after(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    for _ in range(auth.api.settings.login_max_failures):
        assert (await auth.error(LOGIN, {"email": "ann@shop.example", "password": "guess guess"}))[
            "extensions"
        ]["code"] == "UNAUTHENTICATED"
    limited = await auth.error(LOGIN, {"email": "ANN@shop.example", "password": PASSWORD})
    assert limited["extensions"]["code"] == "RATE_LIMITED"
    assert 0 < limited["extensions"]["retryAfter"] <= auth.api.settings.login_window_seconds
    # Other accounts from another address are not held up by it.
    response = await auth.post(LOGIN, {"email": "nobody@shop.example", "password": "wrong again"})
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_queries_over_get_never_carry_mutations(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    session = await auth.login("ann@shop.example")
    response = await auth.client.get(
        "/graphql", params={"query": "mutation { logout }"}, headers=session.as_headers()
    )
    # Strawberry refuses it before execution (400), so nothing ran.
    assert response.status_code == 400 and "mutations are not allowed" in response.text.lower()
    await auth.ok(ME, creds=session)  # still logged in
    form = await auth.client.post(
        "/graphql",
        content="query=mutation+%7B+logout+%7D",
        headers={**session.as_headers(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code in (400, 415)
    auth.client.cookies.clear()
    await auth.ok(ME, creds=session)
    query = await auth.client.get(
        "/graphql", params={"query": "{ me { email } }"}, headers=session.as_headers()
    )
    assert query.json()["data"]["me"]["email"] == "ann@shop.example"


async def test_create_user_from_the_console_reads_the_password_from_stdin(
    database_url: str,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    monkeypatch.setenv("SMOOTH_BCRYPT_ROUNDS", "4")
    code = await _run_cli(["create-user", "--email", "Ops@Shop.example", "--admin"], "a console password\n")
    assert code == 0
    assert "created admin ops@shop.example" in capsys.readouterr().out
    short = await _run_cli(["create-user", "--email", "x@shop.example"], "short\n")
    assert short == 1 and "password: must be at least" in capsys.readouterr().err
    async with auth_app(engine, database_url) as app:
        await app.login("ops@shop.example", "a console password")
        assert await app.api.scalar("SELECT count(*) FROM users") == 1
    assert NOBODY.as_headers() == {}


async def _run_cli(argv: list[str], stdin: str) -> int:
    import asyncio

    # The command runs its own event loop, so it goes to a thread of its own.
    return await asyncio.to_thread(cli.main, argv, io.StringIO(stdin))


async def test_turning_authentication_off_is_announced_loudly(
    engine: AsyncEngine, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from conftest import make_settings
    from smooth_gql.app import create_app

    for enabled in (True, False):
        caplog.clear()
        app = create_app(make_settings(database_url, auth_enabled=enabled), engine=engine)
        async with app.router.lifespan_context(app):
            pass
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert any("AUTHENTICATION IS OFF" in w for w in warnings) is (not enabled)
