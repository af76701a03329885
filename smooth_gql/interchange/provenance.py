"""Where an imported file came from, and the rule that keeps an import from overwriting an edit
it never saw.

Every export carries the change-feed cursor taken before its rows were read (its *marker*):

- `tool.tbl`: a comment line `; smooth-gql export <cursor>` first. LinuxCNC reads a line whose
  first character is `;` as a comment and ignores it.
- CSV (presets, catalog items): a last column `exportCursor` holding the cursor on every row.
  A column and not a comment row above the header, because spreadsheets keep a column through
  everything a tool room does (sort, filter, copy rows into another sheet, save as CSV), while a
  row above the header breaks their header detection, gets sorted into the data, and is saved
  back padded with commas. A row typed in by hand leaves the cell empty; rows pasted from two
  exports carry two cursors, and the oldest counts for the whole file (never too few conflicts).

An import takes its *basis* from, in this order: an explicit `since` cursor; `overwrite`; the
file's marker (the oldest, if there are several). With a basis, a row the file would change or
delete that was changed after it is a per-row VERSION_CONFLICT carrying the row's current
version and values. Rows edited between the import's own read and its write are caught anyway:
every update and delete carries the version the plan read.

A file with no marker (written by hand, or a `tool.tbl` LinuxCNC rewrote: its writer drops
comment lines after G10 L1/L10/L11) cannot tell its own edits from someone else's. Such an
import may create rows, but every row it would change or delete is refused the same way (a
VERSION_CONFLICT naming the missing marker) unless the caller says `overwrite: true` (CLI
`--overwrite`): the shop decides, in so many words, that the file wins. Never a silent
overwrite, and still a plan to look at first (the refusals are per row, dry runs show them).

A FreeCAD library (`.fctl` + `.fctb`) can carry no marker at all (FreeCAD rewrites its files and
drops keys it does not know), so its imports are always marker-less: `since` (changesSince's
endCursor, taken before the export) or `overwrite` is how such an import may change a row.
The rule (`refused`) is the same for every format; each format words it (`refusal` for the
files that carry a marker).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ..auth.principal import Principal
from ..changes import cursor, feed
from ..changes.tail import log_head
from ..enums import EntityType
from ..errors import BadInput, LimitExceeded
from ..runtime import Runtime
from ..services.journal import log_floor

_TABLE_MARKER = re.compile(r";[ \t]*smooth-gql export(?:[ \t]+(\S*))?[ \t]*\r?\Z")


def table_marker(export_cursor: str) -> str:
    """The comment line that opens an exported `tool.tbl`."""
    return f"; smooth-gql export {export_cursor}\n"


def table_markers(text: str) -> list[tuple[int, str]]:
    """The marker lines of a `tool.tbl`: (line number, cursor text)."""
    found: list[tuple[int, str]] = []
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        match = _TABLE_MARKER.match(line.lstrip(" \t"))
        if match:
            found.append((number, match.group(1) or ""))
    return found


@dataclass(frozen=True)
class Basis:
    """The state of the data a file was made from, as far as the import knows it."""

    seq: int | None  # the change-log seq of the export (or of `since`); None: not known
    overwrite: bool = False  # the caller lets the file win over edits it never saw
    marked: bool = False  # the seq came from the file's own marker (else from `since`)

    @property
    def blind(self) -> bool:
        """No marker, no `since`, no `overwrite`: a change to an existing row cannot be trusted."""
        return self.seq is None and not self.overwrite


@dataclass(frozen=True)
class MarkerError:
    line: int
    message: str  # names the line: 'line 1: export marker: ...'


def basis(
    markers: Sequence[tuple[int, str]], *, since: str | None, overwrite: bool, label: str
) -> tuple[Basis, list[MarkerError]]:
    """The import's basis; a marker that is not a cursor is an error on its line (`label` is how
    that line's entry is named: "export marker", "exportCursor")."""
    if since is not None and overwrite:
        raise BadInput("not with since (since checks for edits, overwrite skips it)", field="overwrite")
    if since is not None:
        try:
            return Basis(cursor.decode(since)), []
        except BadInput:
            raise BadInput(
                "not a change-feed cursor (take changesSince's endCursor)", field="since"
            ) from None
    if overwrite:
        return Basis(None, overwrite=True), []
    seqs: list[int] = []
    errors: list[MarkerError] = []
    for line, text in markers:
        try:
            seqs.append(cursor.decode(text))
        except BadInput:
            errors.append(
                MarkerError(line, f"line {line}: {label}: not a cursor smooth-gql wrote; export again")
            )
    return Basis(min(seqs) if seqs else None, marked=bool(seqs)), errors


async def export_cursor(runtime: Runtime, principal: Principal, entities: Sequence[EntityType]) -> str:
    """The cursor an export carries, taken before its rows are read: an edit that lands in
    between counts as "after the export" (a conflict too many, never one too few)."""
    head = await feed.visible_head(runtime, principal, entities)
    async with runtime.sessions() as session:
        # Never below the floor, or the import would refuse its own file as expired.
        return cursor.encode(max(head, await log_floor(session)))


async def edited(
    runtime: Runtime, principal: Principal, basis: Basis, entities: Sequence[EntityType]
) -> set[str]:
    """Ids of the rows of `entities` changed after the basis (read page by page, bounded)."""
    if basis.seq is None:
        return set()
    field = "content" if basis.marked else "since"
    if basis.seq > await _log_end(runtime):
        # A cursor this log never handed out: the file came from another server, or from before
        # a restore. Its "changed since" would be empty, so the file would win unseen.
        raise BadInput(
            "the export is newer than this server's change log (a file from another "
            "server, or from before a restore); export again here, or pass overwrite",
            field=field,
        )
    start: int = basis.seq
    limit = runtime.settings.max_page_size
    found: set[str] = set()
    for _ in range(10_000):  # bounded: 10 million changes at the default page size
        try:
            page = await feed.read(runtime, principal, start, list(entities), limit)
        except feed.CursorExpired:
            raise feed.CursorExpired(
                f"{field}: the export is older than the retained change log; export again", field=field
            ) from None
        found.update(str(row["entity_id"]) for row in page.rows)
        if not page.has_more:
            return found
        start = page.end_seq
    raise LimitExceeded("too many changes since the export; export again", field=field)


async def _log_end(runtime: Runtime) -> int:
    """The newest seq this log has handed out in a cursor (the floor, after a restore)."""
    async with runtime.sessions() as session:
        floor = await log_floor(session)
    return max(floor, await log_head(runtime))


class Refused(Enum):
    """Why a change to an existing row must not be written."""

    UNMARKED = "no marker, no since, no overwrite: the file cannot tell its edits from others'"
    EDITED = "changed after the basis"


def refused(basis: Basis, edited_ids: set[str], row_id: str) -> Refused | None:
    """The one rule for every import that would change (or delete) the row `row_id`."""
    if basis.blind:
        return Refused.UNMARKED
    if row_id in edited_ids:
        return Refused.EDITED
    return None


def refusal(basis: Basis, edited_ids: set[str], row_id: str, version: int) -> str | None:
    """Why a change to the row `row_id` (now at `version`) must not be written, or None, in the
    words for a file that carries an export marker (a tool table, a CSV)."""
    why = refused(basis, edited_ids, row_id)
    if why is Refused.UNMARKED:
        return (
            f"the file has no export marker, so an edit made since it was written cannot be told "
            f"apart (now version {version}); export again, or pass overwrite to let the file win"
        )
    if why is Refused.EDITED:
        return (
            f"changed since the export this file came from (now version {version}); "
            "export again and redo the edit"
        )
    return None
