"""What an idempotency key is checked against and what it keeps: the key's own rules, the
request's digest, and the outcome as JSON that decodes back into the same BulkOutcome.

The outcome is kept at the service level (rows and item errors), not as a door's
rendering, so a retry through either door renders its own words from it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Date

from ..db.types import UTCDateTime
from ..errors import BadInput, ItemError, ItemErrorCode, Reason
from .entity_spec import EntitySpec, Row
from .fields import to_jsonable
from .write_request import BulkOutcome, WriteRequest

MAX_KEY_LENGTH = 255
KEY_FIELD = "idempotencyKey"  # the REST door renders it as its header's name


def check_key(key: str) -> str:
    """An idempotency key is 1 to 255 printable ASCII characters (what an HTTP header can carry
    unchanged); anything else is refused before the database is asked."""
    if key == "":
        raise BadInput("must not be empty", reason=Reason.REQUIRED, field=KEY_FIELD)
    if len(key) > MAX_KEY_LENGTH:
        raise BadInput(f"must be at most {MAX_KEY_LENGTH} characters, got {len(key)}", field=KEY_FIELD)
    if not all(" " <= char <= "~" for char in key):
        raise BadInput("must be printable ASCII characters only", field=KEY_FIELD)
    return key


def request_digest(verb: str, request: WriteRequest) -> str:
    """SHA-256 of the request in a canonical JSON (sorted keys): the verb, the entity, the
    elements and every option that changes what is written. orjson writes it (a tenth of
    the standard library's time for 1,000 elements); what orjson refuses (integers beyond
    64 bits) the standard library writes, the same way for the same request every time."""
    canonical = {
        "verb": verb,
        "entity": request.entity.value,
        "items": list(request.items),
        "atomic": request.atomic,
        "required": list(request.required),
        "history_summary": request.history_summary,
    }
    try:
        text = orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS, default=_plain)
    except orjson.JSONEncodeError:
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=_plain).encode()
    return hashlib.sha256(text).hexdigest()


def _plain(value: object) -> Any:
    """Dates as ISO text, anything else (a decimal) as its text."""
    jsonable = to_jsonable(value)
    return jsonable if jsonable is not value else str(value)


def encode_outcome(outcome: BulkOutcome) -> dict[str, Any]:
    """The outcome as a JSON document; its rows' times and dates are left for the column's
    encoder (db/types.JSONText), which writes them as ISO text in one pass."""
    return {"results": outcome.results, "errors": [_encode_error(error) for error in outcome.errors]}


def decode_outcome(spec: EntitySpec, stored: Mapping[str, Any]) -> BulkOutcome:
    """The stored outcome with each column's value back in its Python type (times, dates)."""
    decode = _RowDecoder(spec)
    return BulkOutcome(
        results=[decode(row) for row in stored["results"]],
        errors=[_decode_error(decode, error) for error in stored["errors"]],
    )


def _encode_error(error: ItemError) -> dict[str, Any]:
    return {
        "index": error.index,
        "id": error.id,
        "code": error.code.value,
        "reason": error.reason.value,
        "field": error.field,
        "problem": error.problem,
        "current_version": error.current_version,
        "current": error.current,
    }


def _decode_error(decode: _RowDecoder, stored: Mapping[str, Any]) -> ItemError:
    current = stored["current"]
    return ItemError(
        stored["index"],
        stored["id"],
        ItemErrorCode(stored["code"]),
        Reason(stored["reason"]),
        stored["field"],
        stored["problem"],
        stored["current_version"],
        None if current is None else decode(current),
    )


class _RowDecoder:
    """Turns a stored row's ISO texts back into the datetimes and dates its table holds."""

    def __init__(self, spec: EntitySpec) -> None:
        columns = spec.table.columns
        self._times = {c.name for c in columns if isinstance(c.type, UTCDateTime)}
        self._dates = {c.name for c in columns if isinstance(c.type, Date)}

    def __call__(self, stored: Mapping[str, Any]) -> Row:
        row = dict(stored)
        for name in self._times & row.keys():
            row[name] = _parsed(row[name], datetime.fromisoformat)
        for name in self._dates & row.keys():
            row[name] = _parsed(row[name], date.fromisoformat)
        return row


def _parsed(value: Any, parse: Any) -> Any:
    return value if value is None else parse(value)
