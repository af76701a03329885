"""`smooth-gql check`: what an operator runs before `serve`, with exit codes a script can use."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import BACKENDS
from smooth_gql.cli import main


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
