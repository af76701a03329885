"""Generated account and API-key writes through GraphQL and REST, followed to their effects.

test_property_mutations.py throws anything at these mutations and checks the
server never fails; here the inputs are built from the rules the schema and
the contract state, so that most of them are valid and reach the write:
e-mails (with case and spaces a client may add), passwords of every length
around the limits (fewer than 10 characters, exactly 72 bytes, 73 bytes,
multi-byte characters that cross 72 bytes early), scopes, tags, machine ids
and expiries. Each draw is either valid by construction or spoiled in one
named way, so the test knows which answer is right.

What must hold for every request:
* never INTERNAL, never a 500;
* a refused write leaves every table (users, sessions, keys, tool rows, the
  audit and change logs) exactly as it was;
* an accepted account logs in with exactly the password it was given, and
  with nothing else (that password plus one character included, which is
  what catches a silent cut at bcrypt's 72 bytes);
* an accepted key authenticates as its owner with exactly the scopes it was
  given (each scope probed by a request that needs it), and stops at once
  when revoked.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine
from test_property_mutations import fuzzing

from smooth_gql.auth.policy import KNOWN_SCOPES
from support.auth import CREATE_KEY, LOGIN, ME, PASSWORD, REGISTER, AuthApi, Creds, auth_app
from support.backup import state

# Registration open (so `register` reaches its write) and no login throttle in the way of
# the many deliberate wrong-password logins.
OPEN = {"allow_registration": True, "login_max_failures": 100_000}
EXAMPLES = 25

# --- strategies --------------------------------------------------------------------------------

TEXT = st.characters(codec="utf-8", exclude_characters="\x00")  # no NUL, no lone surrogates
MULTIBYTE = st.sampled_from(["a", "Z", "7", " ", "é", "ß", "€", "ø", "中", "😀", "🛠"])


def _fit(limit: int) -> Callable[[str], str]:
    """Drop characters from the end until the UTF-8 form is at most `limit` bytes."""

    def fit(text: str) -> str:
        while len(text.encode("utf-8")) > limit:
            text = text[:-1]
        return text

    return fit


GOOD_PASSWORDS = st.one_of(
    st.text(TEXT, min_size=10, max_size=72).map(_fit(72)).filter(lambda p: len(p) >= 10),
    st.lists(MULTIBYTE, min_size=10, max_size=40).map("".join).map(_fit(72)).filter(lambda p: len(p) >= 10),
    st.sampled_from(["a" * 72, "é" * 36, "😀" * 18, "x" * 70 + "é", " leading and trailing "]),
)
BAD_PASSWORDS = st.one_of(
    st.text(TEXT, max_size=9),  # too short
    st.sampled_from(["a" * 73, "é" * 37, "😀" * 19, "x" * 71 + "é", "a" * 500]),  # over 72 bytes
    GOOD_PASSWORDS.map(lambda p: p[:5] + "\x00" + p[5:]).map(_fit(72)),  # a NUL inside
)
GOOD_EMAILS = st.emails().filter(lambda e: len(e) <= 320)
BAD_EMAILS = st.one_of(
    st.sampled_from(["", " ", "no-at-sign", "a@", "@b.example", "a b@c.example", "a@b@c.example", "\t@\n"]),
    st.just("x" * 310 + "@shop.example"),
)


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    is_admin: bool
    valid: bool  # by construction (hostile text is refused); a taken e-mail is judged against the database


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    email = draw(GOOD_EMAILS)
    email = draw(st.sampled_from([email, email.upper(), f"  {email}\t"]))
    password = draw(GOOD_PASSWORDS)
    spoil = draw(st.sampled_from([None, None, None, "email", "password", "hostile"]))
    if spoil == "email":
        email = draw(BAD_EMAILS)
    elif spoil == "password":
        password = draw(BAD_PASSWORDS)
    elif spoil == "hostile":  # what no database stores: a NUL, a lone surrogate
        where = draw(st.sampled_from(["email", "password"]))
        bad = draw(st.sampled_from(["\x00", "\ud800", "\udfff"]))
        if where == "email":
            email = email.replace("@", bad + "@", 1)
        else:
            password = password[:-1] + bad
    return Account(email, password, draw(st.booleans()), spoil is None)


@dataclass(frozen=True)
class KeyRequest:
    name: str
    scopes: list[str]
    tags: list[str] | None
    machine_id: str | None
    expires_at: str | None
    valid: bool | None  # None: a hostile value whose outcome the test does not presume


NONBLANK = st.text(TEXT, min_size=1, max_size=40).filter(lambda s: bool(s.strip()))
FUTURE = st.timedeltas(timedelta(hours=1), timedelta(days=3650))
SPOILERS: dict[str, st.SearchStrategy[Any]] = {
    "name": st.sampled_from(["", "   ", "n" * 256]),
    "scopes": st.sampled_from([[], ["write:everything"], ["READ"], [""], ["read", "admin"]]),
    "tags": st.sampled_from([[""], ["  "], ["t" * 256], [f"tag {n}" for n in range(51)]]),
    "machine_id": st.sampled_from(["", "  ", "m" * 256]),
    "expires_at": st.sampled_from(["not a date", "2026-13-01T00:00:00Z"]),  # a past time is accepted
}
HOSTILE: dict[str, st.SearchStrategy[Any]] = {  # NUL and friends: refused or stored, never INTERNAL
    "name": st.sampled_from(["nul\x00inside", "lone \ud800", "\u202eright-to-left", "\ufeff"]),
    "tags": st.sampled_from([["nul\x00tag"], ["\udc00"], ["a", "a", "A"]]),
    "machine_id": st.sampled_from(["mill\x00", "mill-\ud800", "\u00a0mill-1\u00a0"]),
}


@st.composite
def key_requests(draw: st.DrawFn, *, rest: bool) -> KeyRequest:
    fields: dict[str, Any] = {
        "name": draw(st.text(TEXT, min_size=1, max_size=255).filter(lambda s: bool(s.strip()))),
        "scopes": draw(st.lists(st.sampled_from(KNOWN_SCOPES), min_size=1, max_size=5)),
        "tags": draw(st.none() | st.lists(NONBLANK, max_size=4)),
        "machine_id": None if rest else draw(st.none() | NONBLANK),  # not a legacy field
        "expires_at": draw(
            st.none()
            | FUTURE.map(lambda d: (datetime.now(UTC) + d).isoformat().replace("+00:00", "Z"))
            | FUTURE.map(lambda d: (datetime.now(UTC) + d).astimezone(UTC).isoformat())
        ),
    }
    change = draw(st.sampled_from([None, None, "spoil", "hostile"]))
    valid: bool | None = True
    if change == "spoil":
        field = draw(st.sampled_from(sorted(k for k in SPOILERS if not (rest and k == "machine_id"))))
        fields[field], valid = draw(SPOILERS[field]), False
    elif change == "hostile":
        field = draw(st.sampled_from(sorted(k for k in HOSTILE if not (rest and k == "machine_id"))))
        fields[field], valid = draw(HOSTILE[field]), None
    return KeyRequest(**fields, valid=valid)


# --- the app and the loop ----------------------------------------------------------------------


@dataclass
class Shop:
    auth: AuthApi
    admin: Creds
    user: Creds
    user_id: str
    loop: asyncio.AbstractEventLoop
    outcomes: Counter[str] = field(default_factory=Counter)

    def run(self, work: Coroutine[Any, Any, str]) -> None:
        """Hypothesis runs in a worker thread; the app lives on the test's loop."""
        outcome = asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=120)
        self.outcomes[outcome] += 1

    def reached_the_writes(self) -> None:
        """Most draws are valid: the generator must have reached the write path, and the refusals."""
        accepted = sum(n for outcome, n in self.outcomes.items() if outcome.startswith("accepted"))
        assert accepted >= 8 and self.outcomes["refused"] >= 3, self.outcomes

    async def state(self) -> dict[str, Any]:
        return await state(self.auth.api.engine)


@pytest.fixture
async def shop(engine: AsyncEngine, database_url: str) -> AsyncIterator[Shop]:
    async with auth_app(engine, database_url, **OPEN) as auth:
        await auth.register("admin@example.com")
        admin = await auth.login("admin@example.com")
        user_id = await auth.create_user(admin, "user@example.com")
        user = await auth.login("user@example.com")
        yield Shop(auth, admin, user, user_id, asyncio.get_running_loop())


def _codes(body: dict[str, Any]) -> list[str | None]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


async def _send(shop: Shop, method: str, path: str, creds: Creds, body: Any = None) -> httpx.Response:
    """JSON with non-ASCII escaped, so a lone surrogate goes out as a hostile client sends it
    (httpx's own `json=` would fail to encode it)."""
    headers = {**creds.as_headers(), "content-type": "application/json"}
    content = None if body is None else json.dumps(body)
    try:
        response = await shop.auth.client.request(method, path, content=content, headers=headers)
    finally:
        shop.auth.client.cookies.clear()
    assert response.status_code < 500, (response.status_code, response.text[:500])
    return response


async def _gql_response(
    shop: Shop, query: str, variables: dict[str, Any], creds: Creds
) -> tuple[httpx.Response, dict[str, Any]]:
    response = await _send(shop, "POST", "/graphql", creds, {"query": query, "variables": variables})
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    assert "INTERNAL" not in _codes(body), body
    return response, body


async def _gql(shop: Shop, query: str, variables: dict[str, Any], creds: Creds) -> dict[str, Any]:
    return (await _gql_response(shop, query, variables, creds))[1]


# --- accounts ----------------------------------------------------------------------------------

CREATE_USER = """mutation($e: String!, $p: String!, $a: Boolean!) {
  createUser(email: $e, password: $p, isAdmin: $a) { id email isAdmin isActive } }"""
CHANGE_PASSWORD = """mutation($c: String!, $n: String!) {
  changePassword(currentPassword: $c, newPassword: $n) { id } }"""


async def _login(shop: Shop, door: str, email: str, password: str) -> Creds | None:
    """A session for exactly these credentials, or None when the server says no."""
    if door == "rest":
        response = await _send(
            shop, "POST", "/api/v1/auth/login", Creds(), {"email": email, "password": password}
        )
        if response.status_code != 200:
            assert response.status_code == 401, response.text
            return None
        token = response.cookies.get("session")
    else:
        response, body = await _gql_response(shop, LOGIN, {"email": email, "password": password}, Creds())
        if body.get("errors"):
            assert _codes(body) == ["UNAUTHENTICATED"], body
            return None
        token = response.cookies.get("session")
    assert token
    return Creds(session=token)


async def _create_account(shop: Shop, door: str, account: Account) -> dict[str, Any] | None:
    """The new user as the door shows it, or None when refused (with a client error)."""
    if door == "rest register":
        body = {"email": account.email, "password": account.password}
        response = await _send(shop, "POST", "/api/v1/auth/register", Creds(), body)
        if response.status_code == 201:
            return {"email": response.json()["email"], "isAdmin": response.json()["role"] == "admin"}
        assert response.status_code in (400, 422), response.text
        return None
    if door == "graphql register":
        body = await _gql(shop, REGISTER, {"email": account.email, "password": account.password}, Creds())
        made = (body.get("data") or {}).get("register")
    else:
        variables = {"e": account.email, "p": account.password, "a": account.is_admin}
        body = await _gql(shop, CREATE_USER, variables, shop.admin)
        made = (body.get("data") or {}).get("createUser")
    if made is None:
        assert _codes(body) == ["BAD_USER_INPUT"], body
    return made  # type: ignore[no-any-return]


@pytest.mark.parametrize("door", ["graphql createUser", "graphql register", "rest register"])
async def test_generated_accounts_log_in_with_exactly_their_password(shop: Shop, door: str) -> None:
    async def attempt(account: Account) -> str:
        before = await shop.state()
        taken = {u["email"] for u in before["users"]}
        made = await _create_account(shop, door, account)
        if made is None:
            assert await shop.state() == before, "a refused account changed the database"
            assert not account.valid or account.email.strip().lower() in taken, account
            return "refused"
        assert account.valid and account.email.strip().lower() not in taken, account
        assert made["email"] == account.email.strip().lower()
        assert made["isAdmin"] == (account.is_admin and door == "graphql createUser")
        login_door = "rest" if door.startswith("rest") else "graphql"
        session = await _login(shop, login_door, account.email, account.password)
        assert session is not None, "an accepted password must log in"
        me = (await shop.auth.ok(ME, creds=session))["me"]
        assert me["email"] == made["email"] and me["isAdmin"] == made["isAdmin"]
        for wrong in {account.password + "x", account.password[:-1], account.password.swapcase()} - {
            account.password
        }:
            assert await _login(shop, login_door, made["email"], wrong) is None, repr(wrong)
        return "accepted"

    @fuzzing(examples=EXAMPLES)
    @given(account=accounts())
    def check(account: Account) -> None:
        shop.run(attempt(account))

    await asyncio.to_thread(check)
    shop.reached_the_writes()


async def test_generated_password_changes_take_exactly_the_new_password(shop: Shop) -> None:
    current = {"password": PASSWORD, "session": shop.user}

    async def attempt(new: str, new_valid: bool, knows_current: bool) -> str:
        given_current = current["password"] if knows_current else current["password"] + "?"
        before = await shop.state()
        body = await _gql(shop, CHANGE_PASSWORD, {"c": given_current, "n": new}, current["session"])  # type: ignore[arg-type]
        if body.get("errors"):
            assert _codes(body) == ["BAD_USER_INPUT"], body
            assert await shop.state() == before, "a refused password change changed the database"
            assert not (new_valid and knows_current), (new, body)
            return "refused"
        assert new_valid and knows_current, new
        old = str(current["password"])
        session = await _login(shop, "graphql", "user@example.com", new)
        assert session is not None, "the new password must log in"
        if old != new:
            assert await _login(shop, "graphql", "user@example.com", old) is None
        current.update(password=new, session=session)
        return "accepted"

    @fuzzing(examples=20)
    @given(
        new=st.one_of(
            *[GOOD_PASSWORDS.map(lambda p: (p, True))] * 3, BAD_PASSWORDS.map(lambda p: (p, False))
        ),
        knows_current=st.sampled_from([True, True, True, False]),
    )
    def check(new: tuple[str, bool], knows_current: bool) -> None:
        shop.run(attempt(new[0], new[1], knows_current))

    await asyncio.to_thread(check)
    shop.reached_the_writes()


# --- API keys ----------------------------------------------------------------------------------

REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt isActive } }"


def _holds(scopes: list[str], scope: str) -> bool:
    """The documented scope families: `write:*` and `admin:*` cover their family, `admin:*` all."""
    family = scope.split(":", 1)[0]
    return bool({scope, f"{family}:*", "admin:*"} & set(scopes))


def _deduped(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


async def _probe_graphql(shop: Shop, key: Creds, request: KeyRequest) -> dict[str, bool]:
    async def works(query: str, variables: dict[str, Any] | None = None) -> bool:
        body = await _gql(shop, query, variables or {}, key)
        assert set(_codes(body)) <= {"FORBIDDEN"}, body
        return not body.get("errors")

    me = await _gql(shop, ME, {}, key)
    assert me["data"]["me"]["email"] == "user@example.com", me  # the key acts for its owner
    seen = {
        "read": await works("{ toolItems(first: 1) { totalCount } }"),
        "admin:users": await works("{ apiKeys { id } }"),
    }
    if not request.tags and request.machine_id is None:  # a narrowed key may never back up
        seen["admin:backup"] = await works("{ exportBackup }")
        made = await _gql(
            shop,
            'mutation { createToolItems(input: [{name: "probe", category: OTHER}]) { successCount errors { code } } }',
            {},
            key,
        )
        if made.get("errors"):  # refused whole, before any element
            assert _codes(made) == ["FORBIDDEN"], made
            seen["write:items"] = False
        else:
            result = made["data"]["createToolItems"]
            assert result["successCount"] == 1 or result["errors"] == [{"code": "FORBIDDEN"}], result
            seen["write:items"] = result["successCount"] == 1
    return seen


async def _probe_rest(shop: Shop, key: Creds, request: KeyRequest) -> dict[str, bool]:
    async def works(path: str) -> bool:
        response = await _send(shop, "GET", path, key)
        assert response.status_code in (200, 403), (path, response.status_code, response.text[:300])
        return response.status_code == 200

    me = await _send(shop, "GET", "/api/v1/auth/me", key)
    assert me.status_code == 200 and me.json()["email"] == "user@example.com", me.text
    seen = {"read": await works("/api/v1/tool-items"), "admin:users": await works("/api/v1/auth/keys")}
    if not request.tags:
        seen["admin:backup"] = await works("/api/v1/backup/export")
        response = await _send(
            shop, "POST", "/api/v1/tool-items", key, {"items": [{"type": "probe", "name": "probe"}]}
        )
        assert response.status_code in (200, 403), response.text
        seen["write:items"] = response.status_code == 200 and response.json()["success_count"] == 1
    return seen


async def _create_key(shop: Shop, door: str, request: KeyRequest) -> tuple[dict[str, Any], str] | None:
    """The stored key as the door shows it and its secret, or None when refused."""
    if door == "rest":
        body: dict[str, Any] = {
            "name": request.name,
            "scopes": request.scopes,
            "expires_at": request.expires_at,
        }
        if request.tags is not None:
            body["tags"] = request.tags
        response = await _send(shop, "POST", "/api/v1/auth/keys", shop.user, body)
        if response.status_code != 201:
            assert response.status_code in (400, 422), response.text
            return None
        made = response.json()
        return {**made, "machineId": None, "expiresAt": made["expires_at"]}, made["key"]
    variables = {
        "name": request.name,
        "scopes": request.scopes,
        "tags": request.tags,
        "machineId": request.machine_id,
        "expiresAt": request.expires_at,
    }
    body = await _gql(shop, CREATE_KEY, variables, shop.user)
    if body.get("errors"):
        assert set(_codes(body)) <= {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}, body
        return None
    made = body["data"]["createApiKey"]
    return made["apiKey"], made["secret"]


async def _revoke(shop: Shop, door: str, key_id: str) -> bool:
    """Revoke as the user; whether the server did (someone else's key or no key: not found)."""
    if door == "rest":
        response = await _send(shop, "DELETE", f"/api/v1/auth/keys/{key_id}", shop.user)
        assert response.status_code in (204, 404), response.text
        return response.status_code == 204
    body = await _gql(shop, REVOKE, {"id": key_id}, shop.user)
    if body.get("errors"):
        assert set(_codes(body)) <= {"NOT_FOUND", "BAD_USER_INPUT"}, body
        return False
    assert body["data"]["revokeApiKey"]["isActive"] is False, body
    return True


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.mark.parametrize("door", ["graphql", "rest"])
async def test_generated_keys_authenticate_with_exactly_their_scopes(shop: Shop, door: str) -> None:
    probe = _probe_rest if door == "rest" else _probe_graphql

    others_key = (await shop.auth.key(shop.admin, ["read"]))[0]

    async def attempt(request: KeyRequest, revoke: str) -> str:
        before = await shop.state()
        made = await _create_key(shop, door, request)
        if made is None:
            assert await shop.state() == before, "a refused key changed the database"
            assert request.valid is not True, request
            return "refused"
        assert request.valid is not False, request
        key, secret = made
        assert key["name"] == request.name.strip()
        assert key["scopes"] == _deduped(request.scopes)
        assert key["tags"] == _deduped(request.tags or [])
        assert key["machineId"] == (request.machine_id.strip() if request.machine_id else None)
        assert _instant(key["expiresAt"]) == _instant(request.expires_at)
        creds = Creds(key=secret)
        seen = await probe(shop, creds, request)
        assert seen == {scope: _holds(request.scopes, scope) for scope in seen}, (request.scopes, seen)
        if revoke == "keep":
            return "accepted"
        if revoke == "own":
            assert await _revoke(shop, door, key["id"])
        else:  # someone else's key, or none at all: refused, nothing changes, the key still works
            before = await shop.state()
            assert not await _revoke(shop, door, others_key if revoke == "theirs" else revoke)
            assert await shop.state() == before, "a refused revocation changed the database"
        status = (await _send(shop, "GET", "/api/v1/auth/me", creds)).status_code
        assert status == (401 if revoke == "own" else 200), (revoke, status)
        return "accepted, revoked" if revoke == "own" else "accepted, wrong revocation refused"

    @fuzzing(examples=EXAMPLES)
    @given(
        request=key_requests(rest=door == "rest"),
        revoke=st.sampled_from(
            ["keep", "own", "theirs", "00000000-0000-4000-8000-0000000000ff", "not-a-key"]
        ),
    )
    def check(request: KeyRequest, revoke: str) -> None:
        shop.run(attempt(request, revoke))

    await asyncio.to_thread(check)
    shop.reached_the_writes()


# --- promoting, demoting, deactivating ---------------------------------------------------------

UPDATE_USER = """mutation($id: ID!, $a: Boolean, $v: Boolean) {
  updateUser(id: $id, isAdmin: $a, isActive: $v) { id isAdmin isActive } }"""
USERS_QUERY = "{ users { id } }"


async def test_generated_user_updates_take_effect_at_once(shop: Shop) -> None:
    """Whom: the user, a third account, the admin itself, no one, not an id. An accepted
    change shows at once: an inactive account cannot log in and its session and key stop,
    a reactivated one logs in again, a promoted one may list users and a demoted one not."""
    other_id = await shop.auth.create_user(shop.admin, "other@example.com")
    people = {"user": ("user@example.com", shop.user_id), "other": ("other@example.com", other_id)}
    sessions = {name: await shop.auth.login(email) for name, (email, _) in people.items()}
    keys = {name: (await shop.auth.key(sessions[name], ["read"]))[1] for name in people}
    admin_id = (await shop.auth.ok(ME, creds=shop.admin))["me"]["id"]

    async def attempt(whom: str, garbage: str, is_admin: bool | None, is_active: bool | None) -> str:
        target = {
            "self": admin_id,
            "missing": "00000000-0000-4000-8000-0000000000ff",
            "garbage": garbage,
        }.get(whom, people.get(whom, ("", ""))[1])
        before = await shop.state()
        row = next((u for u in before["users"] if u["id"] == target), None)
        body = await _gql(shop, UPDATE_USER, {"id": target, "a": is_admin, "v": is_active}, shop.admin)
        refusable = whom in ("missing", "garbage") or (whom == "self" and False in (is_admin, is_active))
        if body.get("errors"):
            assert refusable, (whom, body)
            assert set(_codes(body)) <= {"BAD_USER_INPUT", "NOT_FOUND"}, body
            assert await shop.state() == before, "a refused update changed the database"
            return "refused"
        assert not refusable and row is not None, (whom, body)
        want_admin = row["is_admin"] if is_admin is None else is_admin
        want_active = row["is_active"] if is_active is None else is_active
        assert body["data"]["updateUser"] == {"id": target, "isAdmin": want_admin, "isActive": want_active}
        if (want_admin, want_active) == (row["is_admin"], row["is_active"]):
            assert await shop.state() == before, "an update that changes nothing wrote"
        if whom == "self":
            return "accepted"
        email = people[whom][0]
        if not want_active:
            assert _codes(await _gql(shop, ME, {}, sessions[whom])) == ["UNAUTHENTICATED"]
            assert _codes(await _gql(shop, ME, {}, keys[whom])) == ["UNAUTHENTICATED"]
            assert await _login(shop, "graphql", email, PASSWORD) is None
            return "accepted, inactive"
        fresh = await _login(shop, "graphql", email, PASSWORD)
        assert fresh is not None, "an active account logs in"
        sessions[whom] = fresh
        assert not (await _gql(shop, ME, {}, keys[whom])).get("errors"), "an active owner's key works"
        listed = await _gql(shop, USERS_QUERY, {}, fresh)
        assert (not listed.get("errors")) == want_admin, (want_admin, listed)
        return "accepted"

    @fuzzing(examples=EXAMPLES)
    @given(
        whom=st.sampled_from(["user", "user", "other", "other", "self", "missing", "garbage"]),
        garbage=st.sampled_from(["", "1", "not-an-id", "\x00", "\ud800"]),
        is_admin=st.none() | st.booleans(),
        is_active=st.none() | st.booleans(),
    )
    def check(whom: str, garbage: str, is_admin: bool | None, is_active: bool | None) -> None:
        shop.run(attempt(whom, garbage, is_admin, is_active))

    await asyncio.to_thread(check)
    shop.reached_the_writes()
