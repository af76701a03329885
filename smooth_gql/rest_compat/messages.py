"""Service errors in the legacy shapes, mapped in this one place (STYLE habit 6).

Per-item failures become the `{index, id, message}` objects of contract §5.7
with the exact strings of §5.8; request-level errors become
`{"detail": "..."}` with the status the contract gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..changes.feed import CursorExpired
from ..errors import (
    BadInput,
    ClientError,
    Forbidden,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    ItemError,
    ItemErrorCode,
    LimitExceeded,
    NotFound,
    RateLimited,
    Reason,
    ServiceError,
    Unauthenticated,
    labelled,
)
from ..legacy.wire import Collection

# The legacy 401 texts (contract §2.4, §3.2): one for protected routes, and the
# account routes' own.
AUTHENTICATION_REQUIRED = "Authentication required"
NOT_AUTHENTICATED = "Not authenticated"

# Request-level refusals a legacy client knows by the contract's own words (§2.4, §3.2, §4.1),
# by reason; every other refusal reads as the field and the problem.
DETAILS: Mapping[Reason, Callable[[ClientError], str]] = {
    Reason.LOGIN_FAILED: lambda _: "Invalid email or password",
    Reason.EMAIL_TAKEN: lambda _: "Email already registered",
    Reason.AUTHENTICATION_REQUIRED: lambda _: AUTHENTICATION_REQUIRED,
    Reason.CREDENTIALS_INVALID: lambda _: AUTHENTICATION_REQUIRED,
    Reason.SCOPE_REQUIRED: lambda error: f"Permission denied: {error.problem}",
}
# Request fields GraphQL spells differently from the legacy wire.
WIRE_FIELDS: Mapping[str, str] = {
    "expiresAt": "expires_at",
    "machineId": "machine_id",
    "idempotencyKey": "Idempotency-Key",  # a header on this door
}

STATUS: Mapping[type[ServiceError], int] = {
    BadInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    IdempotencyInProgress: 409,
    CursorExpired: 410,
    LimitExceeded: 413,
    IdempotencyKeyReused: 422,
    RateLimited: 429,
}


def status_of(error: ServiceError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def detail_of(error: ServiceError) -> str:
    words = DETAILS.get(error.reason)
    if words is not None:
        return words(error)
    label = error.label
    if label is not None and label == error.field:
        label = WIRE_FIELDS.get(label, label)
    return labelled(label, error.problem)


_DATETIME = TypeAdapter(datetime)


def validation_details(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's 422 list as the legacy stack (pydantic 2.5) gave it.

    Newer pydantic retries an unparsable datetime as a date and reports that
    (`datetime_from_date_parsing`, "valid datetime or date", the date parser's
    complaint); the contract (§2.4, §3.5, §8.1) has `datetime_parsing` and the
    datetime parser's own complaint, which a strict parse of the same text gives.
    """
    return [_legacy_detail(error) for error in errors]


def _legacy_detail(error: Mapping[str, Any]) -> dict[str, Any]:
    detail = dict(error)
    if detail.get("type") != "datetime_from_date_parsing":
        return detail
    text = detail.get("input")
    if isinstance(text, str):
        try:
            _DATETIME.validate_json(json.dumps(text), strict=True)
        except ValidationError as refused:
            [strict] = refused.errors(include_url=True)
            if strict["type"] == "datetime_parsing":
                return {**detail, **{k: strict[k] for k in ("type", "msg", "ctx", "url") if k in strict}}
    detail["type"] = "datetime_parsing"
    detail["msg"] = str(detail.get("msg", "")).replace("valid datetime or date", "valid datetime")
    return detail


def headers_of(error: ServiceError) -> dict[str, str] | None:
    """A throttled login says when to try again (RFC 9110 Retry-After, in seconds)."""
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after)}
    return None


def api_key_not_found(key_id: str) -> str:
    """Unknown, malformed and other users' key ids alike (contract §3.5, §0.1 item 2)."""
    return f"API key {key_id} not found"


def item_message(collection: Collection, error: ItemError, element: Mapping[str, Any] | None) -> str:
    """The legacy message for one failed element (`element` is what the client sent)."""
    sent = element or {}
    if error.code is ItemErrorCode.VERSION_CONFLICT:
        return f"Version conflict: expected {error.current_version}, got {sent.get('version')}"
    if error.field == "id" and error.code in (ItemErrorCode.NOT_FOUND, ItemErrorCode.VALIDATION):
        # Unknown, foreign, malformed or repeated: to a legacy client all are "not found".
        return collection.not_found
    if error.reason is Reason.TAGS_REFUSED:
        return error.problem  # the legacy text names no field (contract §13.6)
    wire = collection.field_for_label().get(error.field or "")
    if wire is None:
        return error.message
    if error.reason is Reason.REQUIRED:
        return f"Field '{wire}' is required"
    if error.reason is Reason.NOT_A_TIME and isinstance(sent.get(wire), str):
        return f"Invalid isoformat string: {sent[wire]!r}"  # what the legacy server's parser said
    return f"{wire}: {error.problem}"


def bulk_errors(
    collection: Collection, errors: list[ItemError], elements: list[Mapping[str, Any]], *, creating: bool
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for e in errors:
        sent = elements[e.index] if e.index < len(elements) else None
        # The id as the client wrote it (the service holds its stored, lower-case form).
        echoed = sent.get("id") if sent is not None and isinstance(sent.get("id"), str) else e.id
        out.append(
            {
                "index": e.index,
                "id": None if creating else echoed,
                "message": item_message(collection, e, sent),
            }
        )
    return out
