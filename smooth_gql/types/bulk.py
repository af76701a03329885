"""Bulk write results with typed per-item errors (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from ..enums import EntityType as E
from ..errors import ItemError, ItemErrorCode
from ..services.write_request import BulkOutcome
from .common import from_row
from .tool_assembly import ToolAssembly
from .tool_instance import ToolInstance
from .tool_item import ToolItem
from .tool_preset import ToolPreset
from .tool_set import ToolSet
from .tool_usage import ToolUsage

T = TypeVar("T")

ToolEntity = Annotated[
    ToolItem | ToolAssembly | ToolInstance | ToolPreset | ToolUsage | ToolSet,
    strawberry.union("ToolEntity", description="Any of the six tool entities."),
]
ENTITY_TYPES: Mapping[E, type[Any]] = {
    E.TOOL_ITEM: ToolItem,
    E.TOOL_ASSEMBLY: ToolAssembly,
    E.TOOL_INSTANCE: ToolInstance,
    E.TOOL_PRESET: ToolPreset,
    E.TOOL_USAGE: ToolUsage,
    E.TOOL_SET: ToolSet,
}

BulkErrorCode = strawberry.enum(
    ItemErrorCode, name="BulkErrorCode", description="Why one element of a bulk write failed."
)


@strawberry.interface(description="One failed element of a bulk write; `index` is its position in the input.")
class BulkItemError:
    index: int
    id: strawberry.ID | None = strawberry.field(
        description="The element's id; for a create, the id the client sent, or null when it sent none."
    )
    code: ItemErrorCode
    message: str
    field: str | None = strawberry.field(description="The input field at fault, when there is one.")


@strawberry.type(description="A field value was missing, of the wrong type or not allowed.")
class ValidationError(BulkItemError):
    pass


@strawberry.type(description="The row, or a row it names, does not exist or is not yours.")
class NotFoundError(BulkItemError):
    pass


@strawberry.type(description="Not allowed for this caller.")
class ForbiddenError(BulkItemError):
    pass


@strawberry.type(description="A uniqueness or reference rule of the stored data refused the element.")
class ConstraintError(BulkItemError):
    pass


@strawberry.type(
    description="The row changed since the expected version; nothing of this element was applied."
)
class VersionConflict(BulkItemError):
    current_version: int
    current: ToolEntity | None


@strawberry.type
class BulkResult(Generic[T]):
    success_count: int
    error_count: int
    results: list[T]
    errors: list[BulkItemError]


_ERROR_TYPES: Mapping[ItemErrorCode, type[BulkItemError]] = {
    ItemErrorCode.VALIDATION: ValidationError,
    ItemErrorCode.NOT_FOUND: NotFoundError,
    ItemErrorCode.FORBIDDEN: ForbiddenError,
    ItemErrorCode.CONSTRAINT: ConstraintError,
    ItemErrorCode.LIMIT: ValidationError,
}


def _error(entity: E, error: ItemError) -> BulkItemError:
    common: dict[str, Any] = {
        "index": error.index,
        "id": error.id,
        "code": error.code,
        "message": error.message,
        "field": error.field,
    }
    if error.code is ItemErrorCode.VERSION_CONFLICT:
        current = None if error.current is None else from_row(ENTITY_TYPES[entity], error.current)
        return VersionConflict(current_version=error.current_version or 0, current=current, **common)
    return _ERROR_TYPES[error.code](**common)


def bulk_result(entity: E, cls: type[T], outcome: BulkOutcome) -> BulkResult[T]:
    return BulkResult(
        success_count=len(outcome.results),
        error_count=len(outcome.errors),
        results=[from_row(cls, row) for row in outcome.results],
        errors=[_error(entity, e) for e in outcome.errors],
    )
