"""`smooth-gql tool-library import|export --format freecad` on SQLite and PostgreSQL (issue 16)."""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from pathlib import Path

import pytest

from conftest import BACKENDS, make_settings
from smooth_gql.changes import cursor
from smooth_gql.changes.tail import log_head
from smooth_gql.cli import main
from smooth_gql.db.engine import create_engine, session_factory
from smooth_gql.runtime import Runtime
from support.console import console_user

DATA = Path(__file__).parent / "data" / "freecad"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_import_export_dry_run_and_bad_files(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    monkeypatch.setenv("SMOOTH_BCRYPT_ROUNDS", "4")
    user = console_user(capsys, "cam")
    tools = tmp_path / "Tools"
    shutil.copytree(DATA / "Bit", tools / "Bit")
    shutil.copytree(DATA / "Library", tools / "Library")
    common = ["--format", "freecad", "--user", user]

    assert main(["tool-library", "import", str(tools), "--dry-run", *common]) == 0
    assert "Default.fctl: dry run, nothing written: create 10" in capsys.readouterr().out
    assert main(["tool-library", "import", str(tools), *common]) == 0
    captured = capsys.readouterr()
    match = re.search(r"Default.fctl: imported into tool set (\S+): create 10", captured.out)
    assert match, captured.out
    prog = "smooth-gql tool-library"
    assert captured.err.splitlines() == [  # each phase as it ends, on stderr
        f"{prog}: Default.fctl: 9 bits",
        f"{prog}: parse: 9 bits, 0 errors",
        f"{prog}: read: 0 catalog items",
        f"{prog}: plan: 10 steps: create 10",
        f"{prog}: write: 9 created",
        f"{prog}: write: 1 tool set",
    ]
    exported = tmp_path / "out"
    assert main(["tool-library", "export", str(exported), "--tool-set", match.group(1), *common]) == 0
    assert (exported / "Library/Default.fctl").read_text(encoding="utf-8") == (
        DATA / "Library/Default.fctl"
    ).read_text(encoding="utf-8").rstrip("\n")
    for bit in (DATA / "Bit").glob("*.fctb"):
        assert (exported / "Bit" / bit.name).read_text(encoding="utf-8") == bit.read_text(
            encoding="utf-8"
        ).rstrip("\n")
    assert main(["tool-library", "import", str(exported), *common]) == 0
    assert "unchanged 10" in capsys.readouterr().out

    (tools / "Bit/5mm_Endmill.fctb").write_text(
        (DATA / "Bit/5mm_Endmill.fctb").read_text(encoding="utf-8").replace('"5.0000 mm"', '"5 mmm"'),
        encoding="utf-8",
    )
    (tools / "Bit/probe.fctb").unlink()
    assert main(["tool-library", "import", str(tools), *common]) == 1
    err = capsys.readouterr().err
    assert '5mm_Endmill.fctb: parameter Diameter: "5 mmm" is not a length' in err
    assert "Default.fctl: tool 8: bit probe.fctb was not sent" in err
    # The set would change too (two members lose their bit): a change the files may not make.
    assert "Default.fctl: Default: FreeCAD files carry no export marker" in err
    assert "Default.fctl: nothing written: 3 errors" in err

    (tools / "Bit/5mm_Endmill.fctb").write_bytes(b'{"name": "\xff"}')
    assert main(["tool-library", "import", str(tools), *common]) == 1
    assert "5mm_Endmill.fctb: line 1: not UTF-8 (byte 10 of the file)" in capsys.readouterr().err
    assert main(["tool-library", "export", str(exported), "--tool-set", str(uuid.uuid4()), *common]) == 1
    assert "no ToolSet with id" in capsys.readouterr().err


def head_cursor(database_url: str) -> str:
    """A cursor at the end of the change log now, as changesSince's endCursor would be."""

    async def head() -> int:
        engine = create_engine(database_url)
        try:
            return await log_head(Runtime(session_factory(engine), make_settings(database_url)))
        finally:
            await engine.dispose()

    return cursor.encode(asyncio.run(head()))


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_changed_bit_needs_since_or_overwrite(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    monkeypatch.setenv("SMOOTH_BCRYPT_ROUNDS", "4")
    user = console_user(capsys, "cam")
    tools = tmp_path / "Tools"
    shutil.copytree(DATA / "Bit", tools / "Bit")
    shutil.copytree(DATA / "Library", tools / "Library")
    argv = ["tool-library", "import", str(tools), "--format", "freecad", "--user", user]
    assert main(argv) == 0
    since = head_cursor(database_url)
    drill = tools / "Bit/5mm_Drill.fctb"
    drill.write_text(drill.read_text(encoding="utf-8").replace("119.0000", "118.0000"), encoding="utf-8")
    capsys.readouterr()

    assert main([*argv, "--dry-run"]) == 1  # the plan, with the refusal
    err = capsys.readouterr().err
    assert "  5mm_Drill.fctb: geometry: " in err
    assert (
        "smooth-gql tool-library import: 5mm_Drill.fctb: 5mm Drill: FreeCAD files carry no export "
        "marker, so an edit made since the export cannot be told apart (now version 1); pass since "
        "(the changesSince endCursor taken before the export) or overwrite to let the files win"
    ) in err
    assert main(argv) == 1
    assert "Default.fctl: nothing written: 1 errors" in capsys.readouterr().err
    assert main([*argv, "--since", since, "--overwrite"]) == 1
    assert "overwrite: not with since" in capsys.readouterr().err

    assert main([*argv, "--since", since]) == 0
    assert ": unchanged 9, update 1\n" in capsys.readouterr().out
    # That import is an edit after `since` too: the same cursor refuses the next change.
    drill.write_text(drill.read_text(encoding="utf-8").replace("118.0000", "117.0000"), encoding="utf-8")
    assert main([*argv, "--since", since]) == 1
    assert "5mm Drill: changed since the export these files came from" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0
    assert ": unchanged 9, update 1\n" in capsys.readouterr().out
