"""Passwords, session tokens and key secrets never leave through a response, a log
line or a stored row (the key's secret is shown once, by createApiKey)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from smooth_gql.db.models import Base
from support.auth import CREATE_KEY, LOGIN, NOBODY, REGISTER, AuthApi, Creds

PASSWORD = "first secret passphrase"
NEW_PASSWORD = "second secret passphrase"
WRONG = "a wrong guess at it"


async def test_no_secret_leaks_into_responses_logs_or_rows(
    auth: AuthApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # SQL and its parameters too
    responses: list[str] = []

    async def call(query: str, variables: dict[str, object] | None = None, creds: Creds = NOBODY) -> str:
        response = await auth.post(query, variables, creds)
        responses.append(response.text + str(response.headers))
        return response.text

    await call(REGISTER, {"email": "ann@shop.example", "password": PASSWORD})
    await call(LOGIN, {"email": "ann@shop.example", "password": WRONG})
    session = await auth.login("ann@shop.example", PASSWORD)
    created = await auth.raw(CREATE_KEY, {"name": "bridge", "scopes": ["read", "write:*"]}, session)
    secret = created["data"]["createApiKey"]["secret"]
    key = Creds(key=secret)
    await call("{ me { id email } apiKeys { id prefix name } }", creds=key)
    await call(
        'mutation { createToolItems(input: [{name: "drill", category: HOLDER}]) { successCount } }', creds=key
    )
    await call("{ auditLog { edges { node { changes } } } }", creds=key)
    await call(
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }",
        {"c": WRONG, "n": NEW_PASSWORD},
        session,
    )
    await call(
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }",
        {"c": PASSWORD, "n": NEW_PASSWORD},
        session,
    )
    await call(
        'mutation($p: String!) { createUser(email: "bob@shop.example", password: $p) { id email } }',
        {"p": PASSWORD},
        session,
    )
    await call("{ users { id email isAdmin } }", creds=session)
    await call("{ me { id } }", creds=Creds(key=secret[:-2] + "zz"))  # a near-miss key

    async with auth.api.engine.connect() as conn:
        stored = [
            str((await conn.execute(text(f'SELECT * FROM "{table.name}"'))).all())
            for table in Base.metadata.sorted_tables
        ]
    logs = caplog.text
    assert session.session is not None
    for value in (PASSWORD, NEW_PASSWORD, WRONG, secret, secret[len("smk_") + 33 :], session.session):
        assert not any(value in r for r in responses), value[:6]
        assert value not in logs, value[:6]
        assert not any(value in rows for rows in stored), value[:6]
    assert not any("$2b$" in r for r in responses)  # no bcrypt hash either
    assert "sessions" in logs or "api_keys" in logs  # the SQL log was really captured
