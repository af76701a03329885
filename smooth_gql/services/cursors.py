"""Opaque page cursors: URL-safe base64 of a small JSON list of sort keys."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from .errors import BadInput
from .fields import to_jsonable


def encode(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([to_jsonable(v) for v in values]).encode()).decode()


def decode(cursor: str, length: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error):
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise BadInput("after: not a cursor this list issued", field="after")
    return values
