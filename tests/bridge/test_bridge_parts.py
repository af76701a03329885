"""The bridge's pure parts in process: request lines, field merges, the journal file, the table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from smooth_gql.interchange.linuxcnc import parse_line
from smooth_gql_linuxcnc import protocol
from smooth_gql_linuxcnc.rows import already_applied, changed_fields, update_input
from smooth_gql_linuxcnc.store import Journal
from smooth_gql_linuxcnc.table import Table

PRESET = {
    "id": "p1",
    "version": 4,
    "machineId": "mill-1",
    "toolNumber": 10,
    "pocket": 10,
    "offsets": {"z": 50.0, "probe": "kept"},
    "parameters": {"diameter": 6.0, "tableOrder": 0},
    "orientation": None,
    "description": "drill",
}


def test_request_lines() -> None:
    assert protocol.parse_command("g") == protocol.Get()
    assert protocol.parse_command("l T10 P0") == protocol.Load(10, 0)
    assert protocol.parse_command("u T0 P0") == protocol.Unload(0, 0)
    put = protocol.parse_command("p T10 P1 D+3.000000 X0 Y0 Z+1.234000 A0 B0 C0 U0 V0 W0 I0 J0 Q0")
    assert isinstance(put, protocol.Put) and put.line.offsets["Z"] == 1.234
    for bad, reason in [
        ("q", "unknown request 'q'"),
        ("l T10 P0 Z1", "expected T<tool> P<pocket>"),
        ("u P0", "missing T (tool number)"),
        ("p", "p: no tool line"),
        ("p T1 P1 K2", "p: K2 unknown word (expected T, P, X Y Z A B C U V W, D, I, J or Q)"),
    ]:
        with pytest.raises(protocol.ProtocolError) as error:
            protocol.parse_command(bad)
        assert str(error.value) == reason


def test_the_operator_changes_only_what_differs_and_never_the_pocket() -> None:
    before = parse_line("T10 P10 D6 Z50", 1)
    after = parse_line("T10 P1 D6 Z1.234 X0.5", 1)
    assert before is not None and after is not None
    assert changed_fields(before, after) == {"offsets.x": 0.5, "offsets.z": 1.234}
    cleared = parse_line("T10 P10 Z50", 1)
    assert cleared is not None
    assert changed_fields(before, cleared) == {"parameters.diameter": None}


def test_fields_go_on_top_of_a_newer_row_keeping_its_other_keys() -> None:
    fields = {"offsets.z": 1.234, "parameters.diameter": None}
    assert update_input(PRESET, fields, 4) == {
        "id": "p1",
        "expectedVersion": 4,
        "offsets": {"z": 1.234, "probe": "kept"},
        "parameters": {"tableOrder": 0},
    }
    assert not already_applied(PRESET, fields)
    assert already_applied({**PRESET, "offsets": {"z": 1.234}, "parameters": {}}, fields)


def test_the_journal_keeps_pending_entries_and_drops_only_a_cut_off_last_line(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.add({"id": "a", "kind": "load"})
    journal.add({"id": "b", "kind": "unload"})
    journal.settle(journal.pending[0])
    journal.close()
    with open(path, "ab") as handle:
        handle.write(b'{"id": "c", "ki')  # a crash in the middle of an append
    again = Journal(path)
    assert [entry["id"] for entry in again.pending] == ["b"]
    again.settle(again.pending[0])
    again.close()
    assert path.read_bytes() == b""


def test_a_corrupt_journal_is_moved_aside_not_half_read(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b'{"id": "a", "kind": "load"}\n[1, 2\n{"id": "b", "kind": "load"}\n')
    journal = Journal(path)
    journal.close()
    assert journal.pending == []
    assert len(list(tmp_path.glob("journal.jsonl.corrupt-*"))) == 1


def test_the_table_takes_newer_versions_of_its_machine_and_shows_pending_offsets(tmp_path: Path) -> None:
    table = Table(tmp_path / "presets.json", "mill-1")
    table.replace([PRESET, {**PRESET, "id": "other", "machineId": "mill-2"}])
    assert list(table.presets) == ["p1"]
    assert not table.apply("p1", {**PRESET, "version": 3, "offsets": {"z": 1.0}})
    assert table.apply("p1", {**PRESET, "version": 5, "offsets": {"z": 2.0}})
    assert [s.text for s in table.lines([])] == ["T10  P10  D+6.000000 Z+2.000000 ;drill"]
    pending = [{"kind": "offset", "presetId": "p1", "fields": {"offsets.z": 3.0}}]
    assert [s.text for s in table.lines(pending)] == ["T10  P10  D+6.000000 Z+3.000000 ;drill"]
    assert table.apply("p1", None) and table.lines([]) == []
    table.save()
    assert Table(tmp_path / "presets.json", "mill-1").presets == {}
    assert Table(tmp_path / "presets.json", "mill-2").cursor is None  # another machine's cache: unused


def test_the_bridge_loads_nothing_of_the_server_but_the_line_code() -> None:
    """Issue 17: a client of the public API that shares only the `tool.tbl` line code."""
    code = "import sys, smooth_gql_linuxcnc.cli; print(sorted(m for m in sys.modules if m.startswith('smooth_gql.') or m == 'smooth_gql'))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == str(
        [
            "smooth_gql",
            "smooth_gql.interchange",
            "smooth_gql.interchange.linuxcnc",
            "smooth_gql.interchange.preset_lines",
        ]
    )
