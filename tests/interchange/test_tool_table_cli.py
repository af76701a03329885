"""`smooth-gql tool-table import|export` on SQLite and PostgreSQL (issue 16)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from smooth_gql.cli import main
from support.console import console_user
from support.export_marker import csv_without_cursor, table_body

DATA = Path(__file__).parent / "data" / "linuxcnc"
SAMPLE = DATA / "samples/sim/axis/simpockets.tbl"
PROG = "smooth-gql tool-table"


@dataclass
class Shop:
    """A console account and a machine of its own; `run` is one `tool-table` command."""

    user: str
    machine: str
    capsys: pytest.CaptureFixture[str]
    tmp_path: Path

    def run(self, *argv: str, user: str | None = None) -> tuple[int, str, str]:
        code = main(["tool-table", *argv, "--machine", self.machine, "--user", user or self.user])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def file(self, name: str, text: str) -> str:
        path = self.tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)


@pytest.fixture
def shop(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Shop:
    monkeypatch.setenv("SMOOTH_DATABASE_URL", database_url)
    monkeypatch.setenv("SMOOTH_BCRYPT_ROUNDS", "4")
    return Shop(console_user(capsys, "toolroom"), f"mill-{uuid.uuid4().hex[:6]}", capsys, tmp_path)


def test_an_export_is_linuxcncs_own_table_after_its_marker(shop: Shop) -> None:
    code, out, _ = shop.run("import", str(SAMPLE), "--format", "linuxcnc")
    assert code == 0 and out == f"imported into {shop.machine}: create 16\n"
    path = shop.tmp_path / "tool.tbl"
    assert shop.run("export", str(path), "--format", "linuxcnc") == (0, f"wrote {path}: 16 tools\n", "")
    written = (DATA / "written-by-linuxcnc/sim/axis/simpockets.tbl").read_text(encoding="utf-8")
    assert table_body(path.read_text(encoding="utf-8")) == written
    code, out, err = shop.run("export", "-", "--format", "linuxcnc")  # stdout is the data alone
    assert (code, err) == (0, "") and out == path.read_text(encoding="utf-8")


def test_a_dry_run_prints_the_plan_and_writes_nothing(shop: Shop) -> None:
    assert shop.run("import", str(SAMPLE), "--format", "linuxcnc")[0] == 0
    table = shop.run("export", "-", "--format", "linuxcnc")[1]
    edited = shop.file("edited.tbl", table.replace("Z-3.406343", "Z-3.5"))
    code, out, err = shop.run("import", edited, "--format", "linuxcnc", "--dry-run")
    assert code == 0 and out == "dry run, nothing written: unchanged 15, update 1\n"
    assert "  T10: offsets.z: -3.406343 -> -3.5\n" in err
    assert shop.run("export", "-", "--format", "linuxcnc")[1] == table  # the dry run wrote nothing


def test_bad_files_and_accounts_are_refused_in_one_line(shop: Shop) -> None:
    assert shop.run("import", str(SAMPLE), "--format", "linuxcnc")[0] == 0
    bad = shop.file("bad.tbl", "T1 P1\nT2 P2\nT3 P3\nT4 P4\nT5 P5\nT6 P6\nT7 P7 Q12\nT1 P8\n")
    code, _, err = shop.run("import", bad, "--format", "linuxcnc", "--overwrite")
    assert code == 1 and err.endswith(
        f"{PROG} import: line 7: Q12: orientation must be 0–9\n"
        f"{PROG} import: line 8: duplicate tool number T1 (also line 1)\n"
        "nothing written: 2 errors\n"
    )
    latin1 = shop.tmp_path / "latin1.tbl"
    latin1.write_bytes("T1 P1\nT2 P2 ;Fräser\n".encode("latin-1"))
    code, _, err = shop.run("import", str(latin1), "--format", "linuxcnc")
    assert code == 1 and err == f"{PROG} import: {latin1}: line 2: not UTF-8 (byte 15 of the file)\n"
    code, _, err = shop.run("import", str(shop.tmp_path / "nope.tbl"), "--format", "linuxcnc")
    assert code == 1 and "No such file or directory" in err
    code, _, err = shop.run("export", "-", "--format", "csv", user="x@example.com")
    assert code == 1 and err == f"{PROG} export: user: no active account x@example.com\n"


def test_csv_into_another_account_exports_the_same_rows(shop: Shop) -> None:
    assert shop.run("import", str(SAMPLE), "--format", "linuxcnc")[0] == 0
    sheet, copy = shop.tmp_path / "presets.csv", shop.tmp_path / "copy.csv"
    assert shop.run("export", str(sheet), "--format", "csv") == (0, f"wrote {sheet}: 16 tools\n", "")
    other = console_user(shop.capsys, "toolroom")
    assert shop.run("import", str(sheet), "--format", "csv", user=other)[0] == 0
    assert shop.run("export", str(copy), "--format", "csv", user=other)[0] == 0
    copied, original = (csv_without_cursor(f.read_bytes().decode()) for f in (copy, sheet))
    assert copied == original


def test_a_hand_written_replace_needs_overwrite(shop: Shop) -> None:
    assert shop.run("import", str(SAMPLE), "--format", "linuxcnc")[0] == 0
    short = shop.file("short.tbl", "T1 P7 D0.75 Z-5.319396 ;3/4 roughing\n")
    argv = ["import", short, "--format", "linuxcnc", "--mode", "replace", "--units", "inch"]
    code, _, err = shop.run(*argv)
    assert code == 1
    assert f"{PROG} import: line 1: T1: the file has no export marker" in err
    assert f"{PROG} import: T2: the file has no export marker" in err
    assert err.endswith("nothing written: 16 errors\n")
    code, out, _ = shop.run(*argv, "--overwrite")
    assert code == 0 and out == f"imported into {shop.machine}: delete 15, update 1\n"
    table = shop.run("export", "-", "--format", "linuxcnc")[1]
    assert table_body(table) == "T1   P7   D+0.750000 Z-5.319396 ;3/4 roughing\n"


def test_import_progress_goes_to_stderr_by_phase(shop: Shop) -> None:
    big = shop.file("big.tbl", "".join(f"T{n} P{n} D{n % 9 + 1} ;tool {n}\n" for n in range(1, 401)))
    code, out, err = shop.run("import", big, "--format", "linuxcnc")
    assert code == 0 and out == f"imported into {shop.machine}: create 400\n"  # stdout: the outcome only
    assert err.splitlines() == [
        f"{PROG}: read {Path(big).stat().st_size} characters from {big}",
        f"{PROG}: parse: 400 tools, 0 errors",
        f"{PROG}: read: 0 presets on {shop.machine}",
        f"{PROG}: plan: 400 steps: create 400",
        f"{PROG}: write: 400 created",
    ]
    table = shop.run("export", "-", "--format", "linuxcnc")[1]
    edited = table.replace(";tool 7\n", ";tool 7 reground\n")
    edited = "".join(line for line in edited.splitlines(keepends=True) if not line.startswith("T400 "))
    code, out, err = shop.run(
        "import", shop.file("tool.tbl", edited), "--mode", "replace", "--format", "linuxcnc"
    )
    assert code == 0 and out == f"imported into {shop.machine}: delete 1, unchanged 398, update 1\n"
    assert err.splitlines()[1:] == [
        f"{PROG}: parse: 399 tools, 0 errors",
        f"{PROG}: read: 400 presets on {shop.machine}",
        f"{PROG}: plan: 400 steps: delete 1, unchanged 398, update 1",
        f"{PROG}: write: 1 updated",
        f"{PROG}: write: 1 deleted",
        "  T7: description: tool 7 -> tool 7 reground",
    ]
