"""The access policy, written once: which rows a principal may read and write.

Services build every query through these functions, so a list, a lookup by id,
a DataLoader batch and the change feed cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Table, true

from ..enums import EntityType
from .principal import Principal

READ = "read"
WRITE_SCOPES: Mapping[EntityType, str] = {
    EntityType.TOOL_ITEM: "write:items",
    EntityType.TOOL_ASSEMBLY: "write:items",
    EntityType.TOOL_INSTANCE: "write:items",
    EntityType.TOOL_PRESET: "write:presets",
    EntityType.TOOL_USAGE: "write:usage",
    EntityType.TOOL_SET: "write:sets",
}


def row_filter(principal: Principal, table: Table, *, all_tenants: bool = False) -> ColumnElement[bool]:
    """SQL condition for the rows of `table` the principal may see.

    Admins reach every tenant only when they ask (`all_tenants`), so lists stay
    on their own library by default (DESIGN §5); everyone else is owner-only.
    """
    if principal.is_admin and all_tenants:
        return true()
    return table.c.owner_id == principal.user_id


def id_lookup_filter(principal: Principal, table: Table) -> ColumnElement[bool]:
    """By id an admin reaches any row; others only their own (foreign ids look missing)."""
    return row_filter(principal, table, all_tenants=True)


def row_visible(principal: Principal, row: Mapping[str, Any], *, all_tenants: bool = False) -> bool:
    """`row_filter` for a row already in memory (the change feed's shared buffer).

    Keep the two side by side and in step: tests/test_policy.py asks both the
    same questions and requires the same answers.
    """
    if principal.is_admin and all_tenants:
        return True
    return bool(row["owner_id"] == principal.user_id)
