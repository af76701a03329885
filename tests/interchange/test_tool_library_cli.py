"""`smooth-gql tool-library import|export --format freecad` on SQLite and PostgreSQL (issue 16)."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest

from conftest import BACKENDS
from smooth_gql.cli import main
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
    assert "Default.fctl: nothing written: 2 errors" in err

    (tools / "Bit/5mm_Endmill.fctb").write_bytes(b'{"name": "\xff"}')
    assert main(["tool-library", "import", str(tools), *common]) == 1
    assert "5mm_Endmill.fctb: line 1: not UTF-8 (byte 10 of the file)" in capsys.readouterr().err
    assert main(["tool-library", "export", str(exported), "--tool-set", str(uuid.uuid4()), *common]) == 1
    assert "no ToolSet with id" in capsys.readouterr().err
