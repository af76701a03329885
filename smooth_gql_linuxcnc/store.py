"""The cache directory: the presets cache (`presets.json`) and the write journal (`journal.jsonl`).

The cache is a copy of the server's rows, rewritten whole (temporary file, fsync, rename), so
a reader sees the old file or the new one. The journal is append-only: one JSON object a line,
fsync'd before LinuxCNC is told `FINI`; an entry is settled by a later `{"done": id}` line, and
the file is emptied (by rename) once nothing is pending. A file that does not parse is moved
aside (`<name>.corrupt-<time>`) and reported, never half-read — bar a journal's last line
without its newline: that append was cut off by a crash before its fsync returned, so LinuxCNC
was never told it was stored, and it is dropped (and reported).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("smooth_gql_linuxcnc")

Entry = dict[str, Any]


def _move_aside(path: Path, why: str) -> None:
    target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
    path.rename(target)
    log.error("%s is corrupt (%s); moved aside to %s", path, why, target.name)


def _write_whole(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def load_cache(path: Path) -> dict[str, Any] | None:
    """The saved cache, or None (none yet, or corrupt and moved aside)."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError) as error:
        _move_aside(path, str(error))
        return None
    if not isinstance(data, dict) or not isinstance(data.get("presets"), dict):
        _move_aside(path, "not a presets cache")
        return None
    return data


def save_cache(path: Path, data: dict[str, Any]) -> None:
    _write_whole(path, json.dumps(data, separators=(",", ":")).encode())


class Journal:
    """Writes LinuxCNC reported, kept until the server has them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending: list[Entry] = self._read()
        self._handle = open(path, "ab")  # noqa: SIM115 - held open for appends for the bridge's life

    def _read(self) -> list[Entry]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        lines = raw.split(b"\n")
        if lines[-1]:
            log.error("%s: dropped a cut-off last line (a write never acknowledged)", self.path)
            _write_whole(self.path, b"\n".join(lines[:-1]) + (b"\n" if len(lines) > 1 else b""))
        entries: dict[str, Entry] = {}
        try:
            for line in lines[:-1]:
                entry = json.loads(line)
                if "done" in entry:
                    entries.pop(entry["done"], None)
                else:
                    entries[entry["id"]] = entry
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
            _move_aside(self.path, f"{type(error).__name__}: {error}")
            return []
        return list(entries.values())

    def _append(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def add(self, entry: Entry) -> None:
        """Stored on disk when this returns: only then may LinuxCNC get its `FINI`."""
        self._append(entry)
        self.pending.append(entry)

    def settle(self, entry: Entry, failure: str | None = None) -> None:
        self._append({"done": entry["id"], **({"failed": failure} if failure else {})})
        self.pending.remove(entry)
        if not self.pending:
            self._handle.close()
            _write_whole(self.path, b"")
            self._handle = open(self.path, "ab")  # noqa: SIM115

    def close(self) -> None:
        self._handle.close()
