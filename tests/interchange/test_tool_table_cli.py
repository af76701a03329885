"""`smooth-gql tool-table import|export` on SQLite and PostgreSQL (issue 16)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from conftest import BACKENDS
from smooth_gql.cli import main
from support.console import console_user
from support.export_marker import csv_without_cursor, table_body

DATA = Path(__file__).parent / "data" / "linuxcnc"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_import_export_dry_run_and_bad_files(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    monkeypatch.setenv("SMOOTH_BCRYPT_ROUNDS", "4")
    user, other = console_user(capsys, "toolroom"), console_user(capsys, "toolroom")
    machine = f"mill-{uuid.uuid4().hex[:6]}"
    sample = DATA / "samples/sim/axis/simpockets.tbl"
    common = ["--machine", machine, "--user", user]

    assert main(["tool-table", "import", str(sample), "--format", "linuxcnc", *common]) == 0
    assert "imported into" in capsys.readouterr().out
    out = tmp_path / "tool.tbl"
    assert main(["tool-table", "export", str(out), "--format", "linuxcnc", *common]) == 0
    assert capsys.readouterr().out == f"wrote {out}: 16 tools\n"
    assert table_body(out.read_text(encoding="utf-8")) == (
        DATA / "written-by-linuxcnc/sim/axis/simpockets.tbl"
    ).read_text(encoding="utf-8")

    edited = tmp_path / "edited.tbl"
    edited.write_text(out.read_text(encoding="utf-8").replace("Z-3.406343", "Z-3.5"), encoding="utf-8")
    capsys.readouterr()
    assert main(["tool-table", "import", str(edited), "--format", "linuxcnc", "--dry-run", *common]) == 0
    captured = capsys.readouterr()
    assert "dry run, nothing written: unchanged 15, update 1" in captured.out
    assert "T10: offsets.z: -3.406343 -> -3.5" in captured.err
    assert main(["tool-table", "export", "-", "--format", "linuxcnc", *common]) == 0
    assert "Z-3.406343" in capsys.readouterr().out  # the dry run wrote nothing

    bad = tmp_path / "bad.tbl"
    bad.write_text("T1 P1\nT2 P2\nT3 P3\nT4 P4\nT5 P5\nT6 P6\nT7 P7 Q12\nT1 P8\n", encoding="utf-8")
    assert main(["tool-table", "import", str(bad), "--format", "linuxcnc", "--overwrite", *common]) == 1
    err = capsys.readouterr().err
    assert "line 7: Q12: orientation must be 0–9" in err
    assert "line 8: duplicate tool number T1 (also line 1)" in err
    assert "nothing written: 2 errors" in err
    latin1 = tmp_path / "latin1.tbl"
    latin1.write_bytes("T1 P1\nT2 P2 ;Fräser\n".encode("latin-1"))
    assert main(["tool-table", "import", str(latin1), "--format", "linuxcnc", *common]) == 1
    assert f"{latin1}: line 2: not UTF-8 (byte 15 of the file)" in capsys.readouterr().err
    assert main(["tool-table", "import", str(tmp_path / "nope.tbl"), "--format", "linuxcnc", *common]) == 1
    assert "No such file or directory" in capsys.readouterr().err
    argv = [
        "tool-table",
        "export",
        str(out),
        "--format",
        "csv",
        "--machine",
        machine,
        "--user",
        "x@example.com",
    ]
    assert main(argv) == 1
    assert "user: no active account x@example.com" in capsys.readouterr().err

    # CSV: export, import as another account (empty), export again: identical.
    sheet, copy = tmp_path / "presets.csv", tmp_path / "copy.csv"
    assert main(["tool-table", "export", str(sheet), "--format", "csv", *common]) == 0
    assert capsys.readouterr().out == f"wrote {sheet}: 16 tools\n"
    theirs = ["--machine", machine, "--user", other]
    assert main(["tool-table", "import", str(sheet), "--format", "csv", *theirs]) == 0
    assert main(["tool-table", "export", str(copy), "--format", "csv", *theirs]) == 0
    copied, original = (csv_without_cursor(f.read_bytes().decode()) for f in (copy, sheet))
    assert copied == original

    # REPLACE from the console, with units recorded.
    short = tmp_path / "short.tbl"
    short.write_text("T1 P7 D0.75 Z-5.319396 ;3/4 roughing\n", encoding="utf-8")
    capsys.readouterr()
    argv = [
        "tool-table",
        "import",
        str(short),
        "--format",
        "linuxcnc",
        "--mode",
        "replace",
        "--units",
        "inch",
    ]
    assert main([*argv, *common]) == 1  # written by hand: no export marker
    captured = capsys.readouterr()
    assert "line 1: T1: the file has no export marker" in captured.err
    assert "T2: the file has no export marker" in captured.err
    assert "nothing written: 16 errors" in captured.err
    assert main([*argv, "--overwrite", *common]) == 0
    assert "delete 15, update 1" in capsys.readouterr().out
    assert main(["tool-table", "export", "-", "--format", "linuxcnc", *common]) == 0
    assert table_body(capsys.readouterr().out) == "T1   P7   D+0.750000 Z-5.319396 ;3/4 roughing\n"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_import_progress_goes_to_stderr_by_phase(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    monkeypatch.setenv("SMOOTH_BCRYPT_ROUNDS", "4")
    user = console_user(capsys, "toolroom")
    machine = f"mill-{uuid.uuid4().hex[:6]}"
    common = ["--machine", machine, "--user", user, "--format", "linuxcnc"]
    big = tmp_path / "big.tbl"
    big.write_text("".join(f"T{n} P{n} D{n % 9 + 1} ;tool {n}\n" for n in range(1, 401)), encoding="utf-8")
    assert main(["tool-table", "import", str(big), *common]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"imported into {machine}: create 400\n"  # stdout: the outcome only
    prog = "smooth-gql tool-table"
    assert captured.err.splitlines() == [
        f"{prog}: read {big.stat().st_size} characters from {big}",
        f"{prog}: parse: 400 tools, 0 errors",
        f"{prog}: read: 0 presets on {machine}",
        f"{prog}: plan: 400 steps: create 400",
        f"{prog}: write: 400 created",
    ]
    table = tmp_path / "tool.tbl"
    assert main(["tool-table", "export", str(table), *common]) == 0
    capsys.readouterr()
    edited = table.read_text(encoding="utf-8").replace(";tool 7\n", ";tool 7 reground\n")
    edited = "".join(line for line in edited.splitlines(keepends=True) if not line.startswith("T400 "))
    table.write_text(edited, encoding="utf-8")
    assert main(["tool-table", "import", str(table), "--mode", "replace", *common]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines()[1:] == [
        f"{prog}: parse: 399 tools, 0 errors",
        f"{prog}: read: 400 presets on {machine}",
        f"{prog}: plan: 400 steps: delete 1, unchanged 398, update 1",
        f"{prog}: write: 1 updated",
        f"{prog}: write: 1 deleted",
        "  T7: description: tool 7 -> tool 7 reground",
    ]
    # Exported to stdout, the data is all stdout holds: progress never mixes in.
    assert main(["tool-table", "export", "-", *common]) == 0
    captured = capsys.readouterr()
    assert table_body(captured.out).count("\n") == 399 and captured.err == ""
