"""The operator commands `smooth-gql check` and `create-api-key`, with exit codes a script can use."""

from __future__ import annotations

import asyncio
import io
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import BACKENDS
from smooth_gql.auth.principal import Principal
from smooth_gql.cli import main
from smooth_gql.config import Settings
from smooth_gql.db.engine import create_engine, session_factory
from smooth_gql.runtime import Runtime
from smooth_gql.services import api_keys

PASSWORD = "correct horse battery\n"  # create-user reads it from stdin's first line


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_check_passes_on_a_migrated_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "configuration: ok" in out and "schema current" in out


def test_check_hides_the_database_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", "postgresql://smooth:s3cret@127.0.0.1:1/smooth")
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert "s3cret" not in captured.out + captured.err
    assert "database: unreachable" in captured.err


def test_check_fails_on_an_empty_database_and_says_to_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.db").touch()
    monkeypatch.setenv("SMOOTH_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["check"]) == 1
    assert "run `smooth-gql migrate`" in capsys.readouterr().err


def test_check_creates_no_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", f"sqlite:///{tmp_path / 'missing.db'}")
    assert main(["check"]) == 1
    assert "no file at" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()


def test_check_refuses_a_bad_setting_with_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_MAX_PAGE_SIZE", "lots")
    assert main(["check"]) == 2
    assert "SMOOTH_MAX_PAGE_SIZE: expected a whole number, got 'lots'" in capsys.readouterr().err


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_create_api_key_prints_a_working_secret_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CNC bridge's key from the console: the secret on stdout, and it authenticates as the account
    with exactly the scopes and machine asked for."""
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    monkeypatch.setenv("SMOOTH_BCRYPT_ROUNDS", "4")
    email = f"Shop-{uuid.uuid4().hex[:8]}@Example.com"  # the PostgreSQL database is shared by the session
    assert main(["create-user", "--email", email], stdin=io.StringIO(PASSWORD)) == 0
    capsys.readouterr()
    argv = ["create-api-key", "--email", email.upper(), "--name", "mill-3 bridge"]
    assert main([*argv, "--scope", "read", "--scope", "write:presets", "--machine", "mill-3"]) == 0
    captured = capsys.readouterr()
    secret = captured.out.strip()
    assert secret.startswith("smk_") and secret not in captured.err
    assert "shown only now" in captured.err

    async def who() -> object:
        engine = create_engine(database_url)
        try:
            runtime = Runtime(session_factory(engine), Settings(database_url=database_url))
            return await api_keys.principal_for_secret(runtime, secret)
        finally:
            await engine.dispose()

    principal = asyncio.run(who())
    assert isinstance(principal, Principal)
    assert principal.scopes == frozenset({"read", "write:presets"}) and principal.machine_id == "mill-3"
    assert not principal.is_admin


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_create_api_key_refuses_unknown_accounts_and_scopes_and_stores_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    monkeypatch.setenv("SMOOTH_BCRYPT_ROUNDS", "4")
    argv = ["create-api-key", "--name", "k"]
    assert main([*argv, "--email", "nobody@example.com", "--scope", "read"]) == 1
    assert "email: no active account nobody@example.com" in capsys.readouterr().err
    email = f"shop-{uuid.uuid4().hex[:8]}@example.com"  # the PostgreSQL database is shared by the session
    assert main(["create-user", "--email", email], stdin=io.StringIO(PASSWORD)) == 0
    assert main([*argv, "--email", email, "--scope", "write:everything"]) == 1
    captured = capsys.readouterr()
    assert "write:everything" in captured.err and "smk_" not in captured.out

    async def keys() -> int:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                found = await conn.execute(
                    text(
                        "SELECT count(*) FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.email = :e"
                    ),
                    {"e": email},
                )
                return int(found.scalar_one())
        finally:
            await engine.dispose()

    assert asyncio.run(keys()) == 0


@pytest.mark.parametrize(
    ("command", "stdin"),
    [
        (["create-user", "--email", "ann@shop.example", "--admin"], PASSWORD),
        (["create-api-key", "--email", "ann@shop.example", "--name", "k", "--scope", "read"], ""),
    ],
)
def test_account_commands_refuse_an_unmigrated_database_in_one_line(
    command: list[str],
    stdin: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before `migrate` (or the first `serve`) there are no tables: the operator gets the
    advice, not a traceback."""
    (tmp_path / "empty.db").touch()
    monkeypatch.setenv("SMOOTH_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(command, stdin=io.StringIO(stdin)) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"smooth-gql {command[0]}: ")
    assert "run `smooth-gql migrate` first" in err
    assert "Traceback" not in err
