"""GraphQL shapes of backup and restore (the document itself is the contract's JSON)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="What a backup holds.")
class BackupScope(Enum):
    USER = strawberry.enum_value("USER", description="The caller's own rows, without hashes.")
    ALL = strawberry.enum_value("ALL", description="Every account, hashes included (admins).")


@strawberry.type(description="What an importBackup did.")
class BackupRestoreResult:
    success: bool
    restored_count: int = strawberry.field(description="Rows inserted from the document, every list.")
    removed_count: int = strawberry.field(description="Tool rows that existed and were not in it.")
    backup_type: str = strawberry.field(description='"user" or "admin".')
    change_log_position: int = strawberry.field(
        description="The change-log position after the restore (the cursor of its last change)."
    )
