"""Settings from the environment, and migrations that match the models both ways."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.config import ConfigError, Settings
from smooth_gql.db.migrate import alembic_config, current_revision, head_revision, is_empty, upgrade
from smooth_gql.db.models import Base
from support.times import timed_sql

# --- settings -----------------------------------------------------------------------


def test_defaults_serve_the_embedded_sqlite_database() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite+aiosqlite:///./smooth.db"
    assert settings.is_sqlite and settings.auth_enabled and not settings.allow_registration
    assert (settings.bcrypt_rounds, settings.cors_origins) == (12, ())
    assert (settings.max_bulk_items, settings.max_page_size, settings.default_page_size) == (1000, 1000, 100)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "postgres://u@h/db"}, "postgresql+asyncpg://u@h/db"),
        (
            {"SMOOTH_DATABASE_URL": "postgresql://u@h/db", "DATABASE_URL": "sqlite:///x.db"},
            "postgresql+asyncpg://u@h/db",
        ),
        ({"DATABASE_URL": "sqlite:///x.db"}, "sqlite+aiosqlite:///x.db"),
        ({"DATABASE_URL": "postgresql+asyncpg://u@h/db"}, "postgresql+asyncpg://u@h/db"),
    ],
)
def test_database_url_is_read_and_given_the_async_driver(env: dict[str, str], expected: str) -> None:
    assert Settings.from_env(env).database_url == expected


def test_limits_and_log_level_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "SMOOTH_MAX_BULK_ITEMS": "50",
            "SMOOTH_MAX_PAGE_SIZE": "200",
            "SMOOTH_DEFAULT_PAGE_SIZE": "500",
            "LOG_LEVEL": "debug",
            "AUTH_ENABLED": "off",
            "SMOOTH_GRAPHIQL": "no",
        }
    )
    assert (settings.max_bulk_items, settings.max_page_size, settings.default_page_size) == (50, 200, 200)
    assert settings.log_level == "DEBUG" and not settings.graphiql and not settings.auth_enabled


def test_the_executor_comes_from_the_environment() -> None:
    assert Settings.from_env({"SMOOTH_EXECUTOR": " GraphQL-Core "}).executor == "graphql-core"
    assert Settings.from_env({}).executor == "plan"


def test_the_sqlite_readers_come_from_the_environment() -> None:
    assert Settings.from_env({"SMOOTH_SQLITE_READERS": "3"}).sqlite_readers == 3
    assert Settings.from_env({}).sqlite_readers == 2
    with pytest.raises(ConfigError, match="SMOOTH_SQLITE_READERS"):
        Settings.from_env({"SMOOTH_SQLITE_READERS": "0"})


def test_auth_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "SMOOTH_ALLOW_REGISTRATION": "yes",
            "SMOOTH_BCRYPT_ROUNDS": "10",
            "SMOOTH_MIN_PASSWORD_LENGTH": "14",
            "SMOOTH_LOGIN_MAX_FAILURES": "3",
            "SMOOTH_LOGIN_WINDOW_SECONDS": "60",
            "SMOOTH_CORS_ORIGINS": "https://cam.example, HTTP://10.0.0.5:3000, https://tools.example:443",
            "SMOOTH_FEED_RECHECK_SECONDS": "0",  # check before every delivery
        }
    )
    assert settings.feed_recheck_seconds == 0 and Settings.from_env({}).feed_recheck_seconds == 30
    assert settings.auth_enabled and settings.allow_registration
    assert (settings.bcrypt_rounds, settings.min_password_length) == (10, 14)
    assert (settings.login_max_failures, settings.login_window_seconds) == (3, 60)
    # In the form browsers send them: the CORS and WebSocket checks compare the header to these.
    assert settings.cors_origins == ("http://10.0.0.5:3000", "https://cam.example", "https://tools.example")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AUTH_ENABLED": "maybe"}, "AUTH_ENABLED: expected true or false, got 'maybe'"),
        ({"SMOOTH_MAX_BULK_ITEMS": "many"}, "SMOOTH_MAX_BULK_ITEMS: expected a whole number, got 'many'"),
        ({"SMOOTH_MAX_PAGE_SIZE": "0"}, "SMOOTH_MAX_PAGE_SIZE: must be at least 1, got 0"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'LOUD'"),
        ({"SMOOTH_BCRYPT_ROUNDS": "3"}, "SMOOTH_BCRYPT_ROUNDS: must be at least 4, got 3"),
        ({"SMOOTH_FEED_RECHECK_SECONDS": "-1"}, "SMOOTH_FEED_RECHECK_SECONDS: must be at least 0, got -1"),
        ({"SMOOTH_BCRYPT_ROUNDS": "32"}, "SMOOTH_BCRYPT_ROUNDS: must be between 4 and 31, got 32"),
        ({"SMOOTH_IDEMPOTENCY_HOURS": "-1"}, "SMOOTH_IDEMPOTENCY_HOURS: must be at least 1, got -1"),
        (
            {"SMOOTH_IDEMPOTENCY_HOURS": "a day"},
            "SMOOTH_IDEMPOTENCY_HOURS: expected a whole number, got 'a day'",
        ),
        ({"SMOOTH_CORS_ORIGINS": "https://cam.example/path"}, "SMOOTH_CORS_ORIGINS: Invalid origin"),
        ({"SMOOTH_CORS_ORIGINS": "cam.example.com"}, "SMOOTH_CORS_ORIGINS: Invalid origin 'cam.example.com'"),
        ({"SMOOTH_CORS_ORIGINS": "https://a.example,null"}, "SMOOTH_CORS_ORIGINS: Invalid origin 'null'"),
        (
            {"SMOOTH_CORS_ORIGINS": "ftp://files.example"},
            "SMOOTH_CORS_ORIGINS: origins are http:// or https://",
        ),
        ({"SMOOTH_CORS_ORIGINS": "*"}, "SMOOTH_CORS_ORIGINS: '*' is not accepted"),
        ({"SMOOTH_EXECUTOR": "jit"}, "SMOOTH_EXECUTOR: expected plan or graphql-core, got 'jit'"),
        (
            {"SMOOTH_WS_ALLOWED_ORIGINS": "https://cam.example"},
            "SMOOTH_WS_ALLOWED_ORIGINS: replaced by SMOOTH_CORS_ORIGINS",
        ),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    assert str(raised.value).startswith(message)


# --- migrations ------------------------------------------------------------------------


async def test_migrations_create_exactly_the_models(empty_database: AsyncEngine) -> None:
    assert await is_empty(empty_database)
    assert await current_revision(empty_database) is None
    await upgrade(empty_database)
    assert await current_revision(empty_database) == head_revision()
    async with empty_database.connect() as conn:
        differences = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
            )
        )
    assert differences == []


async def test_migrations_downgrade_to_nothing_and_back(empty_database: AsyncEngine) -> None:
    await upgrade(empty_database)
    async with empty_database.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
    async with empty_database.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert tables <= {"alembic_version"}
    await upgrade(empty_database)
    assert await current_revision(empty_database) == head_revision()


async def test_0002_fills_change_seq_from_the_retained_log(empty_database: AsyncEngine) -> None:
    """Rows written before 0002 take the seq of their latest change; rows whose history
    was pruned stay NULL (a full sync still returns them)."""
    await upgrade(empty_database, "0001")
    user, kept, pruned = (str(uuid.uuid4()) for _ in range(3))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with empty_database.begin() as conn:
        await conn.execute(
            timed_sql(
                "INSERT INTO users (id, email, is_admin, is_active, created_at, updated_at, version) "
                "VALUES (:u, 'a@b.c', true, true, :t, :t, 1)",
                "t",
            ),
            {"u": user, "t": now},
        )
        for item in (kept, pruned):
            await conn.execute(
                timed_sql(
                    "INSERT INTO tool_items (id, owner_id, created_by, updated_by, created_at, updated_at, "
                    "version, tags, name, category) VALUES (:i, :u, :u, :u, :t, :t, 2, '[]', 'x', 'OTHER')",
                    "t",
                ),
                {"i": item, "u": user, "t": now},
            )
        for operation, version in (("CREATED", 1), ("UPDATED", 2)):
            await conn.execute(
                timed_sql(
                    "INSERT INTO change_log (entity_type, entity_id, operation, version, owner_id, tags, "
                    "changed_at, changed_by) VALUES ('ToolItem', :i, :o, :v, :u, '[]', :t, :u)",
                    "t",
                ),
                {"i": kept, "o": operation, "v": version, "u": user, "t": now},
            )
    await upgrade(empty_database)
    async with empty_database.connect() as conn:
        latest = (await conn.execute(text("SELECT max(seq) FROM change_log"))).scalar_one()
        rows = dict((await conn.execute(text("SELECT id, change_seq FROM tool_items"))).all())
    assert rows == {kept: latest, pruned: None}
