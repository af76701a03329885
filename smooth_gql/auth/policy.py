"""The access policy, written once: who may call what, and which rows they reach.

Services build every query through `row_filter` / `id_lookup_filter`, so a
list, a count, a lookup by id, a DataLoader batch, the rows a write locks and
the change feed cannot disagree. Writes additionally ask `write_problem` about
the state a row would have afterwards, so a restricted key cannot move a row
out of its own reach (or create one outside it).

The rules (DESIGN §5, contract §0.1 and §13 without its bypasses):

- tenancy: everyone reaches their own rows; admins (sessions of admin users,
  and the local admin) reach every tenant by id and in the change feed, and
  in lists when they ask. API keys act for their owner only, whoever owns them.
- tags: a key with tags reaches only rows sharing at least one of them.
  Untagged rows are outside its reach (visible to it neither in lists nor by
  id), so a tagged key sees one consistent slice. Usage records carry no tags
  on the legacy wire (contract §13.1), so tags do not restrict them.
- machine: a key restricted to a machine reaches only the presets, usage
  records and tool sets of that machine; items, assemblies and instances are
  not machine-bound, so a bridge can still resolve what its presets point at.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, or_, true

from ..db import models
from ..db.queries import TagsOverlap
from ..enums import EntityType
from ..errors import FieldError, Forbidden, ItemErrorCode, Reason, Unauthenticated
from .principal import Principal, PrincipalKind

READ = "read"
WRITE_SCOPES: Mapping[EntityType, str] = {
    EntityType.TOOL_ITEM: "write:items",
    EntityType.TOOL_ASSEMBLY: "write:items",
    EntityType.TOOL_INSTANCE: "write:items",
    EntityType.TOOL_PRESET: "write:presets",
    EntityType.TOOL_USAGE: "write:usage",
    EntityType.TOOL_SET: "write:sets",
}
# An alternative grant for DELETE on one collection (contract §0.1 item 1); `write:*` does not
# grant these (§4.1: a wildcard covers its own family only), `delete:*` and `admin:*` do.
DELETE_SCOPES: Mapping[EntityType, str] = {
    EntityType.TOOL_ITEM: "delete:items",
    EntityType.TOOL_ASSEMBLY: "delete:assemblies",
    EntityType.TOOL_INSTANCE: "delete:instances",
    EntityType.TOOL_PRESET: "delete:presets",
    EntityType.TOOL_USAGE: "delete:usage",
    EntityType.TOOL_SET: "delete:sets",
}
MANAGE_KEYS = "admin:users"  # API-key management through a key (contract §4.1)
BACKUP = "admin:backup"
KNOWN_SCOPES: tuple[str, ...] = (
    READ,
    "write:items",
    "write:presets",
    "write:usage",
    "write:sets",
    "write:*",
    *dict.fromkeys(DELETE_SCOPES.values()),
    "delete:*",
    MANAGE_KEYS,
    BACKUP,
    "admin:*",
)


TAGGED: frozenset[EntityType] = frozenset(EntityType) - {EntityType.TOOL_USAGE}
MACHINE_BOUND: frozenset[EntityType] = frozenset(
    {EntityType.TOOL_PRESET, EntityType.TOOL_USAGE, EntityType.TOOL_SET}
)
_CHANGE_LOG = models.ChangeLog.__tablename__
_TABLES: Mapping[str, EntityType] = {
    models.ToolItem.__tablename__: EntityType.TOOL_ITEM,
    models.ToolAssembly.__tablename__: EntityType.TOOL_ASSEMBLY,
    models.ToolInstance.__tablename__: EntityType.TOOL_INSTANCE,
    models.ToolPreset.__tablename__: EntityType.TOOL_PRESET,
    models.ToolUsage.__tablename__: EntityType.TOOL_USAGE,
    models.ToolSet.__tablename__: EntityType.TOOL_SET,
}


# --- who may call what -----------------------------------------------------------------


def require_authenticated(principal: Principal) -> None:
    if principal.kind is PrincipalKind.INVALID:
        raise Unauthenticated(
            f"authentication failed: {principal.problem}", reason=Reason.CREDENTIALS_INVALID
        )
    if principal.kind is PrincipalKind.ANONYMOUS:
        raise Unauthenticated("authentication required: log in or send an API key")


def scope_refusal(scope: str) -> str:
    return f"required scope '{scope}' not granted"


def require(principal: Principal, scope: str) -> None:
    """Refuse unless the caller is authenticated and holds `scope` (sessions hold all)."""
    require_authenticated(principal)
    if not principal.has_scope(scope):
        raise Forbidden(scope_refusal(scope), reason=Reason.SCOPE_REQUIRED)


def require_any(principal: Principal, scopes: Sequence[str]) -> None:
    """Refuse unless the caller holds one of `scopes`; the refusal names the first (the usual one)."""
    require_authenticated(principal)
    if not any(principal.has_scope(scope) for scope in scopes):
        raise Forbidden(scope_refusal(scopes[0]), reason=Reason.SCOPE_REQUIRED)


def require_delete(principal: Principal, entity: EntityType) -> None:
    """DELETE on a collection: its write scope, or its `delete:<entity>` scope."""
    require_any(principal, (WRITE_SCOPES[entity], DELETE_SCOPES[entity]))


def require_admin(principal: Principal) -> None:
    """User administration: admin users in a session (or the local admin), never a key."""
    require_authenticated(principal)
    if principal.kind is PrincipalKind.API_KEY:
        raise Forbidden(
            "user administration needs an admin's session; API keys cannot administer users",
            reason=Reason.SESSION_REQUIRED,
        )
    if not principal.is_admin:
        raise Forbidden("only admins may administer users", reason=Reason.ADMIN_REQUIRED)


def require_unrestricted(principal: Principal, what: str) -> None:
    """Views that cannot be narrowed to tags or a machine are closed to keys that are."""
    if principal.is_restricted_key:
        raise Forbidden(
            f"{what} is not available to API keys restricted by tags or machine", reason=Reason.RESTRICTED_KEY
        )


# The receipt of a write: what a mutation hands back to any caller that may make it.
RECEIPT_FIELDS: frozenset[str] = frozenset({"id", "version"})


def reads_every_result(principal: Principal) -> bool:
    """Whether `result_field_problem` passes every field for this caller (a cheap question
    first, so the common caller's mutations are not walked at all)."""
    return not principal.is_authenticated or principal.has_scope(READ)


def result_field_problem(principal: Principal, field: str) -> str | None:
    """Why a mutation may not hand `field` of a stored row back to this caller, or None.

    A write scope lets a key write, not read: the receipt (`id` and `version`, enough to
    name the row and update it again) is its own, every other field of a row (its
    relations, a conflicting row's `current` state) is a read under the rule of every
    query. Callers without credentials are left to the mutation, which refuses them.
    """
    if field in RECEIPT_FIELDS or reads_every_result(principal):
        return None
    return f"{scope_refusal(READ)}; without it a write returns only {_listed(RECEIPT_FIELDS)}"


# --- which rows ------------------------------------------------------------------------


def row_filter(principal: Principal, table: Table, *, all_tenants: bool = False) -> ColumnElement[bool]:
    """SQL condition for the rows of `table` (an entity table or the change log) the principal may see.

    Admins reach every tenant only when they ask (`all_tenants`), so lists stay
    on their own library by default (DESIGN §5); everyone else is owner-only.
    """
    if not principal.is_authenticated:
        return false()
    tenancy: ColumnElement[bool] = (
        true() if principal.is_admin and all_tenants else table.c.owner_id == principal.user_id
    )
    conditions = [tenancy]
    tags, machine = sorted(principal.tags), principal.machine_id
    if tags:
        conditions.append(_per_type(table, TAGGED, lambda: TagsOverlap(table.c.tags, tags)))
    if machine is not None:
        conditions.append(_per_type(table, MACHINE_BOUND, lambda: table.c.machine_id == machine))
    return and_(*conditions)


def id_lookup_filter(principal: Principal, table: Table) -> ColumnElement[bool]:
    """By id an admin reaches any row; others only their own (foreign ids look missing)."""
    return row_filter(principal, table, all_tenants=True)


def row_visible(
    principal: Principal,
    row: Mapping[str, Any],
    *,
    all_tenants: bool = False,
    entity: EntityType | None = None,
) -> bool:
    """`row_filter` for a row already in memory (a change-log row, whose `entity_type`
    names its kind; pass `entity` for an entity row). Keep the two in step:
    tests/services/test_policy_twins.py asks both the same questions."""
    if not principal.is_authenticated:
        return False
    if not (principal.is_admin and all_tenants) and row["owner_id"] != principal.user_id:
        return False
    kind = entity if entity is not None else EntityType(row["entity_type"])
    if principal.tags and kind in TAGGED and not principal.tags & set(row.get("tags") or ()):
        return False
    machine = principal.machine_id
    return machine is None or kind not in MACHINE_BOUND or row.get("machine_id") == machine


def _per_type(
    table: Table, applies_to: Collection[EntityType], rule: Callable[[], ColumnElement[bool]]
) -> ColumnElement[bool]:
    """`rule` for the entity types it governs; other types pass (the change log mixes them)."""
    if table.name == _CHANGE_LOG:
        exempt = [t.value for t in EntityType if t not in applies_to]
        return or_(table.c.entity_type.in_(exempt), rule()) if exempt else rule()
    return rule() if _TABLES[table.name] in applies_to else true()


# --- what a write may produce ------------------------------------------------------------


def write_problem(
    principal: Principal, entity: EntityType, row: Mapping[str, Any], sent: Collection[str]
) -> FieldError | None:
    """Why this principal may not store `row` (its state after the write), or None.

    `sent` names the fields the element set; tags are checked only when sent,
    so an update that leaves tags alone keeps a row the key can already reach.
    """
    if principal.tags and entity in TAGGED and "tags" in sent:
        tags = set(row.get("tags") or ())
        if not tags:
            return _refused(
                "tags", f"this API key may only write rows tagged with one of {_listed(principal.tags)}"
            )
        outside = tags - principal.tags
        if outside:
            # The legacy words (contract §13.6), which the legacy wire shows without the field.
            problem = f"API key not authorized for tags: {', '.join(sorted(outside))}"
            return _refused("tags", problem, Reason.TAGS_REFUSED)
    machine = principal.machine_id
    if machine is not None and entity in MACHINE_BOUND and row.get("machine_id") != machine:
        return _refused("machineId", f"this API key may only write rows of machine {machine!r}")
    return None


def _refused(field: str, problem: str, reason: Reason = Reason.OUT_OF_REACH) -> FieldError:
    return FieldError(field, problem, ItemErrorCode.FORBIDDEN, reason)


def _listed(tags: Collection[str]) -> str:
    return ", ".join(repr(t) for t in sorted(tags))
