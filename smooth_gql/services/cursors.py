"""Opaque page cursors: URL-safe base64 of a small JSON list of sort keys."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from ..errors import BadInput
from .fields import check_query_text, to_jsonable


def encode(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([to_jsonable(v) for v in values]).encode()).decode()


def decode(cursor: str, length: int) -> list[Any]:
    """The values of a cursor this server issued, or BadInput: a client may send anything,
    and what comes out goes into SQL, so its strings must be storable text (no NUL, no lone
    surrogate, none longer than a filter's) and its JSON flat."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if isinstance(values, list):
            for value in values:
                if isinstance(value, str):
                    check_query_text("after", value)
    except (ValueError, binascii.Error, RecursionError):  # FieldError is a ValueError
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise BadInput("not a cursor this list issued", field="after")
    return values
