"""Service errors in the legacy shapes, mapped in this one place (STYLE habit 6).

Per-item failures become the `{index, id, message}` objects of contract §5.7
with the exact strings of §5.8; request-level errors become
`{"detail": "..."}` with the status the contract gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..changes.feed import CursorExpired
from ..legacy.wire import Collection
from ..services.errors import (
    BadInput,
    Forbidden,
    ItemError,
    ItemErrorCode,
    LimitExceeded,
    NotFound,
    ServiceError,
    Unauthenticated,
)
from .principal import AUTHENTICATION_REQUIRED

MISSING = ("is required", "must not be null", "must not be empty")
NOT_A_TIME = "is not an ISO 8601 date-time"

STATUS: Mapping[type[ServiceError], int] = {
    BadInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    CursorExpired: 410,
    LimitExceeded: 413,
}


def status_of(error: ServiceError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def detail_of(error: ServiceError) -> str:
    if isinstance(error, Unauthenticated):
        return AUTHENTICATION_REQUIRED
    if isinstance(error, Forbidden) and error.message.startswith("required scope"):
        return f"Permission denied: {error.message}"
    return error.message


def _problem(error: ItemError) -> str:
    """The service message without its leading "<field>: "."""
    prefix = f"{error.field}: "
    return error.message[len(prefix) :] if error.field and error.message.startswith(prefix) else error.message


def item_message(collection: Collection, error: ItemError, element: Mapping[str, Any] | None) -> str:
    """The legacy message for one failed element (`element` is what the client sent)."""
    sent = element or {}
    if error.code is ItemErrorCode.VERSION_CONFLICT:
        return f"Version conflict: expected {error.current_version}, got {sent.get('version')}"
    if error.field == "id" and error.code in (ItemErrorCode.NOT_FOUND, ItemErrorCode.VALIDATION):
        # Unknown, foreign, malformed or repeated: to a legacy client all are "not found".
        return collection.not_found
    wire = collection.field_for_label().get(error.field or "")
    problem = _problem(error)
    if wire is None:
        return error.message
    if problem in MISSING:
        return f"Field '{wire}' is required"
    if problem.endswith(NOT_A_TIME) and isinstance(sent.get(wire), str):
        return f"Invalid isoformat string: {sent[wire]!r}"  # what the legacy server's parser said
    return f"{wire}: {problem}"


def bulk_errors(
    collection: Collection, errors: list[ItemError], elements: list[Mapping[str, Any]], *, creating: bool
) -> list[dict[str, Any]]:
    return [
        {
            "index": e.index,
            "id": None if creating else e.id,
            "message": item_message(collection, e, elements[e.index] if e.index < len(elements) else None),
        }
        for e in errors
    ]
