"""Settings, read once from the environment into one immutable object.

Every knob the server has lives here so the README can list them all and tests
can build a `Settings` directly instead of patching the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./smooth.db"
SQLITE_READERS = 2  # a SQLite worker's read connections; why so few: db/engine.py create_engine
# Default budgets: about ten times what the load benchmark's 28 clients spend together from one
# address (3.8 million points a minute, 143 requests a second; README, "Budgets").
POINTS_PER_MINUTE = 40_000_000
REQUESTS_PER_SECOND = 1_500


class ConfigError(ValueError):
    """A setting in the environment cannot be used; the message names it."""


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {value}")
    return value


EXECUTORS = ("plan", "graphql-core")  # the first is the default


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return choices[0]
    value = raw.strip().lower()
    if value not in choices:
        raise ConfigError(f"{name}: expected {' or '.join(choices)}, got {raw!r}")
    return value


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated origins such as `https://cam.example.com`, in the form browsers send them.

    No `*`: the listed origins get credentialed CORS and may open the WebSocket with
    the user's session cookie, so each trusted front end is named. Checked and
    normalized with Strawberry's own rules (lowercase, default port left out), since
    its WebSocket origin check and Starlette's CORS compare the header to these strings.
    """
    from strawberry.http.websocket_origin import normalize_allowed_origins

    origins = tuple(o.strip() for o in (env.get(name) or "").split(",") if o.strip())
    if "*" in origins:
        raise ConfigError(f"{name}: '*' is not accepted; list the origins of the trusted front ends")
    try:
        normalized = normalize_allowed_origins(origins)
    except ValueError as error:
        raise ConfigError(f"{name}: {error}") from None
    if any(not origin.startswith(("http://", "https://")) for origin in normalized):
        raise ConfigError(f"{name}: origins are http:// or https://, got {', '.join(origins)}")
    return tuple(sorted(normalized))


def normalize_database_url(url: str) -> str:
    """Accept the plain URLs people paste (postgres://, sqlite:///) and pick the async driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    auth_enabled: bool = True
    allow_registration: bool = False  # after the first user, only admins create accounts
    bcrypt_rounds: int = 12  # tests use 4; each +1 doubles the cost of a login
    min_password_length: int = 10
    login_max_failures: int = 5  # per account within the window; per client address 4x this
    login_window_seconds: int = 300
    # Front ends on these origins may call /graphql and /api/v1 with credentials (CORS) and
    # open the WebSocket; same-origin pages and clients that send no Origin (CNC bridges,
    # scripts) need no entry. Normalized: lowercase, no default port.
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    max_bulk_items: int = 1000
    max_page_size: int = 1000
    default_page_size: int = 100
    # GraphQL limits: a request over any of them is refused before it runs.
    max_query_depth: int = 10
    # Fields an operation selects, a fragment counted at every spread (GraphiQL's introspection: ~220).
    max_query_fields: int = 1000
    # Pairs of same-path fields graphql-core's overlap rule compares (quadratic; ~4 µs a pair).
    max_field_merges: int = 10_000
    max_aliases: int = 15
    # The static cost of an operation (query_cost: objects resolved, lists multiplied by their page).
    max_query_cost: int = 500_000
    max_tokens: int = 2000
    max_body_bytes: int = 2 * 1024 * 1024
    max_import_body_bytes: int = 64 * 1024 * 1024  # for the backup import route only
    execution_timeout_seconds: float = 10.0
    query_cache_size: int = 256  # parsed and validated documents kept, each (and query plans)
    # Who runs queries and subscription events: the query-plan executor (smooth_gql/planner), or
    # graphql-core's own executor, for comparison. Under `plan` mutations run from their plan
    # too, their bulk inputs coerced by precomputed coercers (planner/mutation.py).
    executor: str = "plan"
    introspection: bool = True
    sqlite_busy_timeout_ms: int = 30_000
    sqlite_readers: int = SQLITE_READERS  # connections a worker's reads share; more wait their turn
    graphiql: bool = True
    keep_alive_seconds: float = 15.0
    change_retention_days: int = 30  # 0 keeps the change log forever
    idempotency_hours: int = 24  # how long a keyed write's outcome answers its retries
    # Budgets per API key, session, or client address of anonymous calls (services/rate_limits.py):
    # the static cost of the operations a caller runs per minute, and its requests per second;
    # 0 turns that budget off. An API key may carry its own.
    points_per_minute: int = POINTS_PER_MINUTE
    requests_per_second: int = REQUESTS_PER_SECOND
    shutdown_grace_seconds: int = 5  # then open streams (SSE, WebSocket) are closed
    feed_buffer_rows: int = 4096  # recent change-log rows each worker keeps for its followers
    feed_recheck_seconds: int = 30  # how stale a subscription's credential check may be before it delivers
    # How long a worker trusts an API key it has checked (services/key_cache.py); 0: never.
    api_key_cache_seconds: int = 5
    # When set, /metrics answers only `Authorization: Bearer <token>`; unset, it is open
    # (for a port reachable from a private network only).
    metrics_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not 4 <= self.bcrypt_rounds <= 31:
            raise ConfigError(f"SMOOTH_BCRYPT_ROUNDS: must be between 4 and 31, got {self.bcrypt_rounds}")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        url = env.get("SMOOTH_DATABASE_URL") or env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(f"LOG_LEVEL: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got {level!r}")
        max_page = _int(env, "SMOOTH_MAX_PAGE_SIZE", 1000)
        if env.get("SMOOTH_WS_ALLOWED_ORIGINS"):  # silently ignoring it would lock the listed pages out
            raise ConfigError(
                "SMOOTH_WS_ALLOWED_ORIGINS: replaced by SMOOTH_CORS_ORIGINS, which governs CORS on "
                "/graphql and /api/v1 and the WebSocket origin check alike"
            )
        return cls(
            database_url=normalize_database_url(url),
            auth_enabled=_bool(env, "AUTH_ENABLED", True),
            allow_registration=_bool(env, "SMOOTH_ALLOW_REGISTRATION", False),
            bcrypt_rounds=_int(env, "SMOOTH_BCRYPT_ROUNDS", 12, minimum=4),
            min_password_length=_int(env, "SMOOTH_MIN_PASSWORD_LENGTH", 10),
            login_max_failures=_int(env, "SMOOTH_LOGIN_MAX_FAILURES", 5),
            login_window_seconds=_int(env, "SMOOTH_LOGIN_WINDOW_SECONDS", 300),
            cors_origins=_origins(env, "SMOOTH_CORS_ORIGINS"),
            log_level=level,
            max_bulk_items=_int(env, "SMOOTH_MAX_BULK_ITEMS", 1000),
            max_page_size=max_page,
            default_page_size=min(_int(env, "SMOOTH_DEFAULT_PAGE_SIZE", 100), max_page),
            max_query_depth=_int(env, "SMOOTH_MAX_QUERY_DEPTH", 10),
            max_query_fields=_int(env, "SMOOTH_MAX_QUERY_FIELDS", 1000),
            max_field_merges=_int(env, "SMOOTH_MAX_FIELD_MERGES", 10_000),
            max_aliases=_int(env, "SMOOTH_MAX_ALIASES", 15, minimum=0),
            max_query_cost=_int(env, "SMOOTH_MAX_QUERY_COST", 500_000),
            max_tokens=_int(env, "SMOOTH_MAX_TOKENS", 2000),
            max_body_bytes=_int(env, "SMOOTH_MAX_BODY_BYTES", 2 * 1024 * 1024),
            max_import_body_bytes=_int(env, "SMOOTH_MAX_IMPORT_BODY_BYTES", 64 * 1024 * 1024),
            execution_timeout_seconds=_int(env, "SMOOTH_EXECUTION_TIMEOUT_SECONDS", 10),
            query_cache_size=_int(env, "SMOOTH_QUERY_CACHE_SIZE", 256),
            executor=_choice(env, "SMOOTH_EXECUTOR", EXECUTORS),
            introspection=_bool(env, "SMOOTH_INTROSPECTION", True),
            sqlite_busy_timeout_ms=_int(env, "SMOOTH_SQLITE_BUSY_TIMEOUT_MS", 30_000),
            sqlite_readers=_int(env, "SMOOTH_SQLITE_READERS", SQLITE_READERS),
            graphiql=_bool(env, "SMOOTH_GRAPHIQL", True),
            keep_alive_seconds=_int(env, "SMOOTH_KEEP_ALIVE_SECONDS", 15),
            change_retention_days=_int(env, "SMOOTH_CHANGE_RETENTION_DAYS", 30, minimum=0),
            idempotency_hours=_int(env, "SMOOTH_IDEMPOTENCY_HOURS", 24),
            points_per_minute=_int(env, "SMOOTH_POINTS_PER_MINUTE", POINTS_PER_MINUTE, minimum=0),
            requests_per_second=_int(env, "SMOOTH_REQUESTS_PER_SECOND", REQUESTS_PER_SECOND, minimum=0),
            shutdown_grace_seconds=_int(env, "SMOOTH_SHUTDOWN_GRACE_SECONDS", 5, minimum=0),
            feed_buffer_rows=_int(env, "SMOOTH_FEED_BUFFER_ROWS", 4096),
            feed_recheck_seconds=_int(env, "SMOOTH_FEED_RECHECK_SECONDS", 30, minimum=0),
            api_key_cache_seconds=_int(env, "SMOOTH_API_KEY_CACHE_SECONDS", 5, minimum=0),
            metrics_token=(env.get("SMOOTH_METRICS_TOKEN") or "").strip() or None,
        )
