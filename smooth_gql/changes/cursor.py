"""Opaque change-feed cursors. They encode the log's global `seq`; clients must not parse them."""

from __future__ import annotations

import base64
import binascii

from ..services.errors import BadInput

PREFIX = "chg:"


def encode(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{PREFIX}{seq}".encode()).decode()


def decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        text = ""
    if text.startswith(PREFIX) and text[len(PREFIX) :].isdigit():
        return int(text[len(PREFIX) :])
    raise BadInput(
        "after: not a change-feed cursor; resynchronize in full and start from a new cursor", field="after"
    )
