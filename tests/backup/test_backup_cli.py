"""`smooth-gql backup` / `restore`, and the documented SQLite → PostgreSQL migration path."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import empty_postgres
from smooth_gql.cli import main
from smooth_gql.db.engine import create_engine
from support.auth import auth_app
from support.backup import build_shop, dump

ENTITY_LISTS = ("tool_items", "tool_assemblies", "tool_instances", "tool_presets", "tool_usage", "tool_sets")


def _sqlite(template: Path, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def _with_engine(url: str, work: Any) -> Any:
    engine = create_engine(url)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


async def _build(url: str) -> None:
    async def work(engine: AsyncEngine) -> None:
        async with auth_app(engine, url) as auth:
            await build_shop(auth)

    await _with_engine(url, work)


async def _dump(url: str) -> dict[str, list[dict[str, Any]]]:
    return await _with_engine(url, dump)  # type: ignore[no-any-return]


def _migrate_through_backup(
    source: str,
    target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, Any]:
    backup = tmp_path / "shop.json"
    monkeypatch.setenv("SMOOTH_DATABASE_URL", source)
    assert main(["backup", "--output", str(backup)]) == 0
    out = capsys.readouterr()
    assert f"wrote {backup}" in out.out and "exported tool_items" in out.err  # progress on stderr
    monkeypatch.setenv("SMOOTH_DATABASE_URL", target)
    assert main(["restore", "--input", str(backup)]) == 0
    out = capsys.readouterr()
    assert "restored" in out.out and "restored tool_items" in out.err
    return json.loads(backup.read_text())  # type: ignore[no-any-return]


def _assert_same_database(before: dict[str, Any], after: dict[str, Any], document: dict[str, Any]) -> None:
    """Every row of every table is equal; the change log holds one row per restored tool row."""
    for name, rows in before.items():
        if name in ("sessions", "change_log", "change_log_floor"):
            continue
        assert after[name] == rows, name
    assert after["sessions"] == []  # sessions are secrets of one server: never in a backup
    expected = sum(len(document["entities"][key]) for key in ENTITY_LISTS)
    changes = after["change_log"]
    assert len(changes) == expected
    assert {c["operation"] for c in changes} == {"CREATED"}
    assert min(c["seq"] for c in changes) == document["metadata"]["change_log_position"] + 1
    # Every cursor below the restored log is expired, rows or no rows (models.ChangeLogFloor).
    assert after["change_log_floor"] == [{"seq": document["metadata"]["change_log_position"]}]


@pytest.mark.postgres
def test_sqlite_to_postgresql_round_trip_keeps_every_row(
    sqlite_template: Path,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = _sqlite(sqlite_template, tmp_path, "source.db")
    _run(_build(source))
    _run(_with_engine(postgres_url, empty_postgres))  # an empty, migrated PostgreSQL database
    before = _run(_dump(source))

    document = _migrate_through_backup(source, postgres_url, tmp_path, monkeypatch, capsys)

    _assert_same_database(before, _run(_dump(postgres_url)), document)

    # The migrated server works: its users log in with their old passwords and keep writing.
    async def use(engine: AsyncEngine) -> None:
        async with auth_app(engine, postgres_url) as auth:
            user = await auth.login("user@example.com")
            made = await auth.ok(
                'mutation { createToolItems(input: [{name: "new", category: OTHER}]) { successCount } }',
                creds=user,
            )
            assert made["createToolItems"]["successCount"] == 1

    _run(_with_engine(postgres_url, use))


def test_sqlite_to_sqlite_round_trip_keeps_every_row(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _sqlite(sqlite_template, tmp_path, "source.db")
    target = _sqlite(sqlite_template, tmp_path, "target.db")
    _run(_build(source))
    before = _run(_dump(source))
    document = _migrate_through_backup(source, target, tmp_path, monkeypatch, capsys)
    _assert_same_database(before, _run(_dump(target)), document)


def test_restore_refuses_a_missing_file_and_a_bad_document(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", _sqlite(sqlite_template, tmp_path, "db.db"))
    assert main(["restore", "--input", str(tmp_path / "nope.json")]) == 1
    assert "No such file or directory" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text('{"metadata": {"version": "7.0"}, "entities": {}}')
    assert main(["restore", "--input", str(tmp_path / "bad.json")]) == 1
    err = capsys.readouterr().err
    assert "Version error: Incompatible backup version: 7.0" in err and "nothing was changed" in err
    (tmp_path / "user.json").write_text(
        '{"metadata": {"version": "0.2.0", "backup_type": "user"}, "entities": {}}'
    )
    assert main(["restore", "--input", str(tmp_path / "user.json")]) == 1
    assert "this is a user backup" in capsys.readouterr().err


def test_backup_and_restore_refuse_an_unmigrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.db").touch()
    monkeypatch.setenv("SMOOTH_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["backup", "--output", str(tmp_path / "out.json")]) == 1
    assert "run `smooth-gql migrate` first" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()


def test_backup_to_an_unwritable_place_fails_cleanly(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", _sqlite(sqlite_template, tmp_path, "db.db"))
    assert main(["backup", "--output", str(tmp_path / "missing-dir" / "out.json")]) == 1
    assert "smooth-gql backup: " in capsys.readouterr().err
