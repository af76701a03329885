"""The backup document (contract §9.1, extended): its envelope, its lists in order, its checks.

The eight lists of the contract come first, in its order (the six tool lists
in `entity_lists.py`), then the extension lists (`table_lists.py`). The
envelope is checked in the contract's order (§9.2 steps 2-3) before any row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..db.migrate import alembic_config
from .entity_lists import ENTITY_LISTS
from .errors import IncompatibleBackup, InvalidBackup

FORMAT_VERSION = "0.2.1"  # major 0: legacy tools accept it (contract §9.2 step 3)
SUPPORTED_MAJOR = "0"
USER, ADMIN = "user", "admin"

# Document order: the contract's eight lists in its order, then the extension lists.
LIST_KEYS: tuple[str, ...] = (
    "users",
    *(e.key for e in ENTITY_LISTS),
    "api_keys",
    "assembly_components",
    "tool_set_instances",
    "tool_set_presets",
    "tool_set_versions",
    "audit_log",
)


def parse_json(data: bytes | str) -> Any:
    """The JSON of an uploaded file, or the contract's `Invalid JSON` error."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise InvalidBackup(f"Invalid JSON: {error}") from None


def known_revisions() -> tuple[dict[str, int], str]:
    """Every Alembic revision this code knows, numbered from the oldest, and the head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    newest_first = [rev.revision for rev in script.walk_revisions()]
    order = {rev: i for i, rev in enumerate(reversed(newest_first))}
    head = script.get_current_head()
    assert head is not None
    return order, head


@dataclass(frozen=True)
class Metadata:
    version: str
    backup_type: str  # USER or ADMIN (a document without one is a full backup, as upstream)
    schema_revision: str | None
    change_log_position: int


def check_document(document: Any, known_revisions: Mapping[str, int], head: str) -> Metadata:
    """The document's envelope, in the contract's order of checks (§9.2 steps 2-3)."""
    if not isinstance(document, Mapping) or "metadata" not in document or "entities" not in document:
        raise InvalidBackup("Backup missing required keys: metadata, entities")
    meta, entities = document["metadata"], document["entities"]
    if not isinstance(meta, Mapping):
        raise InvalidBackup("metadata: expected an object")
    if not isinstance(entities, Mapping):
        raise InvalidBackup("entities: expected an object")
    version = _version(meta)
    backup_type = meta.get("backup_type", ADMIN)
    if backup_type not in (USER, ADMIN):
        raise InvalidBackup(f"metadata.backup_type: expected 'user' or 'admin', got {backup_type!r}")
    revision = _revision(meta, known_revisions, head)
    position = meta.get("change_log_position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise InvalidBackup("metadata.change_log_position: expected a whole number ≥ 0")
    for key, value in entities.items():
        if key in LIST_KEYS and not isinstance(value, list):
            raise InvalidBackup(f"entities.{key}: expected a list")
    return Metadata(version, str(backup_type), revision, position)


def _version(meta: Mapping[str, Any]) -> str:
    """The format version; a major this server does not read is a version error."""
    version = meta.get("version")
    if version is None or version == "":
        raise InvalidBackup("Backup missing version in metadata")
    if not isinstance(version, str):
        raise InvalidBackup(f"metadata.version: expected a string such as {FORMAT_VERSION!r}")
    if version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise IncompatibleBackup(f"Incompatible backup version: {version}")
    return version


def _revision(meta: Mapping[str, Any], known_revisions: Mapping[str, int], head: str) -> str | None:
    """The schema revision the backup was written at: one this code knows, or none given."""
    revision = meta.get("schema_revision")
    if revision is None:
        return None
    if not isinstance(revision, str):
        raise InvalidBackup("metadata.schema_revision: expected a string")
    if revision not in known_revisions:
        raise IncompatibleBackup(
            f"the backup was written at schema revision {revision!r}, which this server does not know "
            f"(its newest is {head!r}): upgrade smooth-gql before restoring it"
        )
    if known_revisions[revision] > known_revisions[head]:  # pragma: no cover - head is newest
        raise IncompatibleBackup(f"schema revision {revision!r} is newer than this database's {head!r}")
    return revision
