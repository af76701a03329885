"""What an operator sees from the `smooth-gql` command, run as a real process as an operator runs it.

`serve` says where GraphiQL is and which database it uses (never its password), refuses an
un-migrated database with one sentence instead of a worker's traceback, invites registration
only while nobody has an account; `--version` answers; no command prints Alembic's own lines.
PostgreSQL cases use a fresh empty database of their own on SMOOTH_TEST_POSTGRES_URL's server.

Each command family (`--version`, `migrate`, `check`, `serve`, `create-user`) runs as a real
process at least once here. A step whose point is not the process (a refusal before uvicorn
starts, a migration that only readies a database, the second start-up's announcement) runs
in this process instead, with the same environment: each process start-up cost 1-3 CPU seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from conftest import BACKENDS, POSTGRES_URL
from smooth_gql.config import normalize_database_url

PASSWORD = "s3cret-in-the-url"  # PostgreSQL here trusts local connections, so any password connects
WAIT = 60.0  # a bound on each wait for a process, not a timing assertion


def _env(database_url: str, **extra: str) -> dict[str, str]:
    """The caller's environment without any smooth-gql setting of its own, plus these."""
    names = ("SMOOTH_", "DATABASE_URL", "AUTH_ENABLED", "LOG_LEVEL", "PROMETHEUS_MULTIPROC_DIR")
    env = {k: v for k, v in os.environ.items() if not k.startswith(names) or k == "SMOOTH_TEST_POSTGRES_URL"}
    return {**env, "SMOOTH_DATABASE_URL": database_url, "LOG_LEVEL": "INFO", **extra}


def _use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """This process's environment made exactly `env`, as `_cli` gives it to a child (undone after the test)."""
    for name in [n for n in os.environ if n not in env]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _cli(*argv: str, env: dict[str, str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smooth_gql.cli", *argv],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_until_ready(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Start `serve` on 127.0.0.1, wait until /ready answers, stop it; its port and its whole log."""
    port = _free_port()
    argv = [sys.executable, "-m", "smooth_gql.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = cwd / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + WAIT
            ready = False
            while not ready and process.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(httpx.TransportError):
                    ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200
                time.sleep(0.1)
            assert ready, f"serve did not become ready (exit {process.poll()}):\n{log.read_text()[-3000:]}"
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=WAIT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=WAIT)
    return port, log.read_text()


async def _admin(sql: str) -> None:
    assert POSTGRES_URL
    engine = create_async_engine(normalize_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, as an operator's URL: a SQLite file not yet created, or a
    fresh PostgreSQL database (dropped afterwards) whose URL carries a password."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.db'}"
        return
    assert POSTGRES_URL, "postgres tests need SMOOTH_TEST_POSTGRES_URL"
    name = f"smooth_cli_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(drivername="postgresql", database=name, password=PASSWORD)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    done = _cli("--version", env=_env("sqlite:///unused.db"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"smooth-gql {version('smooth-gql')}\n"
    assert not (tmp_path / "unused.db").exists()


@pytest.mark.parametrize("empty_database", BACKENDS, indirect=True)
def test_migrate_and_check_print_no_alembic_lines(empty_database: str, tmp_path: Path) -> None:
    env = _env(empty_database)
    migrated = _cli("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.startswith("database at revision ") and "(was empty)" in migrated.stdout
    checked = _cli("check", env=env, cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    for output in (migrated.stdout + migrated.stderr, checked.stdout + checked.stderr):
        assert "alembic" not in output.lower(), output
        assert "Context impl" not in output and "Running upgrade" not in output, output
        assert PASSWORD not in output


@pytest.mark.postgres
@pytest.mark.parametrize("empty_database", ["postgres"], indirect=True)
def test_serve_refuses_an_unmigrated_postgres_database_in_one_sentence(
    empty_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In process: serve refuses before uvicorn starts (a real `serve` process is started below)."""
    from smooth_gql.cli import main

    _use_env(monkeypatch, _env(empty_database))
    assert main(["serve", "--host", "127.0.0.1", "--port", str(_free_port())]) == 1
    done = capsys.readouterr()
    assert "run `smooth-gql migrate`" in done.err
    assert "has no schema" in done.err
    assert "Traceback" not in done.out + done.err
    assert PASSWORD not in done.out + done.err


@pytest.mark.parametrize("empty_database", BACKENDS, indirect=True)
def test_serve_logs_where_graphiql_is_and_invites_registration_only_while_nobody_has_an_account(
    empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from smooth_gql.cli import main

    env = _env(empty_database, AUTH_ENABLED="true", SMOOTH_BCRYPT_ROUNDS="4")
    if not empty_database.startswith("sqlite"):  # serve migrates only an empty SQLite database itself
        with monkeypatch.context() as patched:  # in process: `migrate` runs as a process above
            _use_env(patched, env)
            assert main(["migrate"]) == 0
    port, log = _serve_until_ready(env, tmp_path)
    assert f"at http://127.0.0.1:{port}/graphql" in log
    assert "GraphiQL" in log
    shown = make_url(empty_database).render_as_string(hide_password=True)
    assert f"database {normalize_database_url(shown)}" in log
    if empty_database.startswith("sqlite"):
        assert f"(file {tmp_path / 'shop.db'})" in log
    else:
        assert "***" in log
    assert PASSWORD not in log
    assert "register the first one" in log

    created = _cli(
        "create-user", "--email", "ops@shop.example", env=env, cwd=tmp_path, stdin="long enough pw\n"
    )
    assert created.returncode == 0, created.stderr
    # The second start-up differs from the first only in what the app announces as it starts:
    # its lifespan, in process, as `app_from_env` builds it for a worker (without freezing
    # this process's garbage collector).
    _use_env(monkeypatch, env)
    capsys.readouterr()
    asyncio.run(_start_and_stop_the_app())
    log = capsys.readouterr().err
    assert "authentication is on" in log
    assert "register" not in log


async def _start_and_stop_the_app() -> None:
    from smooth_gql.app import create_app
    from smooth_gql.config import Settings
    from smooth_gql.observability.logging import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    app = create_app(settings, migrate_empty_sqlite=True)
    async with app.router.lifespan_context(app):
        pass


def test_serve_refuses_an_unreachable_database_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In process: nothing is listening on port 1, so serve stops before uvicorn starts."""
    from smooth_gql.cli import main

    monkeypatch.setenv("SMOOTH_DATABASE_URL", f"postgresql://smooth:{PASSWORD}@127.0.0.1:1/smooth")
    assert main(["serve", "--host", "127.0.0.1", "--port", "0"]) == 1
    captured = capsys.readouterr()
    assert "cannot start: the database postgresql+asyncpg://smooth:***@127.0.0.1:1/smooth is unreachable" in (
        captured.err
    )
    assert PASSWORD not in captured.out + captured.err and "Traceback" not in captured.err
