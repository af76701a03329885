"""Exports carry their export marker (smooth_gql/interchange/provenance.py). These take it off,
so a test can compare an export with LinuxCNC's own writer, or with another account's export,
after checking that it is there."""

from __future__ import annotations

import csv
import io
import re

from smooth_gql.changes import cursor


def table_marker(text: str) -> str:
    """The cursor on the first line of an exported tool.tbl."""
    first = text.partition("\n")[0]
    found = re.fullmatch(r"; smooth-gql export (\S+)", first)
    assert found, f"no export marker first: {first!r}"
    cursor.decode(found.group(1))  # a real cursor
    return found.group(1)


def table_body(text: str) -> str:
    """An exported tool.tbl without its marker line: what LinuxCNC itself would write."""
    table_marker(text)
    return text.partition("\n")[2]


def csv_without_cursor(text: str) -> str:
    """An exported CSV without its last column, exportCursor (present, and set on every row)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][-1] == "exportCursor", rows[0]
    for row in rows[1:]:
        cursor.decode(row[-1])
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(row[:-1] for row in rows)
    return out.getvalue()
